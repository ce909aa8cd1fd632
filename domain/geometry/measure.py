"""Sizes, positions and overlaps of geometries, for geometry-aware compare and diff.

Coordinates are continuous: rectangle ``[[0, 0], [2, 1]]`` has area 2, and bitmap pixel
``(x, y)`` is the unit square ``[x, x+1) x [y, y+1)``, so a bitmap's box runs from its origin
to origin + PNG size. An oriented bbox turns by ``angle`` radians about its centre, clockwise
on screen (y points down), as Supervisely draws it.

IoU rules, chosen so that compare gets a meaningful number for every pair of shapes:

* rectangle/polygon/oriented_bbox against each other: exact, by a sweep over horizontal
  strips cut at every vertex and edge crossing, inside which lengths are linear in ``y``
  (holes and self-intersections follow the even-odd rule);
* bitmap/alpha_mask against each other: exact, by pixel sets;
* bitmap against a vector area: the vector is rasterized by pixel centres;
* anything else (point, line, graph, cuboid, cuboid_2d): 1.0 for equal geometries, otherwise
  the IoU of bounding boxes in which any side shorter than one pixel is widened to one pixel
  about its centre, so points and thin lines still overlap when close.

Functions expect geometries that passed :func:`~domain.geometry.validate.normalize_geometry`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from domain.errors import GeometryError
from domain.geometry.png import Mask, decode_mask, info_of, mask_moments

Point = tuple[float, float]
Ring = list[Point]
Box = tuple[float, float, float, float]
Edge = tuple[float, float, float, float]  # y_low, y_high, x at y_low, x at y_high

AREA_SHAPES = frozenset({"rectangle", "polygon", "oriented_bbox"})
MASK_SHAPES = frozenset({"bitmap", "alpha_mask"})
FOOTPRINT = 1.0
"""Smallest side, in pixels, a degenerate box is given for the bounding-box IoU fallback."""


def _xy(points: Any) -> Ring:
    return [(float(x), float(y)) for x, y in points]


def _rings(shape: str, geometry: Mapping[str, Any]) -> list[Ring]:
    """Outline rings of an area shape; the first is the exterior, the others are holes."""
    points = geometry["points"]
    if shape == "polygon":
        return [_xy(points["exterior"]), *(_xy(hole) for hole in points["interior"])]
    (left, top), (right, bottom) = _xy(points["exterior"])
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    angle = float(geometry.get("angle", 0.0)) if shape == "oriented_bbox" else 0.0
    if angle:
        cx, cy = (left + right) / 2, (top + bottom) / 2
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [
            (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
            for x, y in corners
        ]
    return [corners]


def _vertices(shape: str, geometry: Mapping[str, Any]) -> Ring:
    """The located points of a shape without area (and the exterior of one with area)."""
    if shape in ("point", "line"):
        return _xy(geometry["points"]["exterior"])
    if shape in ("graph", "cuboid_2d"):
        nodes = geometry["nodes" if shape == "graph" else "vertices"]
        return _xy(node["loc"] for node in nodes.values())
    if shape == "cuboid":
        return _xy(geometry["points"])
    if shape in AREA_SHAPES:
        return _rings(shape, geometry)[0]
    raise GeometryError("shape", f"cannot measure shape {shape!r}")


def _origin(geometry: Mapping[str, Any]) -> tuple[int, int]:
    x, y = geometry["bitmap"]["origin"]
    return int(x), int(y)


def _mask(geometry: Mapping[str, Any]) -> Mask:
    return decode_mask(geometry["bitmap"]["data"])


def bbox(shape: str, geometry: Mapping[str, Any]) -> Box | None:
    """``(x1, y1, x2, y2)`` enclosing the geometry; ``None`` if it has no location."""
    if shape in MASK_SHAPES:
        x, y = _origin(geometry)
        info = info_of(geometry["bitmap"]["data"])
        return float(x), float(y), float(x + info.width), float(y + info.height)
    points = _vertices(shape, geometry)
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _shoelace(ring: Ring) -> tuple[float, float, float]:
    """Signed doubled area and the matching first moments (x, y) of a closed ring."""
    a = mx = my = 0.0
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        cross = x0 * y1 - x1 * y0
        a += cross
        mx += (x0 + x1) * cross
        my += (y0 + y1) * cross
        x0, y0 = x1, y1
    return a, mx, my


def area(shape: str, geometry: Mapping[str, Any]) -> float:
    """Area in square pixels: polygons minus holes, boxes, set bitmap pixels; 0.0 otherwise."""
    if shape == "polygon":
        exterior, *holes = _rings(shape, geometry)
        value = abs(_shoelace(exterior)[0]) - sum(abs(_shoelace(h)[0]) for h in holes)
        return max(0.0, value / 2)
    if shape in ("rectangle", "oriented_bbox"):
        (left, top), (right, bottom) = geometry["points"]["exterior"]
        return float((right - left) * (bottom - top))
    if shape in MASK_SHAPES:
        return float(sum(row.bit_count() for row in _mask(geometry).rows))
    _vertices(shape, geometry)  # refuses unknown shapes
    return 0.0


def _mask_centroid(origin: tuple[int, int], mask: Mask) -> Point:
    count, sum_x, sum_y = mask_moments(mask)
    if not count:
        return origin[0] + mask.width / 2, origin[1] + mask.height / 2
    return origin[0] + sum_x / count + 0.5, origin[1] + sum_y / count + 0.5


def centroid(shape: str, geometry: Mapping[str, Any]) -> Point:
    """Centre of mass: of the area (polygons, boxes, set pixels), the length (lines),
    or the points (points, graphs, cuboids). Degenerate areas fall back to vertex means."""
    if shape in MASK_SHAPES:
        return _mask_centroid(_origin(geometry), _mask(geometry))
    if shape in ("rectangle", "oriented_bbox"):
        (left, top), (right, bottom) = geometry["points"]["exterior"]
        return (left + right) / 2, (top + bottom) / 2
    points = _vertices(shape, geometry)
    if shape == "polygon":
        a = mx = my = 0.0
        for i, ring in enumerate(_rings(shape, geometry)):
            ra, rx, ry = _shoelace(ring)
            sign = (1.0 if ra >= 0 else -1.0) * (1.0 if i == 0 else -1.0)
            a, mx, my = a + sign * ra, mx + sign * rx, my + sign * ry
        if abs(a) > 1e-12:
            return mx / (3 * a), my / (3 * a)
    elif shape == "line":
        total = sx = sy = 0.0
        for (x0, y0), (x1, y1) in pairwise(points):
            length = math.hypot(x1 - x0, y1 - y0)
            total += length
            sx, sy = sx + length * (x0 + x1) / 2, sy + length * (y0 + y1) / 2
        if total > 0:
            return sx / total, sy / total
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _box_iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = width * height if width > 0 and height > 0 else 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _widen(box: Box) -> Box:
    x1, y1, x2, y2 = box
    if x2 - x1 < FOOTPRINT:
        x1, x2 = (x1 + x2 - FOOTPRINT) / 2, (x1 + x2 + FOOTPRINT) / 2
    if y2 - y1 < FOOTPRINT:
        y1, y2 = (y1 + y2 - FOOTPRINT) / 2, (y1 + y2 + FOOTPRINT) / 2
    return x1, y1, x2, y2


def _edges(rings: list[Ring]) -> list[Edge]:
    """The non-horizontal edges of ``rings``, each by its two ends, lower end first.

    Ends rather than a slope: ``dx / dy`` of an edge that is all but horizontal overflows
    to infinity (13 / 2e-313), which made such a polygon's area infinite and its IoU 0.
    """
    out = []
    for ring in rings:
        x0, y0 = ring[-1]
        for x1, y1 in ring:
            if y0 < y1:
                out.append((y0, y1, x0, x1))
            elif y1 < y0:
                out.append((y1, y0, x1, x0))
            x0, y0 = x1, y1
    return out


def _x_at(edge: Edge, y: float) -> float:
    """Where ``edge`` crosses height ``y``, for ``y`` within its height range."""
    low, high, x0, x1 = edge
    return x0 + (x1 - x0) * ((y - low) / (high - low))


def _spans(edges: list[Edge], y: float) -> list[tuple[float, float]]:
    xs = sorted([_x_at(e, y) for e in edges])
    return list(zip(xs[0::2], xs[1::2], strict=False))


def _common(sa: list[tuple[float, float]], sb: list[tuple[float, float]]) -> float:
    i = j = 0
    total = 0.0
    while i < len(sa) and j < len(sb):
        lo, hi = max(sa[i][0], sb[j][0]), min(sa[i][1], sb[j][1])
        if hi > lo:
            total += hi - lo
        if sa[i][1] < sb[j][1]:
            i += 1
        else:
            j += 1
    return total


def _crossings(edges: list[Edge], y0: float, y1: float) -> list[float]:
    """Heights strictly inside ``(y0, y1)`` where two of ``edges`` cross.

    Edges keep their left-to-right order through most strips, which one sort detects; only
    strips where the order changes pay for comparing every pair.
    """
    ends = sorted((_x_at(e, y0), _x_at(e, y1)) for e in edges)
    if all(a[1] <= b[1] for a, b in pairwise(ends)):
        return []
    h = y1 - y0
    cuts = []
    for i, (a0, a1) in enumerate(ends):
        for b0, b1 in ends[i + 1:]:
            d0, d1 = a0 - b0, a1 - b1
            if d0 * d1 < 0:
                cuts.append(y0 + h * d0 / (d0 - d1))
    return cuts


def _sweep(ra: list[Ring], rb: list[Ring]) -> tuple[float, float, float]:
    """Exact areas of A, B and A∩B (even-odd), integrating span lengths strip by strip."""
    ea, eb = _edges(ra), _edges(rb)
    ys = sorted({e[0] for e in ea + eb} | {e[1] for e in ea + eb})
    slot = {y: i for i, y in enumerate(ys)}
    active: tuple[list[list[Edge]], list[list[Edge]]] = ([[] for _ in ys], [[] for _ in ys])
    for side, edges in zip(active, (ea, eb), strict=True):
        for e in edges:
            for i in range(slot[e[0]], slot[e[1]]):
                side[i].append(e)
    total_a = total_b = total_i = 0.0
    for i in range(len(ys) - 1):
        la, lb = active[0][i], active[1][i]
        cuts = [ys[i], ys[i + 1]]
        if len(la) + len(lb) > 1:
            cuts = sorted(cuts + _crossings(la + lb, ys[i], ys[i + 1]))
        for c0, c1 in pairwise(cuts):
            h, mid = c1 - c0, (c0 + c1) / 2
            sa, sb = _spans(la, mid), _spans(lb, mid)
            total_a += h * sum(r - left for left, r in sa)
            total_b += h * sum(r - left for left, r in sb)
            if sa and sb:
                total_i += h * _common(sa, sb)
    return total_a, total_b, total_i


def _raster(edges: list[Edge], right: int) -> dict[int, int]:
    """Rows of pixels whose centres lie inside; pixel ``x`` is bit ``right - 1 - x``."""
    crossings: dict[int, list[float]] = {}
    for edge in edges:
        low, high = edge[0], edge[1]
        for y in range(math.ceil(low - 0.5), math.ceil(high - 0.5)):
            crossings.setdefault(y, []).append(_x_at(edge, y + 0.5))
    rows = {}
    for y, xs in crossings.items():
        xs.sort()
        bits = 0
        for left, r in zip(xs[0::2], xs[1::2], strict=False):
            first, last = math.ceil(left - 0.5), math.ceil(r - 0.5) - 1
            if last >= first:
                bits |= ((1 << (last - first + 1)) - 1) << (right - 1 - last)
        if bits:
            rows[y] = bits
    return rows


def _placed(geometry: Mapping[str, Any], right: int) -> dict[int, int]:
    """A bitmap's rows keyed by image row, bits aligned so pixel ``x`` is ``right - 1 - x``."""
    (x, y), mask = _origin(geometry), _mask(geometry)
    shift = right - x - mask.width
    return {y + k: row << shift for k, row in enumerate(mask.rows) if row}


