"""Stored states: zstd for new ones, lz4 ones from earlier releases still read, and
geometry packed in the events that carry one."""

from __future__ import annotations

import lz4.block
import msgpack
import pytest

from domain.values import AnnotationObject, MediaLink
from infrastructure.codec import LedgerTranscoder
from infrastructure.compression import THRESHOLD, StateCompressor
from infrastructure.rings import RING_CODE

EXTERIOR = [[100.25 + 3.5 * i, 200.75 - 2.25 * (i % 7)] for i in range(40)]
POLYGON = {"points": {"exterior": EXTERIOR,
                      "interior": [[[120.5, 210.5], [130.25, 215.0], [125.0, 220.75]]]}}


def upload_state() -> bytes:
    """An upload's state as the codec writes it: twenty objects, each with a ring."""
    objects = tuple(AnnotationObject(
        1000 + n, 7 + n % 3, {"points": {"exterior": [[p[0] + n, p[1] - n]
                                                       for p in EXTERIOR],
                                          "interior": []}},
        (), "alice", "2026-11-29T10:00:00.000Z", f"2026-11-29T10:0{n % 10}:00.000Z")
        for n in range(20))
    media = MediaLink("https://example.com/cat.jpg", "ab" * 32, 1234, 640, 480)
    return LedgerTranscoder().encode({"name": "cat.jpg", "media": media, "objects": objects})


def test_a_large_state_is_zstd_and_smaller_than_lz4_made_it() -> None:
    state = upload_state()
    stored = StateCompressor().compress(state)
    assert stored[:1] == b"\x02"
    assert len(stored) < 1 + len(lz4.block.compress(state, store_size=True)) < len(state)
    assert StateCompressor().decompress(stored) == state


def test_a_small_state_is_stored_as_it_is() -> None:
    state = b"x" * (THRESHOLD - 1)
    assert StateCompressor().compress(state) == b"\x00" + state
    assert StateCompressor().decompress(b"\x00" + state) == state


def test_a_state_written_with_lz4_by_an_earlier_release_reads_back() -> None:
    state = upload_state()
    earlier = b"\x01" + lz4.block.compress(state, store_size=True)
    assert StateCompressor().decompress(earlier) == state


@pytest.mark.parametrize(("flag", "message"), [
    (b"\x01", "damaged lz4 state"), (b"\x02", "damaged zstd state"),
    (b"\x09", "unknown compression flag")])
def test_a_damaged_state_is_a_value_error_naming_what_failed(flag: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StateCompressor().decompress(flag + b"\x13\x37 not a frame")


def test_an_events_geometry_is_packed_and_decodes_to_the_same_floats() -> None:
    codec = LedgerTranscoder()
    state = {"object_id": 5, "geometry": POLYGON, "updated_at": "2026-11-29T10:00:00.000Z"}
    data = codec.encode(state)
    assert codec.decode(data) == state
    rings: list[int] = []
    msgpack.unpackb(data, ext_hook=lambda code, body: rings.append(code), raw=False)
    assert rings.count(RING_CODE) == 2  # the exterior and the one hole
    assert len(data) < len(msgpack.packb(state)) / 2
