"""Shape conversions between vector shapes (no pixels involved).

Rectangle to polygon gives its four corners clockwise on screen from the top-left one, so
polygon to rectangle (the bounding box of the exterior) gives the rectangle back exactly.
An oriented bbox becomes its four turned corners, or their bounding box.
"""

from __future__ import annotations

import math

from domain.geometry.measure import MASK_SHAPES
from domain.operations.moves import Geometry, as_coords

AREA_VECTOR_SHAPES = frozenset({"rectangle", "polygon", "oriented_bbox"})
"""Vector shapes that cover an area: what converts between them without pixels."""
AREA_SHAPES = AREA_VECTOR_SHAPES | MASK_SHAPES
"""Shapes that cover pixels: what can become a bitmap, be rasterized or traced."""
UNBOUNDED = 1 << 31
"""Canvas side used when an item does not know its image size."""


def corners(shape: str, geometry: Geometry) -> list[tuple[float, float]]:
    """The four corners of a rectangle or an oriented bbox (turned by its angle,
    clockwise on screen about its centre, as :mod:`domain.geometry.measure` draws it)."""
    (left, top), (right, bottom) = ((float(x), float(y)) for x, y in
                                    geometry["points"]["exterior"])
    points = [(left, top), (right, top), (right, bottom), (left, bottom)]
    angle = float(geometry.get("angle", 0.0)) if shape == "oriented_bbox" else 0.0
    if not angle:
        return points
    cx, cy = (left + right) / 2, (top + bottom) / 2
    cos, sin = math.cos(angle), math.sin(angle)
    return [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
            for x, y in points]


def to_polygon(shape: str, geometry: Geometry) -> Geometry:
    """A rectangle or oriented bbox as a polygon (a polygon is returned as it is)."""
    if shape == "polygon":
        return geometry
    return {"points": {"exterior": as_coords(corners(shape, geometry)), "interior": []}}


def to_rectangle(shape: str, geometry: Geometry) -> Geometry:
    """The bounding box of a polygon's exterior or an oriented bbox's corners."""
    if shape == "rectangle":
        return geometry
    if shape == "polygon":
        points = [(float(x), float(y)) for x, y in geometry["points"]["exterior"]]
    else:
        points = corners(shape, geometry)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    box = [(min(xs), min(ys)), (max(xs), max(ys))]
    return {"points": {"exterior": as_coords(box), "interior": []}}
