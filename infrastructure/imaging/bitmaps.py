"""Supervisely bitmaps and alpha masks as numpy arrays, and moved with the image's pixels.

A ``bitmap`` is on/off (encoded with the project's one bitmap codec,
:mod:`infrastructure.formats.masks`); an ``alpha_mask`` keeps its 0-255 opacity per pixel,
stored as Supervisely's SDK stores it: an 8-bit grayscale PNG (its alpha channel when the
PNG has one). Both are resampled with nearest neighbour, as the SDK does, so a mask
never gains values it did not have.
"""

from __future__ import annotations

import base64
import io
import math
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from domain.geometry.png import png_bytes
from domain.operations.affine import Affine, translation
from infrastructure.formats.masks import bitmap_geometry, decode_bitmap_data
from infrastructure.imaging.raster import trim

Values = NDArray[np.uint8]
"""Mask values: 0/1 for a bitmap, 0-255 for an alpha mask."""


def decode(shape: str, geometry: dict[str, Any]) -> tuple[tuple[int, int], Values]:
    """Origin and values of a bitmap or alpha mask geometry."""
    x, y = geometry["bitmap"]["origin"]
    data = geometry["bitmap"]["data"]
    if shape == "alpha_mask":
        with Image.open(io.BytesIO(png_bytes(data))) as opened:
            img = opened.copy()
        if img.mode == "P":
            img = img.convert("RGBA")
        channel = img.getchannel("A") if "A" in img.getbands() else img.convert("L")
        return (int(x), int(y)), np.asarray(channel, dtype=np.uint8)
    return (int(x), int(y)), np.asarray(decode_bitmap_data(data), dtype=np.uint8)


def encode(shape: str, origin: tuple[int, int], values: Values) -> dict[str, Any]:
    """The geometry of a (trimmed, non-empty) mask."""
    if shape == "alpha_mask":
        out = io.BytesIO()
        Image.fromarray(values, "L").save(out, "PNG")
        data = base64.b64encode(zlib.compress(out.getvalue(), 0)).decode("ascii")
        return {"bitmap": {"origin": [origin[0], origin[1]], "data": data}}
    return bitmap_geometry(origin, Image.fromarray(values.astype(bool)))


def move(shape: str, geometry: dict[str, Any], where: Affine, width: int,
         height: int) -> dict[str, Any] | None:
    """The mask after ``where`` on a ``width`` x ``height`` image, clipped to it and
    trimmed to its on pixels; None when nothing of it is left."""
    (ox, oy), values = decode(shape, geometry)
    h0, w0 = values.shape
    corners = where.apply_all([(ox, oy), (ox + w0, oy), (ox, oy + h0), (ox + w0, oy + h0)])
    # pixels whose centres the moved box can reach, within the image
    x0 = max(0, math.floor(min(p[0] for p in corners)))
    y0 = max(0, math.floor(min(p[1] for p in corners)))
    x1 = min(width, math.ceil(max(p[0] for p in corners)))
    y1 = min(height, math.ceil(max(p[1] for p in corners)))
    if x1 <= x0 or y1 <= y0:
        return None
    back = translation(x0, y0).then(where.inverse()).then(translation(-ox, -oy))
    source = Image.fromarray(values * np.uint8(255 if shape != "alpha_mask" else 1), "L")
    moved = source.transform((x1 - x0, y1 - y0), Image.Transform.AFFINE, tuple(back),
                             resample=Image.Resampling.NEAREST, fillcolor=0)
    out = np.asarray(moved, dtype=np.uint8)
    if shape != "alpha_mask":
        out = (out > 0).astype(np.uint8)
    trimmed = trim((x0, y0), out)
    return None if trimmed is None else encode(shape, *trimmed)