def _pixel_iou(rows_a: dict[int, int], rows_b: dict[int, int]) -> float:
    count_a = sum(r.bit_count() for r in rows_a.values())
    count_b = sum(r.bit_count() for r in rows_b.values())
    inter = sum((r & rows_b[y]).bit_count() for y, r in rows_a.items() if y in rows_b)
    union = count_a + count_b - inter
    return inter / union if union else 0.0


def iou(shape_a: str, geom_a: Mapping[str, Any], shape_b: str, geom_b: Mapping[str, Any]) -> float:
    """Intersection over union of two geometries, by the rules in this module's docstring."""
    if shape_a == shape_b and geom_a == geom_b:
        return 1.0
    box_a, box_b = bbox(shape_a, geom_a), bbox(shape_b, geom_b)
    if box_a is None or box_b is None:
        return 0.0
    if shape_a == shape_b == "rectangle":
        return _box_iou(box_a, box_b)
    filled = AREA_SHAPES | MASK_SHAPES
    if shape_a not in filled or shape_b not in filled:
        return _box_iou(_widen(box_a), _widen(box_b))
    if box_a[0] >= box_b[2] or box_b[0] >= box_a[2] or box_a[1] >= box_b[3] or box_b[1] >= box_a[3]:
        return 0.0
    right = math.ceil(max(box_a[2], box_b[2]))
    if shape_a in MASK_SHAPES and shape_b in MASK_SHAPES:
        return _pixel_iou(_placed(geom_a, right), _placed(geom_b, right))
    if shape_a in MASK_SHAPES:
        return _pixel_iou(_placed(geom_a, right), _raster(_edges(_rings(shape_b, geom_b)), right))
    if shape_b in MASK_SHAPES:
        return _pixel_iou(_raster(_edges(_rings(shape_a, geom_a)), right), _placed(geom_b, right))
    total_a, total_b, inter = _sweep(_rings(shape_a, geom_a), _rings(shape_b, geom_b))
    union = total_a + total_b - inter
    return min(1.0, inter / union) if union > 0 else 0.0
