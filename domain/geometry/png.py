"""Just enough PNG to check and measure Supervisely bitmaps, with the standard library only.

Supervisely stores a mask as base64 of zlib-compressed PNG bytes. Validation only needs the
signature and the IHDR header (fast); measuring needs the pixels, which :func:`decode_mask`
turns into one Python ``int`` per row (bit ``width - 1 - x`` is pixel ``x``, most significant
first), so areas and overlaps are C-speed ``&`` and ``bit_count`` on big integers.

A pixel is "on" when its gray value, palette index, any RGB channel or its alpha is non-zero.

A few bytes can declare a huge mask (a 2,480-byte string may say 30000 x 30000), so the header
is read first and checked against a pixel cap (:data:`DEFAULT_MAX_PIXELS`, set at start-up
by :func:`set_max_pixels`); inflating then stops at what that header can need, so neither
the PNG file nor its pixel data can inflate beyond the size the cap allows.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from domain.errors import GeometryError

FIELD = "bitmap.data"
MAX_PNG_BYTES = 1 << 28
"""Largest PNG file accepted inside ``bitmap.data``."""
MAX_PIXEL_BYTES = 1 << 30
"""Largest decoded pixel buffer :func:`decode_mask` agrees to inflate."""
DEFAULT_MAX_PIXELS = 1 << 26
"""Default cap on ``width * height`` (67,108,864 pixels, e.g. 8192 x 8192): a 1-bit mask that
size decodes to 8 MiB of row bits, an 8-bit one to 64 MiB of pixel data."""
PNG_SLACK = 1 << 20
"""What a PNG file may hold besides its pixel stream (ancillary chunks, chunk headers)."""
_CHUNK = 1 << 20
_max_pixels = DEFAULT_MAX_PIXELS
SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ALLOWED_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ON_CHANNELS = {0: (0,), 2: (0, 1, 2), 3: (0,), 4: (1,), 6: (3,)}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
          (0, 1, 1, 2))
_BINARY = bytes([0x30]) + bytes([0x31]) * 255  # byte -> b"0" if zero else b"1"
_AND255 = (255).__and__


class PngInfo(NamedTuple):
    """The IHDR fields a mask needs."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    interlaced: bool


class Mask(NamedTuple):
    """A decoded mask: per-row bit sets, most significant bit = leftmost pixel."""

    width: int
    height: int
    rows: tuple[int, ...]


def _bad(message: str) -> GeometryError:
    return GeometryError(FIELD, message)


def max_pixels() -> int:
    """The pixel cap in force (``width * height`` of one mask)."""
    return _max_pixels


def set_max_pixels(limit: int) -> None:
    """Set the pixel cap (the composition root does, from settings); forgets cached masks,
    which were checked against the previous cap."""
    global _max_pixels
    if limit < 1:
        raise ValueError(f"the bitmap pixel cap must be positive, got {limit}")
    _max_pixels = limit
    info_of.cache_clear()
    decode_mask.cache_clear()


