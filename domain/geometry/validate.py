"""Check Supervisely geometries and return canonical copies.

Every imported object goes through :func:`normalize_geometry`, so the common case (a short
list of integer or float points) takes a fast path of C-level builtins; only a failing input
is walked again, slowly, to name the exact offending field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any

from domain.errors import GeometryError
from domain.geometry.png import check_png
from domain.values import SHAPES

Coords = list[list[Any]]

GEOMETRY_KEYS: dict[str, tuple[str, ...]] = {
    "point": ("points",),
    "rectangle": ("points",),
    "polygon": ("points",),
    "line": ("points",),
    "bitmap": ("bitmap",),
    "graph": ("nodes", "edges"),
    "cuboid": ("points", "faces"),
    "cuboid_2d": ("vertices",),
    "oriented_bbox": ("points", "angle"),
    "alpha_mask": ("bitmap",),
}
"""Top-level keys each concrete shape keeps (``edges`` only when given)."""

GEOMETRY_SHAPES: tuple[str, ...] = tuple(s for s in SHAPES if s in GEOMETRY_KEYS)
_EXPECTED = ", ".join(GEOMETRY_SHAPES)
_NUMBER = frozenset((int, float))
_SEQUENCE = frozenset((list, tuple))


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _number(value: object, field: str, what: str) -> int | float:
    """One coordinate: a finite real number, not a bool; int subclasses become int."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GeometryError(field, f"{what} must be a number, got {_kind(value)}")
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            raise GeometryError(field, f"{what} is too large") from None
        return int(value)
    if not math.isfinite(value):
        raise GeometryError(field, f"{what} must be finite, got {value}")
    return float(value)


def _pair(value: object, field: str) -> list[Any]:
    if type(value) not in _SEQUENCE:
        raise GeometryError(field, f"expected [x, y], got {_kind(value)}")
    assert isinstance(value, (list, tuple))
    if len(value) != 2:
        raise GeometryError(field, f"expected [x, y], got {len(value)} numbers")
    return [_number(value[0], field, "x"), _number(value[1], field, "y")]


def _coords(seq: object, field: str) -> Coords:
    """A list of [x, y] points; fast path for plain lists of ints/floats."""
    if type(seq) is list or type(seq) is tuple:
        try:
            out = [[x, y] for x, y in seq]
            if (
                set(map(type, seq)) <= _SEQUENCE
                and set(map(type, chain.from_iterable(out))) <= _NUMBER
                and math.isfinite(sum(chain.from_iterable(out)))
            ):
                return out
        except (TypeError, ValueError, OverflowError):
            pass
        return [_pair(p, f"{field}[{i}]") for i, p in enumerate(seq)]
    raise GeometryError(field, f"expected a list of [x, y] points, got {_kind(seq)}")


def _need(mapping: Mapping[str, Any], key: str, field: str) -> Any:
    value = mapping.get(key)
    if value is None:
        raise GeometryError(field, "is missing")
    return value


