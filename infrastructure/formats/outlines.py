"""Objects as the plain outlines and masks that COCO, YOLO and VOC files hold.

Area shapes (rectangle, polygon with holes, oriented bbox, bitmap, alpha mask) have an
outline or a mask; the other shapes (point, line, graph, cuboids) have neither and are
left out of these formats. An oriented bbox turns by ``angle`` radians about its centre,
clockwise on screen, as :mod:`domain.geometry.measure` reads it. Pixels are drawn with
Pillow; a mask is a Pillow image of mode ``1`` the size of the image.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw

from domain.geometry.measure import MASK_SHAPES
from infrastructure.formats.masks import decode_bitmap_data

Ring = list[tuple[float, float]]
OUTLINE_SHAPES = frozenset({"rectangle", "polygon", "oriented_bbox"})
AREA_SHAPES = OUTLINE_SHAPES | MASK_SHAPES


def rings(shape: str, geometry: Mapping[str, Any]) -> list[Ring]:
    """Exterior first, then holes, of a rectangle, polygon or oriented bbox."""
    exterior = [(float(x), float(y)) for x, y in geometry["points"]["exterior"]]
    if shape == "polygon":
        holes = [[(float(x), float(y)) for x, y in h] for h in geometry["points"]["interior"]]
        return [exterior, *holes]
    (left, top), (right, bottom) = exterior
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    angle = float(geometry.get("angle", 0.0)) if shape == "oriented_bbox" else 0.0
    if angle:
        cx, cy = (left + right) / 2, (top + bottom) / 2
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
                   for x, y in corners]
    return [corners]


def draw(canvas: Image.Image, shape: str, geometry: Mapping[str, Any], value: int) -> None:
    """Paint the object's pixels with ``value`` (holes left as they were)."""
    if shape in MASK_SHAPES:
        bitmap = geometry["bitmap"]
        mask = decode_bitmap_data(bitmap["data"])
        x, y = (int(v) for v in bitmap["origin"])
        canvas.paste(value, (x, y, x + mask.width, y + mask.height), mask)
        return
    outline, *holes = rings(shape, geometry)
    if holes:
        own = Image.new("1", canvas.size, 0)
        pen = ImageDraw.Draw(own)
        pen.polygon(outline, fill=1, outline=1)
        for hole in holes:
            pen.polygon(hole, fill=0, outline=0)
        canvas.paste(value, (0, 0), own)
        return
    ImageDraw.Draw(canvas).polygon(outline, fill=value, outline=value)


def mask_of(shape: str, geometry: Mapping[str, Any], width: int, height: int) -> Image.Image:
    """The object's pixels in an image ``width`` x ``height`` (mode ``1``)."""
    canvas = Image.new("1", (width, height), 0)
    draw(canvas, shape, geometry, 1)
    return canvas
