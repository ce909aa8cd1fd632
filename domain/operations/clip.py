"""Clipping vector outlines to the image rectangle ``[0, width] x [0, height]``.

A ring is clipped with Sutherland-Hodgman (the clip window is convex, so the result is
exact; a concave ring that leaves and re-enters keeps zero-width bridges along the border,
which add no area). A polyline is clipped segment by segment (Liang-Barsky) and may fall
apart into several pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

Point = tuple[float, float]
EPSILON = 1e-9
"""Areas and lengths at or below this are nothing left."""


def ring_area(ring: Sequence[Point]) -> float:
    """Unsigned area of a closed ring (shoelace)."""
    total = 0.0
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        total += x0 * y1 - x1 * y0
        x0, y0 = x1, y1
    return abs(total) / 2


def _cut(ring: list[Point], inside: Callable[[Point], bool],
         cross: Callable[[Point, Point], Point]) -> list[Point]:
    out: list[Point] = []
    if not ring:
        return out
    prev = ring[-1]
    prev_in = inside(prev)
    for point in ring:
        now_in = inside(point)
        if now_in:
            if not prev_in:
                out.append(cross(prev, point))
            out.append(point)
        elif prev_in:
            out.append(cross(prev, point))
        prev, prev_in = point, now_in
    return out


def _at_x(x: float) -> Callable[[Point, Point], Point]:
    def cross(p: Point, q: Point) -> Point:
        t = (x - p[0]) / (q[0] - p[0])
        return x, p[1] + t * (q[1] - p[1])
    return cross


def _at_y(y: float) -> Callable[[Point, Point], Point]:
    def cross(p: Point, q: Point) -> Point:
        t = (y - p[1]) / (q[1] - p[1])
        return p[0] + t * (q[0] - p[0]), y
    return cross


def clip_ring(ring: Sequence[Point], width: float, height: float) -> list[Point]:
    """The part of a ring inside the image; empty when none of its area is."""
    out = list(ring)
    out = _cut(out, lambda p: p[0] >= 0, _at_x(0.0))
    out = _cut(out, lambda p: p[0] <= width, _at_x(width))
    out = _cut(out, lambda p: p[1] >= 0, _at_y(0.0))
    out = _cut(out, lambda p: p[1] <= height, _at_y(height))
    deduped = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
    if len(deduped) > 1 and deduped[0] == deduped[-1]:
        deduped.pop()
    if len(deduped) < 3 or ring_area(deduped) <= EPSILON:
        return []
    return deduped


def _clip_segment(p: Point, q: Point, width: float, height: float) -> tuple[Point, Point] | None:
    """Liang-Barsky: the part of segment ``pq`` inside the image, or None."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for step, room in ((-dx, p[0]), (dx, width - p[0]), (-dy, p[1]), (dy, height - p[1])):
        if step == 0:
            if room < 0:
                return None
            continue
        t = room / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (p[0] + t0 * dx, p[1] + t0 * dy), (p[0] + t1 * dx, p[1] + t1 * dy)


def clip_polyline(points: Sequence[Point], width: float, height: float) -> list[list[Point]]:
    """The pieces of a polyline inside the image, in order; each has at least 2 points
    and some length."""
    pieces: list[list[Point]] = []
    current: list[Point] = []
    for p, q in pairwise(points):
        part = _clip_segment(p, q, width, height)
        if part is None:
            if current:
                pieces.append(current)
                current = []
            continue
        start, end = part
        if current and current[-1] == start:
            current.append(end)
        else:
            if current:
                pieces.append(current)
            current = [start, end]
        if end != q:  # the segment leaves the image: the piece ends here
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return [piece for piece in pieces if _length(piece) > EPSILON]


def _length(piece: Sequence[Point]) -> float:
    return sum(abs(q[0] - p[0]) + abs(q[1] - p[1]) for p, q in pairwise(piece))


def inside(point: Point, width: float, height: float) -> bool:
    """Whether a point lies on the image, border included (``[0, width] x [0, height]``,
    the rectangle every outline is clipped to)."""
    return 0 <= point[0] <= width and 0 <= point[1] <= height