def _mapping(value: object, field: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise GeometryError(field, f"expected {what}, got {_kind(value)}")
    return value


def _rings(geometry: Mapping[str, Any]) -> tuple[Coords, Any]:
    points = _mapping(_need(geometry, "points", "points"), "points",
                      'an object with "exterior" and "interior"')
    exterior = _coords(_need(points, "exterior", "points.exterior"), "points.exterior")
    interior = points.get("interior")
    return exterior, ([] if interior is None else interior)


def _no_holes(interior: Any, shape: str) -> None:
    if type(interior) not in _SEQUENCE or len(interior) != 0:
        raise GeometryError("points.interior", f"a {shape} has no interior rings")


def _box(geometry: Mapping[str, Any], shape: str) -> dict[str, Any]:
    exterior, interior = _rings(geometry)
    if len(exterior) != 2:
        raise GeometryError("points.exterior",
                            f"{shape} needs exactly 2 corner points, got {len(exterior)}")
    _no_holes(interior, shape)
    (x1, y1), (x2, y2) = exterior
    if x1 > x2:
        x1, x2 = x2, x1
    if y1 > y2:
        y1, y2 = y2, y1
    return {"points": {"exterior": [[x1, y1], [x2, y2]], "interior": []}}


def _point(geometry: Mapping[str, Any]) -> dict[str, Any]:
    exterior, interior = _rings(geometry)
    if len(exterior) != 1:
        raise GeometryError("points.exterior", f"point needs exactly 1 point, got {len(exterior)}")
    _no_holes(interior, "point")
    return {"points": {"exterior": exterior, "interior": []}}


def _line(geometry: Mapping[str, Any]) -> dict[str, Any]:
    exterior, interior = _rings(geometry)
    if len(exterior) < 2:
        raise GeometryError("points.exterior",
                            f"line needs at least 2 points, got {len(exterior)}")
    _no_holes(interior, "line")
    return {"points": {"exterior": exterior, "interior": []}}


def _polygon(geometry: Mapping[str, Any]) -> dict[str, Any]:
    exterior, interior = _rings(geometry)
    if len(exterior) < 3:
        raise GeometryError("points.exterior",
                            f"polygon needs at least 3 points, got {len(exterior)}")
    if type(interior) not in _SEQUENCE:
        raise GeometryError("points.interior", f"expected a list of rings, got {_kind(interior)}")
    holes = []
    for i, ring in enumerate(interior):
        hole = _coords(ring, f"points.interior[{i}]")
        if len(hole) < 3:
            raise GeometryError(f"points.interior[{i}]",
                                f"polygon hole needs at least 3 points, got {len(hole)}")
        holes.append(hole)
    return {"points": {"exterior": exterior, "interior": holes}}


def _rectangle(geometry: Mapping[str, Any]) -> dict[str, Any]:
    return _box(geometry, "rectangle")


def _oriented_bbox(geometry: Mapping[str, Any]) -> dict[str, Any]:
    points = geometry.get("points")
    if type(points) is list:  # an older SDK wrote the two corners without "exterior"
        try:
            out = _box({"points": {"exterior": points}}, "oriented_bbox")
        except GeometryError as error:
            raise GeometryError(error.field.replace("points.exterior", "points"),
                                error.message) from None
    else:
        out = _box(geometry, "oriented_bbox")
    out["angle"] = _number(_need(geometry, "angle", "angle"), "angle", "angle (radians)")
    return out


def _bitmap(geometry: Mapping[str, Any]) -> dict[str, Any]:
    bitmap = _mapping(_need(geometry, "bitmap", "bitmap"), "bitmap",
                      'an object with "origin" and "data"')
    origin = _pair(_need(bitmap, "origin", "bitmap.origin"), "bitmap.origin")
    for i, v in enumerate(origin):
        if v != int(v):
            raise GeometryError("bitmap.origin", f"{'xy'[i]} must be a whole pixel, got {v}")
        origin[i] = int(v)
    data = _need(bitmap, "data", "bitmap.data")
    if not isinstance(data, str):
        raise GeometryError("bitmap.data", f"must be a base64 string, got {_kind(data)}")
    check_png(data)
    return {"bitmap": {"origin": origin, "data": data}}


def _locs(nodes: object, field: str, what: str) -> dict[str, Any]:
    """Keypoint-like ``{key: {"loc": [x, y], "disabled"?: bool}}`` maps (graph, cuboid_2d)."""
    nodes = _mapping(nodes, field, f"an object of {what}s")
    if not nodes:
        raise GeometryError(field, f"needs at least 1 {what}")
    out: dict[str, Any] = {}
    for key, node in nodes.items():
        where = f"{field}.{key}"
        if not isinstance(key, str):
            raise GeometryError(where, f"{what} keys must be strings")
        node = _mapping(node, where, 'an object with "loc"')
        entry: dict[str, Any] = {"loc": _pair(_need(node, "loc", f"{where}.loc"), f"{where}.loc")}
        if "disabled" in node:
            if not isinstance(node["disabled"], bool):
                raise GeometryError(f"{where}.disabled", "must be true or false")
            entry["disabled"] = node["disabled"]
        out[key] = entry
    return out


def _graph(geometry: Mapping[str, Any]) -> dict[str, Any]:
    nodes = _locs(_need(geometry, "nodes", "nodes"), "nodes", "node")
    out: dict[str, Any] = {"nodes": nodes}
    edges = geometry.get("edges")
    if edges is None:
        return out
    if type(edges) not in _SEQUENCE:
        raise GeometryError("edges", f"expected a list of edges, got {_kind(edges)}")
    kept = []
    for i, edge in enumerate(edges):
        edge = _mapping(edge, f"edges[{i}]", 'an object with "src" and "dst"')
        ends = []
        for end in ("src", "dst"):
            key = _need(edge, end, f"edges[{i}].{end}")
            if not isinstance(key, str) or key not in nodes:
                raise GeometryError(f"edges[{i}].{end}", f"edge {i} names unknown node {key!r}")
            ends.append(key)
        kept.append({"src": ends[0], "dst": ends[1]})
    out["edges"] = kept
    return out


def _cuboid(geometry: Mapping[str, Any]) -> dict[str, Any]:
    points = _coords(_need(geometry, "points", "points"), "points")
    if len(points) != 7:
        raise GeometryError("points", f"cuboid needs exactly 7 points, got {len(points)}")
    faces = _need(geometry, "faces", "faces")
    if type(faces) not in _SEQUENCE or len(faces) != 3:
        raise GeometryError("faces", "cuboid needs exactly 3 faces of 4 point indices")
    out = []
    for i, face in enumerate(faces):
        if type(face) not in _SEQUENCE or len(face) != 4:
            raise GeometryError(f"faces[{i}]", "a face needs exactly 4 point indices")
        for j, index in enumerate(face):
            if type(index) is not int or not 0 <= index < 7:
                raise GeometryError(f"faces[{i}][{j}]",
                                    f"expected a point index 0..6, got {index!r}")
        out.append(list(face))
    return {"points": points, "faces": out}


def _cuboid_2d(geometry: Mapping[str, Any]) -> dict[str, Any]:
    return {"vertices": _locs(_need(geometry, "vertices", "vertices"), "vertices", "vertex")}


_NORMALIZERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "point": _point,
    "rectangle": _rectangle,
    "polygon": _polygon,
    "line": _line,
    "bitmap": _bitmap,
    "graph": _graph,
    "cuboid": _cuboid,
    "cuboid_2d": _cuboid_2d,
    "oriented_bbox": _oriented_bbox,
    "alpha_mask": _bitmap,
}


