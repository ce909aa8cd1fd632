"""Packed coordinate rings decode to exactly what was packed, one at a time or many."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from infrastructure.rings import (
    BULK_POINTS,
    pack_geometries,
    pack_ring,
    pack_rings,
    unpack_ring,
    unpack_rings,
)

ints = st.lists(st.lists(st.integers(-(2**31) + 1, 2**31 - 1), min_size=2, max_size=2),
                min_size=2, max_size=40)
cents = st.lists(st.lists(st.integers(-10**8, 10**8).map(lambda v: v / 100), min_size=2,
                          max_size=2), min_size=2, max_size=40)
floats = st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2,
                           max_size=2), min_size=2, max_size=10)


def _round_trip(ring: list[list[Any]]) -> list[list[Any]]:
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


# -- many rings at a time: the same as one at a time -----------------------------------

odd = st.one_of(
    st.just([[0.0, -0.0], [1.5, 2.25], [3.0, 4.0]]),  # a negative zero: kept as given
    st.just([[1.0, 2.0]]),  # one point
    st.just([[1, 2.5], [3, 4]]),  # ints and floats in one ring
    st.just([[1e300, 2.0], [3.0, 4.0]]),  # beyond every scale
    st.just([[2**40, 1], [2, 3]]),  # an int out of range
    st.just([{"x": 1, "y": 2}, {"x": 3, "y": 4}]),  # not points
    st.just([[0.123456, 1.0], [2.0, 3.0]]),  # more decimals than any scale
    st.just([[0, 0], [70000, 0], [0, 1]]),  # differences too wide for two bytes
)
lots = st.lists(st.one_of(ints, cents, floats, odd), min_size=1, max_size=30)


def _same(got: list[object], expected: list[object]) -> None:
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]


@given(lots)
def test_packing_many_rings_at_once_gives_what_each_alone_gives(rings: list[Any]) -> None:
    _same(pack_rings(rings), [pack_ring(r) for r in rings])


@given(lots)
def test_unpacking_many_rings_at_once_gives_what_each_alone_gives(rings: list[Any]) -> None:
    payloads = [p.data for p in map(pack_ring, rings) if not isinstance(p, list)]
    back = unpack_rings(payloads)
    expected = [unpack_ring(p) for p in payloads]
    assert back == expected
    assert [[type(v) for p in r for v in p] for r in back] == \
        [[type(v) for p in r for v in p] for r in expected]


def test_a_large_lot_takes_the_bulk_path_and_round_trips() -> None:
    lot = [[[(i * 37 + j) / 100, (i - j) / 10] for j in range(30)] for i in range(40)]
    lot += [[[i + j, i - j] for j in range(30)] for i in range(10)]
    lot += [[[1.0, 2.0]], [[0.0, -0.0], [1.0, 1.0]]]
    assert sum(map(len, lot)) >= BULK_POINTS
    packed = pack_rings(lot)
    _same(packed, [pack_ring(r) for r in lot])
    data = [p.data for p in packed if not isinstance(p, list)]
    assert len(data) == 50  # the last two are kept as given
    assert unpack_rings(data) == lot[:50]


def test_a_negative_zero_is_kept_as_given() -> None:
    ring = [[-0.0, 1.5], [2.5, 3.5]]
    assert pack_ring(ring) == ring and str(pack_ring(ring)[0][0]) == "-0.0"


def test_geometries_are_packed_together_and_keep_their_other_keys() -> None:
    polygon: dict[str, Any] = {"points": {"exterior": [[1.5, 2.5], [3.5, 4.5], [5.5, 0.5]],
                          "interior": [[[2.0, 2.5], [3.0, 3.5], [2.5, 3.0]]]}}
    line: dict[str, Any] = {"points": [[1, 2], [3, 4]], "other": 1}
    mask: dict[str, Any] = {"bitmap": {"data": "eJw=", "origin": [1, 2]}}
    packed = pack_geometries([polygon, line, mask])
    assert packed[2] is mask and packed[1]["other"] == 1
    assert packed[0]["points"]["exterior"] == pack_ring(polygon["points"]["exterior"])
    assert packed[0]["points"]["interior"] == [pack_ring(polygon["points"]["interior"][0])]
    assert packed[1]["points"] == pack_ring(line["points"])
    assert polygon["points"]["exterior"] == [[1.5, 2.5], [3.5, 4.5], [5.5, 0.5]]  # unchanged
