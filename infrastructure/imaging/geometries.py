"""Every shape's geometry moved with the pixels, rasterized, or traced back to polygons.

Vector shapes are the domain's (:mod:`domain.operations.moves`, :mod:`domain.operations.
shapes`); masks need pixels and are handled here, so callers get one entry point per
question whatever the shape.
"""

from __future__ import annotations

import numpy as np

from domain.geometry.measure import MASK_SHAPES
from domain.operations.affine import Affine
from domain.operations.moves import VECTOR_SHAPES, Geometry, as_coords, move_vector
from domain.operations.shapes import corners
from infrastructure.imaging import bitmaps
from infrastructure.imaging.raster import Placed, fill_rings, outlines, trim


def move_geometry(shape: str, geometry: Geometry, where: Affine, width: int,
                  height: int) -> list[Geometry]:
    """``geometry`` after ``where`` on a ``width`` x ``height`` image, clipped; empty when
    nothing is left, several when a line falls apart."""
    if shape in VECTOR_SHAPES:
        return move_vector(shape, geometry, where, width, height)
    if shape in MASK_SHAPES:
        moved = bitmaps.move(shape, geometry, where, width, height)
        return [] if moved is None else [moved]
    raise ValueError(f"cannot move a geometry of shape {shape!r}")


def area_mask(shape: str, geometry: Geometry, width: int, height: int) -> Placed | None:
    """The pixels an area shape covers on a ``width`` x ``height`` image (by pixel
    centres; a mask's non-zero pixels), trimmed; None when it covers none."""
    if shape in MASK_SHAPES:
        (x, y), values = bitmaps.decode(shape, geometry)
        h, w = values.shape
        left, top = max(0, -x), max(0, -y)
        window = values[top:max(top, min(h, height - y)), left:max(left, min(w, width - x))]
        return trim((x + left, y + top), window > 0)
    if shape == "polygon":
        points = geometry["points"]
        rings = [points["exterior"], *points["interior"]]
        return fill_rings([[(float(a), float(b)) for a, b in r] for r in rings], width, height)
    if shape in ("rectangle", "oriented_bbox"):
        return fill_rings([corners(shape, geometry)], width, height)
    raise ValueError(f"a {shape} covers no pixels")


def bitmap_of(placed: Placed) -> Geometry:
    """Supervisely's bitmap geometry of a placed mask."""
    origin, mask = placed
    return bitmaps.encode("bitmap", origin, mask.astype(np.uint8))


def polygons_of(shape: str, geometry: Geometry) -> list[Geometry]:
    """A mask's connected parts as polygons with their holes (largest first is not
    promised: OpenCV's order, top to bottom)."""
    origin, values = bitmaps.decode(shape, geometry)
    return [{"points": {"exterior": as_coords(exterior),
                        "interior": [as_coords(hole) for hole in holes]}}
            for exterior, holes in outlines(origin, values > 0)]
