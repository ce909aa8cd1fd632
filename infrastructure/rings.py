"""Coordinate rings as fixed-point integer deltas: a quarter of float64's bytes, exactly.

Annotation geometry is mostly lists of ``[x, y]`` points. msgpack stores a float in
nine bytes; labelling tools write coordinates with at most a few decimals (COCO uses
two). A ring whose every coordinate is exactly ``k / scale`` for a scale of 1, 10,
100 or 1000 (checked by round trip, so decoding returns the very same floats) becomes
integers; ints stay ints, floats floats. Neighbouring points of an outline are close,
so after the first point each coordinate is stored as the difference from the previous
point's, in two bytes when every difference fits, else all values in four. Anything
else (mixed types, more decimals, huge values) is left to msgpack as is.

Header byte: bit 7 set for ints (else the low bits index the scale); bit 6 set for
deltas in int16 after a first point in int32.
"""

from __future__ import annotations

import math
from array import array
from itertools import accumulate, chain
from operator import sub
from typing import Any

import msgpack

RING_CODE = 4
_SCALES = (1, 10, 100, 1000)
_INTS = 0x80
_DELTAS = 0x40
_LIMIT = 2**31 - 1
_SHORT = 2**15 - 1


def pack_ring(ring: list[Any]) -> Any:
    """An ExtType for a packable ring, else the ring unchanged.

    Every loop runs in C (``map`` over builtins): this is on the import hot path.
    """
    if len(ring) < 2 or set(map(type, ring)) != {list} or set(map(len, ring)) != {2}:
        return ring
    flat = list(chain.from_iterable(ring))
    kinds = set(map(type, flat))
    if kinds == {int}:
        return _packed(_INTS, flat) or ring
    if kinds != {float}:
        return ring
    for index in range(_first_scale(flat), len(_SCALES)):
        factor = float(_SCALES[index])
        try:
            scaled = list(map(round, map(factor.__mul__, flat)))
        except (OverflowError, ValueError):  # inf or nan
            return ring
        if list(map(factor.__rtruediv__, scaled)) == flat:
            return _packed(index, scaled) or ring
    return ring


def _packed(header: int, values: list[int]) -> msgpack.ExtType | None:
    if max(values) > _LIMIT or min(values) < -_LIMIT:
        return None
    deltas = list(map(sub, values[2:], values[:-2]))
    if deltas and max(deltas) <= _SHORT and min(deltas) >= -_SHORT:
        body = array("i", values[:2]).tobytes() + array("h", deltas).tobytes()
        return msgpack.ExtType(RING_CODE, bytes([header | _DELTAS]) + body)
    return msgpack.ExtType(RING_CODE, bytes([header]) + array("i", values).tobytes())


def _first_scale(flat: list[float]) -> int:
    """The smallest scale the first values need: later scales are tried only if needed."""
    start = 0
    for v in flat[:4]:
        if not math.isfinite(v * _SCALES[-1]):  # beyond any scale: pack_ring keeps the ring
            return len(_SCALES) - 1
        while start < len(_SCALES) - 1 and round(v * _SCALES[start]) / _SCALES[start] != v:
            start += 1
    return start


def unpack_ring(data: bytes) -> list[list[Any]]:
    header = data[0]
    if header & _DELTAS:
        first, rest = array("i"), array("h")
        first.frombytes(data[1:9])
        rest.frombytes(data[9:])
        xs = list(accumulate(rest[0::2], initial=first[0]))
        ys = list(accumulate(rest[1::2], initial=first[1]))
    else:
        values = array("i")
        values.frombytes(data[1:])
        xs, ys = list(values[0::2]), list(values[1::2])
    if header & _INTS:
        return [list(p) for p in zip(xs, ys, strict=True)]
    scale = float(_SCALES[header & 0x3F])
    return [[x / scale, y / scale] for x, y in zip(xs, ys, strict=True)]


def pack_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry with its point rings packed (``points``, and cuboid point lists)."""
    points = geometry.get("points")
    if isinstance(points, dict):
        packed = dict(geometry)
        packed["points"] = {
            k: pack_ring(v) if k == "exterior" and isinstance(v, list)
            else [pack_ring(r) for r in v] if k == "interior" and isinstance(v, list)
            else v
            for k, v in points.items()
        }
        return packed
    if isinstance(points, list):
        packed = dict(geometry)
        packed["points"] = pack_ring(points)
        return packed
    return geometry
