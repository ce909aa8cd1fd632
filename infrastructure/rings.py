"""Coordinate rings as fixed-point integers: half the bytes of float64, exactly.

Annotation geometry is mostly lists of ``[x, y]`` points. msgpack stores a float in
nine bytes; labelling tools write coordinates with at most a few decimals (COCO uses
two). A ring whose every coordinate is exactly ``k / scale`` for a scale of 1, 10,
100 or 1000 (checked by round trip, so decoding returns the very same floats) is stored
as little-endian int32 values with a one-byte header; ints stay ints, floats floats.
Anything else (mixed types, more decimals, huge values) is left to msgpack as is.
"""

from __future__ import annotations

from array import array
from itertools import chain
from typing import Any

import msgpack

RING_CODE = 4
_SCALES = (1, 10, 100, 1000)
_INTS = 0x80
_LIMIT = 2**31 - 1


def pack_ring(ring: list[Any]) -> Any:
    """An ExtType for a packable ring, else the ring unchanged.

    Every loop runs in C (``map`` over builtins): this is on the import hot path.
    """
    if len(ring) < 2 or set(map(type, ring)) != {list} or set(map(len, ring)) != {2}:
        return ring
    flat = list(chain.from_iterable(ring))
    kinds = set(map(type, flat))
    if kinds == {int}:
        if max(flat) > _LIMIT or min(flat) < -_LIMIT:
            return ring
        return msgpack.ExtType(RING_CODE, bytes([_INTS]) + array("i", flat).tobytes())
    if kinds != {float}:
        return ring
    for index in range(_first_scale(flat), len(_SCALES)):
        factor = float(_SCALES[index])
        try:
            scaled = list(map(round, map(factor.__mul__, flat)))
        except (OverflowError, ValueError):  # inf or nan
            return ring
        if list(map(factor.__rtruediv__, scaled)) == flat:
            if max(scaled) > _LIMIT or min(scaled) < -_LIMIT:
                return ring
            return msgpack.ExtType(RING_CODE, bytes([index]) + array("i", scaled).tobytes())
    return ring


def _first_scale(flat: list[float]) -> int:
    """The smallest scale the first values need: later scales are tried only if needed."""
    start = 0
    for v in flat[:4]:
        while start < len(_SCALES) - 1 and round(v * _SCALES[start]) / _SCALES[start] != v:
            start += 1
    return start


def unpack_ring(data: bytes) -> list[list[Any]]:
    header = data[0]
    values = array("i")
    values.frombytes(data[1:])
    if header == _INTS:
        return [[values[i], values[i + 1]] for i in range(0, len(values), 2)]
    scale = _SCALES[header]
    return [[values[i] / scale, values[i + 1] / scale] for i in range(0, len(values), 2)]


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
