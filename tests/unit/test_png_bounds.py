"""Bitmap masks are bounded before any pixel is inflated: the PNG header's size against the
pixel cap, and the inflated PNG file against what that header can need."""

from __future__ import annotations

import base64
import struct
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from application.settings import Settings
from domain.errors import GeometryError
from domain.geometry import png
from domain.geometry.measure import area
from domain.geometry.png import (
    DEFAULT_MAX_PIXELS,
    check_png,
    decode_mask,
    encode_mask,
    max_pixels,
    set_max_pixels,
)
from domain.geometry.validate import normalize_geometry


@pytest.fixture(autouse=True)
def default_cap() -> Iterator[None]:
    yield
    set_max_pixels(DEFAULT_MAX_PIXELS)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def declared(width: int, height: int, idat: bytes = b"", trailer: bytes = b"") -> str:
    """``bitmap.data`` of a 1-bit PNG whose header declares ``width`` x ``height``."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    file = (png.SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b"") + trailer)
    return base64.b64encode(zlib.compress(file, 9)).decode()


def bitmap(data: str) -> dict[str, object]:
    return {"bitmap": {"origin": [0, 0], "data": data}}


def test_a_tiny_string_declaring_30000_by_30000_is_refused_from_its_header() -> None:
    rows = 30000 * (1 + 30000 // 8 + 1)
    data = declared(30000, 30000, zlib.compress(bytes(rows), 9))
    assert len(data) < 200_000
    with pytest.raises(GeometryError) as caught:
        normalize_geometry("bitmap", bitmap(data))
    assert caught.value.field == "bitmap.data"
    assert f"30000x30000 pixels exceeds the limit of {DEFAULT_MAX_PIXELS}" in caught.value.message


@pytest.mark.parametrize("side", [2**31 - 1, 2**20])
def test_huge_declared_sizes_are_refused_without_inflating_pixels(side: int) -> None:
    with pytest.raises(GeometryError) as caught:
        normalize_geometry("bitmap", bitmap(declared(side, side)))
    assert "exceeds the limit" in caught.value.message


def test_the_cap_is_a_parameter_and_a_settable_default() -> None:
    data = encode_mask([[1, 0, 1, 1]] * 3)  # 12 pixels
    assert check_png(data, cap=12).width == 4
    with pytest.raises(GeometryError, match="4x3 pixels exceeds the limit of 11 pixels"):
        check_png(data, cap=11)
    assert area("bitmap", bitmap(data)) == 9  # cached under the default cap
    set_max_pixels(11)
    assert max_pixels() == 11
    with pytest.raises(GeometryError, match="exceeds the limit of 11"):
        normalize_geometry("bitmap", bitmap(data))
    with pytest.raises(GeometryError, match="exceeds the limit of 11"):
        decode_mask(data)  # the cache was dropped with the old cap
    with pytest.raises(ValueError):
        set_max_pixels(0)


def test_a_png_file_inflating_past_its_header_is_refused_in_bounded_memory() -> None:
    """4x3 pixels need a few bytes; 200 MB of padding after IEND would be a zip bomb."""
    good = encode_mask([[1, 0, 1, 1]] * 3)
    file = zlib.decompress(base64.b64decode(good))
    squeezer = zlib.compressobj(9)
    body = squeezer.compress(file)
    block = bytes(1 << 20)
    for _ in range(200):
        body += squeezer.compress(block)
    body += squeezer.flush()
    bomb = base64.b64encode(body).decode()
    assert len(bomb) < 400_000
    tracemalloc.start()
    try:
        with pytest.raises(GeometryError) as caught:
            normalize_geometry("bitmap", bitmap(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.field == "bitmap.data"
    assert "inflates beyond" in caught.value.message and "4x3 header" in caught.value.message
    assert peak < 8 << 20, f"validation took {peak} bytes"


def test_a_valid_mask_still_validates_and_measures() -> None:
    data = encode_mask([[1, 1, 0], [0, 1, 0]])
    assert normalize_geometry("bitmap", bitmap(data))["bitmap"]["data"] == data
    assert area("bitmap", bitmap(data)) == 3


def test_a_truncated_stream_is_refused() -> None:
    data = base64.b64decode(encode_mask([[1, 1, 0], [0, 1, 0]]))
    with pytest.raises(GeometryError, match="not a valid base64 zlib PNG"):
        check_png(base64.b64encode(data[:-6]).decode())


def test_settings_read_the_pixel_cap_from_the_environment() -> None:
    assert Settings.from_env({}).max_bitmap_pixels == DEFAULT_MAX_PIXELS == 1 << 26
    env = {"ANNOLEDGER_MAX_BITMAP_PIXELS": "1000000"}
    assert Settings.from_env(env).max_bitmap_pixels == 1_000_000
    with pytest.raises(ValueError, match="ANNOLEDGER_MAX_BITMAP_PIXELS must be positive"):
        Settings.from_env({"ANNOLEDGER_MAX_BITMAP_PIXELS": "0"})