def _compressed(data: object) -> bytes:
    if not isinstance(data, str) or not data:
        raise _bad("must be a non-empty base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("not a valid base64 zlib PNG") from None


def _inflate(data: object, keep: bool, cap: int | None) -> tuple[PngInfo, bytes]:
    """Inflate ``bitmap.data`` in bounded steps: the header first (checked against the pixel
    cap), then no more than that header can need (zip bombs); the whole stream must be there.
    Returns the header and, when ``keep``, the PNG file (else only its header bytes)."""
    inflater = zlib.decompressobj()
    try:
        head = inflater.decompress(_compressed(data), 33)
    except zlib.error:
        raise _bad("not a valid base64 zlib PNG") from None
    info = read_info(head, cap)
    budget = min(MAX_PNG_BYTES, pixel_bytes(info) + pixel_bytes(info) // 64 + PNG_SLACK)
    parts, total, tail = [head], len(head), inflater.unconsumed_tail
    try:
        while not inflater.eof:
            chunk = inflater.decompress(tail, _CHUNK)
            tail = inflater.unconsumed_tail
            total += len(chunk)
            if total > budget:
                raise _bad(f"PNG file inflates beyond the {budget} bytes its "
                           f"{info.width}x{info.height} header allows")
            if keep:
                parts.append(chunk)
            if not chunk and not tail:
                break
    except zlib.error:
        raise _bad("not a valid base64 zlib PNG") from None
    if not inflater.eof:
        raise _bad("not a valid base64 zlib PNG (truncated)")
    return info, b"".join(parts)


def png_bytes(data: object, *, cap: int | None = None) -> bytes:
    """The PNG file inside Supervisely's ``bitmap.data`` (base64 of zlib of PNG), its header
    checked against ``cap`` pixels (default: :func:`max_pixels`)."""
    return _inflate(data, True, cap)[1]


def check_png(data: object, *, cap: int | None = None) -> PngInfo:
    """Check ``bitmap.data`` whole (header, pixel cap, complete zlib stream) while keeping
    only its header in memory; the validation every stored bitmap goes through."""
    return _inflate(data, False, cap)[0]


def pixel_bytes(info: PngInfo) -> int:
    """Size of the filtered pixel stream (IDAT, inflated) the header declares."""
    bits_pp = info.bit_depth * _CHANNELS[info.color_type]
    passes = _ADAM7 if info.interlaced else ((0, 0, 1, 1),)
    sizes = [((info.width - x0 + dx - 1) // dx, (info.height - y0 + dy - 1) // dy)
             for x0, y0, dx, dy in passes]
    return sum(ph * (1 + (pw * bits_pp + 7) // 8) for pw, ph in sizes if pw > 0 and ph > 0)


def read_info(png: bytes, cap: int | None = None) -> PngInfo:
    """Check the signature and IHDR chunk, and ``width * height`` against ``cap`` (default:
    :func:`max_pixels`); cheap because no pixel is touched."""
    if png[:8] != SIGNATURE:
        raise _bad("not a valid base64 zlib PNG (bad PNG signature)")
    if len(png) < 33 or png[8:16] != b"\x00\x00\x00\rIHDR":
        raise _bad("PNG lacks its IHDR header")
    if zlib.crc32(png[12:29]) != struct.unpack(">I", png[29:33])[0]:
        raise _bad("PNG IHDR checksum mismatch")
    width, height, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", png[16:29])
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise _bad(f"PNG size must be positive, got {width}x{height}")
    if depth not in _ALLOWED_DEPTHS.get(ctype, ()):
        raise _bad(f"unsupported PNG color type {ctype} with bit depth {depth}")
    if comp != 0 or filt != 0 or interlace not in (0, 1):
        raise _bad("PNG uses an unknown compression, filter or interlace method")
    limit = _max_pixels if cap is None else cap
    if width * height > limit:
        raise _bad(f"PNG of {width}x{height} pixels exceeds the limit of {limit} pixels")
    return PngInfo(width, height, depth, ctype, interlace == 1)


@lru_cache(maxsize=256)
def info_of(data: str) -> PngInfo:
    """Header of a ``bitmap.data`` string (cached: compare asks for sizes repeatedly)."""
    return check_png(data)


def _idat(png: bytes, expected: int) -> bytes:
    parts: list[bytes] = []
    pos, end = 8, len(png)
    while pos + 8 <= end:
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if pos + 12 + length > end:
            raise _bad("PNG chunk runs past the end of the file")
        if kind == b"IDAT":
            parts.append(png[pos + 8:pos + 8 + length])
        elif kind == b"IEND":
            break
        pos += 12 + length
    try:  # decoders tolerate trailing data; only what the header declares is inflated
        pixels = zlib.decompressobj().decompress(b"".join(parts), expected)
    except zlib.error:
        pixels = b""
    if len(pixels) < expected:
        raise _bad("PNG image data is corrupt or truncated")
    return pixels


@lru_cache(maxsize=64)
def _swar_masks(n: int) -> tuple[int, int]:
    return int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")


def _add(a: bytes, b: bytes) -> bytes:
    """Bytewise ``(a + b) % 256`` without a Python loop (SIMD-within-a-register)."""
    n = len(a)
    low, high = _swar_masks(n)
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def _unfilter(raw: bytes, pos: int, height: int, stride: int, bpp: int) -> list[bytes]:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows: list[bytes] = []
    prev = bytes(stride)
    for _ in range(height):
        kind, line = raw[pos], raw[pos + 1:pos + 1 + stride]
        pos += 1 + stride
        if len(line) < stride:
            raise _bad("PNG image data is truncated")
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = _add(line, prev)
        elif kind == 1:
            sub = bytearray(stride)
            for c in range(min(bpp, stride)):
                sub[c::bpp] = bytes(map(_AND255, accumulate(line[c::bpp])))
            cur = bytes(sub)
        elif kind in (3, 4):
            out = bytearray(line)
            for i in range(stride):
                a = out[i - bpp] if i >= bpp else 0
                b = prev[i]
                if kind == 3:
                    out[i] = (out[i] + ((a + b) >> 1)) & 255
                    continue
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                out[i] = (out[i] + pred) & 255
            cur = bytes(out)
        else:
            raise _bad(f"PNG row uses unknown filter {kind}")
        rows.append(cur)
        prev = cur
    return rows


@lru_cache(maxsize=4)
def _expand_table(depth: int) -> tuple[bytes, ...]:
    per = 8 // depth
    top = (1 << depth) - 1
    return tuple(
        bytes(0x31 if (b >> (8 - depth * (k + 1))) & top else 0x30 for k in range(per))
        for b in range(256)
    )


def _row_bits(row: bytes, width: int, info: PngInfo) -> int:
    """The on-pixels of one unfiltered row as an int of ``width`` bits."""
    depth = info.bit_depth
    if depth == 1:
        return int.from_bytes(row, "big") >> (len(row) * 8 - width)
    if depth < 8:
        table = _expand_table(depth)
        return int(b"".join(map(table.__getitem__, row))[:width], 2)
    size = depth // 8
    step = _CHANNELS[info.color_type] * size
    bits = 0
    for channel in _ON_CHANNELS[info.color_type]:
        for k in range(size):
            start = channel * size + k
            sample = row if step == 1 else row[start::step]
            bits |= int(sample.translate(_BINARY), 2)
    return bits


@lru_cache(maxsize=32)
def decode_mask(data: str) -> Mask:
    """Decode a ``bitmap.data`` string into row bit sets (cached: compare meets a mask often)."""
    info, png = _inflate(data, True, None)
    width, height = info.width, info.height
    bits_pp = info.bit_depth * _CHANNELS[info.color_type]
    bpp = max(1, bits_pp // 8)
    passes = _ADAM7 if info.interlaced else ((0, 0, 1, 1),)
    sizes = [((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy)
             for x0, y0, dx, dy in passes]
    expected = pixel_bytes(info)
    if expected > MAX_PIXEL_BYTES:
        raise _bad(f"mask of {width}x{height} pixels is too large to measure")
    raw = _idat(png, expected)
    if not info.interlaced:
        stride = (width * bits_pp + 7) // 8
        lines = _unfilter(raw, 0, height, stride, bpp)
        return Mask(width, height, tuple(_row_bits(r, width, info) for r in lines))
    rows = [0] * height
    pos = 0
    for (x0, y0, dx, dy), (pw, ph) in zip(passes, sizes, strict=True):
        if pw <= 0 or ph <= 0:
            continue
        stride = (pw * bits_pp + 7) // 8
        for j, line in enumerate(_unfilter(raw, pos, ph, stride, bpp)):
            text = format(_row_bits(line, pw, info), f"0{pw}b")
            y = y0 + j * dy
            for i, ch in enumerate(text):
                if ch == "1":
                    rows[y] |= 1 << (width - 1 - (x0 + i * dx))
        pos += ph * (1 + stride)
    return Mask(width, height, tuple(rows))


@lru_cache(maxsize=64)
def _position_masks(width: int) -> tuple[int, ...]:
    """Mask ``j`` holds the bit positions ``p < width`` whose bit ``j`` is set."""
    out = []
    for j in range(max(1, (width - 1).bit_length())):
        period = 1 << j
        text = ("1" * period + "0" * period) * (width // (2 * period) + 1)
        out.append(int(text[-width:], 2))
    return tuple(out)


def mask_moments(mask: Mask) -> tuple[int, int, int]:
    """Count of on-pixels and the sums of their x and y, without visiting pixels one by one."""
    count = sum_x = sum_y = 0
    masks = _position_masks(mask.width)
    for y, row in enumerate(mask.rows):
        n = row.bit_count()
        if n:
            count += n
            sum_y += n * y
            positions = sum((row & m).bit_count() << j for j, m in enumerate(masks))
            sum_x += n * (mask.width - 1) - positions
    return count, sum_x, sum_y


def encode_mask(rows: list[list[int]]) -> str:
    """Build a ``bitmap.data`` string from 0/1 rows (1-bit grayscale); for tests and tools."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(
        b"\x00" + int("".join("1" if v else "0" for v in r).ljust(-(-width // 8) * 8, "0"),
                      2).to_bytes(-(-width // 8), "big")
        for r in rows
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))

    png = (SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(zlib.compress(png)).decode("ascii")
