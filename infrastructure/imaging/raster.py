"""Vector outlines to pixel masks, and masks back to outlines.

One rule in both directions, the one :mod:`domain.geometry.measure` uses to compare a
bitmap with a polygon: pixel ``(x, y)`` is on when its centre ``(x + 0.5, y + 0.5)`` lies
inside (even-odd, so holes are holes). Pillow's and OpenCV's polygon fills also paint
every pixel the outline touches, which grows a shape by up to a pixel all round, so the
fill here is a small scanline over numpy arrays instead.

Outlines of a mask come from OpenCV's border following (``findContours``, outer borders
and their holes) run on the mask upsampled twice: the traced points then sit a quarter
pixel inside the pixels' edges, so filling the outline by pixel centres gives back
exactly the mask it came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

Point = tuple[float, float]
Mask = NDArray[np.bool_]
Placed = tuple[tuple[int, int], Mask]
"""A mask with the image position of its top-left pixel."""


def fill_rings(rings: Sequence[Sequence[Point]], width: int, height: int) -> Placed | None:
    """Pixels of a ``width`` x ``height`` image whose centres lie inside ``rings``
    (even-odd), cropped to the rings' box; None when no pixel is on."""
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    if not xs:
        return None
    x0, x1 = max(0, math.floor(min(xs))), min(width, math.ceil(max(xs)))
    y0, y1 = max(0, math.floor(min(ys))), min(height, math.ceil(max(ys)))
    if x1 <= x0 or y1 <= y0:
        return None
    edges = np.array([(*p, *q) for ring in rings if len(ring) >= 3
                      for p, q in zip(ring, [*ring[1:], ring[0]], strict=True)
                      if p[1] != q[1]], dtype=np.float64).reshape(-1, 4)
    low = np.minimum(edges[:, 1], edges[:, 3])
    high = np.maximum(edges[:, 1], edges[:, 3])
    # rows whose centre y + 0.5 lies in [low, high): half-open, so a vertex counts once
    first = np.maximum(np.ceil(low - 0.5), y0).astype(np.int64)
    stop = np.minimum(np.ceil(high - 0.5), y1).astype(np.int64)
    counts = np.maximum(stop - first, 0)
    which = np.repeat(np.arange(len(edges)), counts)
    rows = np.repeat(first, counts) + (np.arange(counts.sum()) - np.repeat(
        np.cumsum(counts) - counts, counts))
    ex0, ey0, ex1, ey1 = (edges[which, k] for k in range(4))
    cross = ex0 + (rows + 0.5 - ey0) * (ex1 - ex0) / (ey1 - ey0)
    order = np.lexsort((cross, rows))
    rows, cross = rows[order], cross[order]
    starts = np.clip(np.ceil(cross[0::2] - 0.5).astype(np.int64), x0, x1) - x0
    ends = np.clip(np.ceil(cross[1::2] - 0.5).astype(np.int64), x0, x1) - x0
    diff = np.zeros((y1 - y0, x1 - x0 + 1), dtype=np.int32)
    np.add.at(diff, (rows[0::2] - y0, starts), 1)
    np.add.at(diff, (rows[0::2] - y0, ends), -1)
    return trim((x0, y0), np.cumsum(diff[:, :-1], axis=1) > 0)


def trim(origin: tuple[int, int],
         mask: NDArray[Any]) -> tuple[tuple[int, int], NDArray[Any]] | None:
    """The mask cropped to its non-zero pixels, with its new origin; None when all are
    zero."""
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(cols):
        return None
    left, right, top, bottom = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    return (origin[0] + left, origin[1] + top), mask[top:bottom, left:right]


def outlines(origin: tuple[int, int], mask: Mask) -> list[tuple[list[Point], list[list[Point]]]]:
    """Each connected part of the mask (8-connected) as its exterior and its holes, in
    image coordinates, in OpenCV's order (top to bottom)."""
    doubled = np.pad(mask.repeat(2, axis=0).repeat(2, axis=1), 1).astype(np.uint8)
    contours, hierarchy = cv2.findContours(doubled, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    links = hierarchy[0]
    ox, oy = origin

    def ring(index: int) -> list[Point]:
        # doubled pixel k (after the 1-pixel pad) has its centre at (k - 1 + 0.5) / 2
        return [(ox + (float(x) - 0.5) / 2, oy + (float(y) - 0.5) / 2)
                for x, y in contours[index].reshape(-1, 2)]

    parts = []
    for index in range(len(contours)):
        if links[index][3] != -1:
            continue
        holes, child = [], int(links[index][2])
        while child != -1:
            holes.append(ring(child))
            child = int(links[child][0])
        parts.append((ring(index), holes))
    return parts


def uncovered(masks: Sequence[Placed | None]) -> list[Placed | None]:
    """Each mask less the pixels of the masks after it (drawn later, on top), trimmed;
    None for a mask left with no pixel."""
    placed = [m for m in masks if m is not None]
    if not placed:
        return [None] * len(masks)
    left = min(x for (x, _), _m in placed)
    top = min(y for (_, y), _m in placed)
    right = max(x + m.shape[1] for (x, _), m in placed)
    bottom = max(y + m.shape[0] for (_, y), m in placed)
    covered = np.zeros((bottom - top, right - left), dtype=bool)
    out: list[Placed | None] = [None] * len(masks)
    for index in range(len(masks) - 1, -1, -1):  # top-most first
        entry = masks[index]
        if entry is None:
            continue
        (x, y), mask = entry
        window = covered[y - top:y - top + mask.shape[0], x - left:x - left + mask.shape[1]]
        out[index] = trim((x, y), mask & ~window)
        window |= mask
    return out