def normalize_geometry(shape: str, geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A checked, canonical copy of ``geometry`` holding only ``shape``'s keys.

    Raises :class:`GeometryError` whose ``field`` is a dotted path inside the geometry.
    """
    normalize = _NORMALIZERS.get(shape)
    if normalize is None:
        if shape == "any":
            raise GeometryError("shape", "'any' is a class shape, not a geometry type; "
                                         f"expected one of {_EXPECTED}")
        raise GeometryError("shape", f"unknown shape {shape!r}; expected one of {_EXPECTED}")
    if not isinstance(geometry, Mapping):
        raise GeometryError("", f"a {shape} geometry must be an object, got {_kind(geometry)}")
    return normalize(geometry)


def detect_shape(geometry: Mapping[str, Any]) -> str | None:
    """Best guess of the shape of an old export's geometry that lacks ``geometryType``.

    Rectangles, lines and polygons cannot be told apart by their keys: ``None`` then.
    An ``alpha_mask`` looks like a ``bitmap`` and is reported as one.
    """
    if "bitmap" in geometry:
        return "bitmap"
    if "nodes" in geometry:
        return "graph"
    if "vertices" in geometry:
        return "cuboid_2d"
    if "faces" in geometry:
        return "cuboid"
    if "angle" in geometry:
        return "oriented_bbox"
    points = geometry.get("points")
    if isinstance(points, Mapping):
        exterior, interior = points.get("exterior"), points.get("interior")
        if isinstance(interior, list) and interior:
            return "polygon"
        if isinstance(exterior, list) and len(exterior) == 1:
            return "point"
    return None
