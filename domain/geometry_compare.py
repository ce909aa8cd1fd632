"""Geometry-aware compare: match objects between two states, then say how each changed.

Within each item present on both sides (items keyed by ``dataset/name``), objects are
matched first by id, then, among those left over, by IoU over their geometries
(:func:`domain.geometry.measure.iou`): pairs are taken greedily from the highest IoU down,
each at least the threshold. What stays unmatched is added or removed (as Datumaro's
compare reports matches, mismatches and unmatched annotations).

A matched pair whose geometry differs is exactly one of:

* **moved**: the same vertices (or the same mask) shifted by one common offset;
* **resized**: the same vertices under one axis-aligned scale (and shift);
* **reshaped**: anything else (vertices added or removed, a different mask...).

Independently it may be **reclassified** (another class) and **retagged** (other tags).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.geometry.measure import iou
from domain.state import ItemState
from domain.values import AnnotationObject

EPSILON = 0.5
"""Pixels of tolerance when deciding that vertices moved or scaled together."""
KINDS = ("moved", "resized", "reshaped", "reclassified", "retagged")

ShapeOf = Callable[[AnnotationObject], str | None]
"""The concrete shape of an object on its side (None when its class is unknown)."""


@dataclass(frozen=True, slots=True)
class ObjectMatch:
    path: str
    before: int
    after: int
    iou: float
    by: str
    """``id`` or ``iou``"""
    changes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"item": self.path, "before": self.before, "after": self.after,
                "iou": round(self.iou, 4), "by": self.by, "changes": list(self.changes)}


@dataclass
class GeometryComparison:
    threshold: float
    matches: list[ObjectMatch] = field(default_factory=list)
    added: list[tuple[str, int]] = field(default_factory=list)
    removed: list[tuple[str, int]] = field(default_factory=list)

    def of(self, kind: str) -> list[ObjectMatch]:
        return [m for m in self.matches if kind in m.changes]

    @property
    def unchanged(self) -> int:
        return sum(1 for m in self.matches if not m.changes)

    def counts(self) -> dict[str, int]:
        data = {"matched": len(self.matches),
                "matched_by_iou": sum(1 for m in self.matches if m.by == "iou"),
                "unchanged": self.unchanged, "added": len(self.added),
                "removed": len(self.removed)}
        data.update({k: len(self.of(k)) for k in KINDS})
        return data

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"threshold": self.threshold, "counts": self.counts()}
        for kind in KINDS:
            data[kind] = [m.as_json() for m in self.of(kind)]
        data["matched_by_iou"] = [m.as_json() for m in self.matches if m.by == "iou"]
        data["added"] = [{"item": p, "object": i} for p, i in self.added]
        data["removed"] = [{"item": p, "object": i} for p, i in self.removed]
        return data


def compare_geometry(
    before: Mapping[str, ItemState], after: Mapping[str, ItemState],
    shape_before: ShapeOf, shape_after: ShapeOf, threshold: float = 0.5,
) -> GeometryComparison:
    result = GeometryComparison(threshold)
    for path in sorted(before.keys() | after.keys()):
        old = before[path].objects if path in before else ()
        new = after[path].objects if path in after else ()
        _match_item(path, old, new, shape_before, shape_after, result, threshold)
    return result


def _match_item(
    path: str, old: tuple[AnnotationObject, ...], new: tuple[AnnotationObject, ...],
    shape_a: ShapeOf, shape_b: ShapeOf, result: GeometryComparison, threshold: float,
) -> None:
    a = {o.id: o for o in old}
    b = {o.id: o for o in new}
    for i in sorted(a.keys() & b.keys()):
        result.matches.append(_pair(path, a[i], b[i], "id", shape_a, shape_b))
    left_a = [a[i] for i in sorted(a.keys() - b.keys())]
    left_b = [b[i] for i in sorted(b.keys() - a.keys())]
    scored = []
    for x in left_a:
        for y in left_b:
            value = _iou(x, y, shape_a, shape_b)
            if value >= threshold and value > 0:
                scored.append((value, x.id, y.id))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, ia, ib in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
            result.matches.append(_pair(path, a[ia], b[ib], "iou", shape_a, shape_b))
    result.removed.extend((path, o.id) for o in left_a if o.id not in used_a)
    result.added.extend((path, o.id) for o in left_b if o.id not in used_b)


def _iou(x: AnnotationObject, y: AnnotationObject, shape_a: ShapeOf, shape_b: ShapeOf) -> float:
    sx, sy = shape_a(x), shape_b(y)
    if sx is None or sy is None:
        return 1.0 if x.geometry == y.geometry else 0.0
    try:
        return iou(sx, x.geometry, sy, y.geometry)
    except (KeyError, TypeError, ValueError):
        return 0.0


def _pair(path: str, x: AnnotationObject, y: AnnotationObject, by: str,
          shape_a: ShapeOf, shape_b: ShapeOf) -> ObjectMatch:
    value = 1.0 if x.geometry == y.geometry else _iou(x, y, shape_a, shape_b)
    changes = []
    if x.geometry != y.geometry:
        changes.append(geometry_change(x.geometry, y.geometry))
    if x.class_id != y.class_id:
        changes.append("reclassified")
    if {t.meta_id: t.value for t in x.tags} != {t.meta_id: t.value for t in y.tags}:
        changes.append("retagged")
    return ObjectMatch(path, x.id, y.id, value, by, tuple(changes))


def geometry_change(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """``moved``, ``resized`` or ``reshaped`` (for two geometries known to differ)."""
    if "bitmap" in a and "bitmap" in b:
        same = a["bitmap"].get("data") == b["bitmap"].get("data")
        return "moved" if same and _rest(a) == _rest(b) else "reshaped"
    pa, pb = _vertices(a), _vertices(b)
    if not pa or len(pa) != len(pb) or _rest(a) != _rest(b) or pa == pb:
        return "reshaped"
    dx, dy = pb[0][0] - pa[0][0], pb[0][1] - pa[0][1]
    if all(abs(q[0] - p[0] - dx) <= EPSILON and abs(q[1] - p[1] - dy) <= EPSILON
           for p, q in zip(pa, pb, strict=True)):
        return "moved"
    axes = [_scale([p[k] for p in pa], [q[k] for q in pb]) for k in (0, 1)]
    return "resized" if all(axes) else "reshaped"


def _scale(xs: list[float], ys: list[float]) -> bool:
    """Whether ``y = s * x + t`` for one s > 0 and t, within EPSILON."""
    lo, hi = min(xs), max(xs)
    if hi - lo <= EPSILON:
        return max(ys) - min(ys) <= EPSILON
    s = (max(ys) - min(ys)) / (hi - lo)
    t = min(ys) - s * lo
    return s > 0 and all(abs(s * x + t - y) <= EPSILON for x, y in zip(xs, ys, strict=True))


def _vertices(g: Mapping[str, Any]) -> list[tuple[float, float]]:
    points = g.get("points")
    if isinstance(points, dict):
        rings = [points.get("exterior") or [], *(points.get("interior") or [])]
        return [(float(x), float(y)) for ring in rings for x, y in ring]
    if isinstance(points, list):
        return [(float(x), float(y)) for x, y in points]
    for key in ("nodes", "vertices"):
        if isinstance(g.get(key), dict):
            return [(float(n["loc"][0]), float(n["loc"][1]))
                    for _, n in sorted(g[key].items())]
    return []


def _rest(g: Mapping[str, Any]) -> dict[str, Any]:
    """What a geometry holds besides its coordinates (angle, edges, faces...)."""
    return {k: v for k, v in g.items() if k not in ("points", "nodes", "vertices", "bitmap")}
