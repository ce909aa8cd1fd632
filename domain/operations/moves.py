"""Vector geometries moved by an affine map onto a new image, clipped to it.

:func:`move_vector` answers a list: empty when nothing of the object is left on the new
image, several geometries when a line falls apart into pieces. What each shape becomes:

* point: moved; dropped when it leaves the image.
* rectangle: the bounding box of its four moved corners, clipped.
* polygon: exterior and holes moved and clipped; holes left without area are dropped.
* line: moved and clipped; each piece inside the image is a geometry of its own.
* graph, cuboid_2d: nodes moved; a node off the image is marked ``"disabled": true`` (a
  keypoint out of view), the object is dropped when every node is off.
* cuboid: its seven points moved, kept whole while any lies on the image.
* oriented_bbox: centre and axes moved (its angle turns with the image and changes sign
  under a flip); kept whole while its centre lies on the image, since a turned box cut by
  the border is no longer a box.

Bitmaps and alpha masks need pixels: they move beside the image library, behind the
application's ``Imaging`` port.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from domain.operations.affine import Affine, Point
from domain.operations.clip import EPSILON, clip_polyline, clip_ring, inside

Geometry = dict[str, Any]
VECTOR_SHAPES = frozenset({"point", "rectangle", "polygon", "line", "graph", "cuboid",
                           "cuboid_2d", "oriented_bbox"})


def number(value: float) -> int | float:
    """A coordinate as stored: whole values as ints, so moved integer geometries stay
    integers where the map keeps them so (flips, crops, quarter turns)."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def as_coords(points: list[Point]) -> list[list[int | float]]:
    return [[number(float(x)), number(float(y))] for x, y in points]


def _xy(points: Any) -> list[Point]:
    return [(float(x), float(y)) for x, y in points]


def _area(exterior: list[Point], holes: list[list[Point]]) -> Geometry:
    return {"points": {"exterior": as_coords(exterior), "interior": [as_coords(h) for h in holes]}}


def _point(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    (p,) = m.apply_all(_xy(g["points"]["exterior"]))
    return [_area([p], [])] if inside(p, w, h) else []


def _rectangle(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    (left, top), (right, bottom) = _xy(g["points"]["exterior"])
    corners = m.apply_all([(left, top), (right, top), (right, bottom), (left, bottom)])
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x1, y1 = max(0.0, min(xs)), max(0.0, min(ys))
    x2, y2 = min(float(w), max(xs)), min(float(h), max(ys))
    if x2 - x1 <= EPSILON or y2 - y1 <= EPSILON:
        return []
    return [_area([(x1, y1), (x2, y2)], [])]


def _polygon(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    exterior = clip_ring(m.apply_all(_xy(g["points"]["exterior"])), w, h)
    if not exterior:
        return []
    holes = [clip_ring(m.apply_all(_xy(hole)), w, h) for hole in g["points"]["interior"]]
    return [_area(exterior, [hole for hole in holes if hole])]


def _line(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    pieces = clip_polyline(m.apply_all(_xy(g["points"]["exterior"])), w, h)
    return [_area(piece, []) for piece in pieces]


def _nodes(key: str) -> Callable[[Geometry, Affine, int, int], list[Geometry]]:
    def move(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
        nodes: dict[str, Any] = {}
        seen = False
        for name, node in g[key].items():
            p = m.apply(float(node["loc"][0]), float(node["loc"][1]))
            moved = {**node, "loc": as_coords([p])[0]}
            if inside(p, w, h):
                seen = True
            else:
                moved["disabled"] = True
            nodes[name] = moved
        return [{**g, key: nodes}] if seen else []
    return move


def _cuboid(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    points = m.apply_all(_xy(g["points"]))
    if not any(inside(p, w, h) for p in points):
        return []
    return [{**g, "points": as_coords(points)}]


def _oriented_bbox(g: Geometry, m: Affine, w: int, h: int) -> list[Geometry]:
    (left, top), (right, bottom) = _xy(g["points"]["exterior"])
    angle = float(g["angle"])
    width, height = right - left, bottom - top
    cx, cy = m.apply((left + right) / 2, (top + bottom) / 2)
    if not inside((cx, cy), w, h):
        return []
    if m.b == 0 and m.d == 0 and (angle == 0 or abs(m.a) == abs(m.e)):
        width, height = width * abs(m.a), height * abs(m.e)
        turned = -angle if m.mirrors else angle
    else:  # the box's own x axis, moved, gives its new direction; its area is kept
        ux, uy = math.cos(angle) * width, math.sin(angle) * width
        mx, my = m.a * ux + m.b * uy, m.d * ux + m.e * uy
        new_width = math.hypot(mx, my)
        det = abs(m.a * m.e - m.b * m.d)
        height = det * width * height / new_width if new_width else 0.0
        width, turned = new_width, math.atan2(my, mx)
    box = [(cx - width / 2, cy - height / 2), (cx + width / 2, cy + height / 2)]
    return [{"points": {"exterior": as_coords(box), "interior": []}, "angle": turned}]


_MOVERS: dict[str, Callable[[Geometry, Affine, int, int], list[Geometry]]] = {
    "point": _point,
    "rectangle": _rectangle,
    "polygon": _polygon,
    "line": _line,
    "graph": _nodes("nodes"),
    "cuboid_2d": _nodes("vertices"),
    "cuboid": _cuboid,
    "oriented_bbox": _oriented_bbox,
}


def move_vector(shape: str, geometry: Geometry, move: Affine, width: int,
                height: int) -> list[Geometry]:
    """``geometry`` (a normalized one of ``shape``) after ``move``, on a ``width`` x
    ``height`` image: see the module's docstring for what each shape becomes."""
    mover = _MOVERS.get(shape)
    if mover is None:
        raise ValueError(f"{shape!r} is not a vector shape")
    return mover(geometry, move, width, height)
