"""Packed coordinate rings decode to exactly what was packed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from infrastructure.rings import pack_ring, unpack_ring

ints = st.lists(st.lists(st.integers(-(2**31) + 1, 2**31 - 1), min_size=2, max_size=2),
                min_size=2, max_size=40)
cents = st.lists(st.lists(st.integers(-10**8, 10**8).map(lambda v: v / 100), min_size=2,
                          max_size=2), min_size=2, max_size=40)
floats = st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2,
                           max_size=2), min_size=2, max_size=10)


def _round_trip(ring: list[list[float]]) -> list[list[float]]:
    packed = pack_ring(ring)
    return packed if isinstance(packed, list) else unpack_ring(packed.data)


@given(ints)
def test_integer_rings_round_trip_as_ints(ring: list[list[int]]) -> None:
    back = _round_trip(ring)
    assert back == ring and all(type(v) is int for p in back for v in p)


@given(cents)
def test_rings_with_two_decimals_round_trip_exactly(ring: list[list[float]]) -> None:
    back = _round_trip(ring)
    assert back == ring and all(type(v) is float for p in back for v in p)


@given(floats)
def test_any_float_ring_round_trips_exactly(ring: list[list[float]]) -> None:
    assert _round_trip(ring) == ring


def test_a_coordinate_too_large_for_any_scale_is_kept_as_given() -> None:
    ring = [[0.0, 0.75], [0.0, 1.797693134862316e306]]
    assert pack_ring(ring) == ring


def test_close_points_are_stored_as_two_byte_differences() -> None:
    ring = [[(32102 + i) / 100, (550 - i) / 100] for i in range(50)]
    packed = pack_ring(ring)
    assert not isinstance(packed, list)
    assert len(packed.data) == 1 + 8 + 2 * 2 * 49
