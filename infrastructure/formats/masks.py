"""Binary masks: COCO RLE, polygon rasterizing and Supervisely's bitmap encoding (Pillow).

A mask here is a Pillow image of mode ``1`` (a pixel is set when it is non-zero).

Supervisely stores a bitmap as ``{"origin": [x, y], "data": ...}`` where ``data`` is
``base64(zlib(PNG))`` of the mask cropped to its bounding box; like Supervisely's SDK we
write a palette PNG (index 0 transparent black, index 1 white) and read any single- or
multi-channel PNG (alpha when there is one, else non-zero pixels).

COCO's RLE runs alternate 0s and 1s (starting with 0s) over the pixels in column-major
order; compressed counts are pycocotools' string form (5-bit groups, offset 48, deltas
from the count two places back for every count after the third).
"""

from __future__ import annotations

import base64
import io
import math
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

_ZERO = b"\x00"
_ONE = b"\xff"
_INT = frozenset((int,))
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TO_BIT = [0] + [255] * 255
_NO_DITHER = Image.Dither.NONE


def rle_string_to_counts(text: str) -> list[int]:
    """Decode pycocotools' compressed RLE counts (``rleFrString``)."""
    counts: list[int] = []
    p, n = 0, len(text)
    while p < n:
        x = k = 0
        more = True
        while more:
            if p >= n:
                raise ValueError("truncated compressed RLE counts")
            c = ord(text[p]) - 48
            if not 0 <= c < 64:
                raise ValueError(f"invalid character {text[p]!r} in compressed RLE counts")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def counts_to_rle_string(counts: Sequence[int]) -> str:
    """Encode RLE counts as pycocotools' compressed string (``rleToString``)."""
    out: list[str] = []
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_decode(counts: Sequence[int] | str, height: int, width: int) -> Image.Image:
    """The ``height`` x ``width`` mask of COCO RLE counts (list or compressed string)."""
    runs = rle_string_to_counts(counts) if isinstance(counts, str) else list(counts)
    if height <= 0 or width <= 0:
        raise ValueError(f"invalid RLE size [{height}, {width}]")
    if runs and (not set(map(type, runs)) <= _INT or min(runs) < 0):
        raise ValueError("RLE counts must be non-negative integers")
    total = sum(runs)
    if total != height * width:
        raise ValueError(f"RLE counts cover {total} pixels, size is {height}x{width}")
    parts = [(_ONE if i % 2 else _ZERO) * r for i, r in enumerate(runs)]
    # Column-major bytes are the rows of the transposed image.
    column_major = Image.frombytes("L", (height, width), b"".join(parts))
    return column_major.transpose(Image.Transpose.TRANSPOSE).convert("1", dither=_NO_DITHER)


def rle_area(counts: Sequence[int] | str) -> int:
    """Number of set pixels of RLE counts, without decoding them."""
    runs = rle_string_to_counts(counts) if isinstance(counts, str) else list(counts)
    return sum(runs[1::2])


def mask_area(mask: Image.Image) -> int:
    """Number of set (non-zero) pixels of a mask."""
    return sum(mask.histogram()[1:])


def rasterize_polygons(
    polygons: Sequence[Sequence[float]], width: int, height: int
) -> tuple[tuple[int, int], Image.Image] | None:
    """Union of flat ``[x1, y1, x2, y2, ...]`` polygons, clipped to a ``width`` x ``height``
    image: ``(origin, mask)`` with the mask cropped to its set pixels, or None if empty."""
    xs = [float(v) for poly in polygons for v in poly[0::2]]
    ys = [float(v) for poly in polygons for v in poly[1::2]]
    if not xs:
        return None
    x0, y0 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    x1, y1 = min(width, math.ceil(max(xs)) + 1), min(height, math.ceil(max(ys)) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    canvas = Image.new("1", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in polygons:
        points = [(float(poly[i]) - x0, float(poly[i + 1]) - y0) for i in range(0, len(poly), 2)]
        if len(points) >= 2:
            draw.polygon(points, fill=255, outline=255)
        elif points:
            draw.point(points, fill=255)
    return crop_to_content(canvas, (x0, y0))


def crop_to_content(
    mask: Image.Image, origin: tuple[int, int] = (0, 0)
) -> tuple[tuple[int, int], Image.Image] | None:
    """The mask cropped to its set pixels with its new origin, or None if it is empty."""
    box = mask.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    return (origin[0] + left, origin[1] + top), mask.crop((left, top, right, bottom))


def encode_png(mask: Image.Image) -> bytes:
    """A 1-bit palette PNG of a mask: index 0 transparent black, index 1 white.

    Written directly rather than through Pillow's PNG plugin, which costs more per small
    image than the pixels themselves. The mask is pasted 8 pixels right of a blank
    canvas, so each packed row starts with PNG's filter byte 0."""
    bits = mask if mask.mode == "1" else mask.convert("L").point(_TO_BIT, "1")
    width, height = bits.size
    canvas = Image.new("1", (width + 8, height), 0)
    canvas.paste(bits, (8, 0))
    raw = canvas.tobytes()
    header = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255])),
            _chunk(b"tRNS", b"\x00"),
            _chunk(b"IDAT", zlib.compress(raw)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(kind))
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def encode_bitmap_data(mask: Image.Image) -> str:
    """Supervisely's ``bitmap.data``: base64 of the zlib-compressed PNG of a 0/1 mask."""
    # The PNG is deflated already: the outer zlib layer only stores it (level 0).
    return base64.b64encode(zlib.compress(encode_png(mask), 0)).decode("ascii")


def decode_bitmap_data(data: str) -> Image.Image:
    """The mask of Supervisely's ``bitmap.data``."""
    png = zlib.decompress(base64.b64decode(data, validate=True))
    with Image.open(io.BytesIO(png)) as opened:
        img = opened.copy()
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    channel = img.getchannel("A") if img.mode in ("RGBA", "LA", "PA") else img.convert("L")
    return channel.point(_TO_BIT, "1")


def bitmap_geometry(origin: tuple[int, int], mask: Image.Image) -> dict[str, Any]:
    """Supervisely's bitmap geometry (``{"bitmap": {"origin", "data"}}``) of a mask."""
    return {"bitmap": {"origin": [origin[0], origin[1]], "data": encode_bitmap_data(mask)}}
