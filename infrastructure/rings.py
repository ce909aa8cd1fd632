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
deltas in int16 after a first point in int32. Integers are little-endian.

An item holds dozens of rings and an export or an import handles thousands of items, so
rings are packed and unpacked many at a time (:func:`pack_rings`, :func:`unpack_rings`):
numpy checks, scales and accumulates every coordinate of the lot at once and builds the
lists in C, where a ring at a time would spend most of its time in per-point Python.
Both give what :func:`pack_ring` and :func:`unpack_ring`, the definition, give one ring
at a time: a ring's scale is the smallest at which each of its coordinates round-trips,
checked by the same round trip, and any ring the bulk path does not take (irregular,
mixed types, out of range) is handed to :func:`pack_ring`. A negative zero is left as
given: packed, it would come back as ``0.0``.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Sequence
from functools import partial
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
_SWAP = sys.byteorder != "little"
"""The array module packs in the machine's order; stored rings are little-endian."""
_FACTORS = tuple((float(scale),) for scale in _SCALES)
"""The scales as a column, to scale every coordinate by each at once."""
BULK_POINTS = 64
"""Below this many points in a lot, rings are handled one at a time: numpy's fixed cost
per call would outweigh what it saves (the one geometry an edit carries seldom reaches it,
so an edit's encoding does not import numpy)."""

_ext = partial(tuple.__new__, msgpack.ExtType)
"""An ExtType without its Python-level argument checks (codes and payloads are ours)."""


def pack_ring(ring: list[Any]) -> Any:
    """An ExtType for a packable ring, else the ring unchanged.

    Every loop runs in C (``map`` over builtins)."""
    if len(ring) < 2 or set(map(type, ring)) != {list} or set(map(len, ring)) != {2}:
        return ring
    flat = list(chain.from_iterable(ring))
    kinds = set(map(type, flat))
    if kinds == {int}:
        return _packed(_INTS, flat) or ring
    if kinds != {float} or _negative_zero(flat):
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


def _negative_zero(flat: list[float]) -> bool:
    return 0.0 in flat and any(v == 0.0 and math.copysign(1.0, v) < 0 for v in flat)


def _packed(header: int, values: list[int]) -> msgpack.ExtType | None:
    if max(values) > _LIMIT or min(values) < -_LIMIT:
        return None
    deltas = list(map(sub, values[2:], values[:-2]))
    if deltas and max(deltas) <= _SHORT and min(deltas) >= -_SHORT:
        body = _le(array("i", values[:2])) + _le(array("h", deltas))
        return _ext((RING_CODE, bytes([header | _DELTAS]) + body))
    return _ext((RING_CODE, bytes([header]) + _le(array("i", values))))


def _le(values: array[int]) -> bytes:
    if _SWAP:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


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
        if _SWAP:
            first.byteswap()
            rest.byteswap()
        xs = list(accumulate(rest[0::2], initial=first[0]))
        ys = list(accumulate(rest[1::2], initial=first[1]))
    else:
        values = array("i")
        values.frombytes(data[1:])
        if _SWAP:
            values.byteswap()
        xs, ys = list(values[0::2]), list(values[1::2])
    if header & _INTS:
        return [list(p) for p in zip(xs, ys, strict=True)]
    scale = float(_SCALES[header & 0x3F])
    return [[x / scale, y / scale] for x, y in zip(xs, ys, strict=True)]


# -- many rings at a time ----------------------------------------------------------------


def pack_rings(rings: Sequence[list[Any]]) -> list[Any]:
    """Each ring as :func:`pack_ring` gives it; when they are many, the regular ones
    (two or more points, each a list of two ints, or of two floats) are checked, scaled
    and differenced at once, ints and floats apart."""
    points = list(chain.from_iterable(rings))
    if len(points) < BULK_POINTS:
        return [pack_ring(r) for r in rings]
    if min(map(len, rings)) >= 2 and set(map(type, points)) == {list} \
            and set(map(len, points)) == {2}:
        regular: Sequence[int] = range(len(rings))
    else:
        regular = [i for i, r in enumerate(rings) if len(r) >= 2
                   and set(map(type, r)) == {list} and set(map(len, r)) == {2}]
    by_kind: dict[type, list[int]] = {}
    for i in regular:
        by_kind.setdefault(type(rings[i][0][0]), []).append(i)
    if len(by_kind) == 1 and len(regular) == len(rings):
        return _pack_kind(rings, next(iter(by_kind)))
    out: list[Any] = list(rings)  # the irregular ones stay as they are (pack_ring's rule)
    for kind, indexes in by_kind.items():
        for i, value in zip(indexes, _pack_kind([rings[i] for i in indexes], kind),
                            strict=True):
            out[i] = value
    return out


def _pack_kind(rings: Sequence[list[Any]], kind: type) -> list[Any]:
    """Regular rings whose first coordinate is of type ``kind``: at once when all their
    coordinates are ints or all are floats, and enough of them."""
    flat = list(chain.from_iterable(chain.from_iterable(rings)))
    if kind in (int, float) and len(flat) >= 2 * BULK_POINTS and set(map(type, flat)) == {kind}:
        return _pack_bulk(rings, flat, ints=kind is int)
    return [pack_ring(r) for r in rings]


def _pack_bulk(rings: Sequence[list[Any]], flat: list[Any], *, ints: bool) -> list[Any]:
    """:func:`pack_ring` of regular rings of one kind, ``flat`` their coordinates: the
    smallest scale at which a whole ring round-trips (and stays in range) is found for
    every ring at once, as are the differences and whether they fit in two bytes."""
    import numpy as np

    counts = np.fromiter(map(len, rings), np.int64, len(rings))
    ends = np.cumsum(counts)
    starts = ends - counts
    if ints:
        try:
            values = np.array(flat, np.int64).reshape(-1, 2)
        except OverflowError:
            return [pack_ring(r) for r in rings]
        packable = np.logical_and.reduceat(np.abs(values).max(axis=1) <= _LIMIT, starts)
        headers = np.full(len(rings), _INTS)
        values[~packable.repeat(counts)] = 0
    else:
        given = np.array(flat, np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = np.rint(given * _FACTORS)  # every scale at once: (scales, coordinates)
            fine = np.logical_and(scaled / _FACTORS == given, np.abs(scaled) <= _LIMIT)
        if 0.0 in flat:  # a negative zero would come back positive
            fine[:, np.signbit(given) & (given == 0.0)] = False
        fits = np.logical_and.reduceat(fine, starts * 2, axis=1)  # (scales, rings)
        packable = np.logical_or.reduce(fits, axis=0)
        headers = fits.argmax(axis=0)
        values = scaled[headers.repeat(counts * 2), np.arange(len(given))].reshape(-1, 2)
        values[~packable.repeat(counts)] = 0
        values = values.astype(np.int64)
    steps = np.diff(values, axis=0)
    widest = np.abs(steps).max(axis=1)
    widest[ends[:-1] - 1] = 0  # from one ring's last point to the next one's first
    short = np.maximum.reduceat(widest, np.minimum(starts, len(widest) - 1)) <= _SHORT
    firsts = values[starts].astype("<i4").tobytes()
    deltas = steps.astype("<i2").tobytes()
    whole = values.astype("<i4").tobytes() if not short.all() else b""
    out: list[Any] = []
    for k, (ring, ok, small, header, a, b) in enumerate(zip(
            rings, packable.tolist(), short.tolist(), headers.tolist(), starts.tolist(),
            ends.tolist(), strict=True)):
        if not ok:
            out.append(ring)
        elif small:
            out.append(_ext((RING_CODE, bytes((header | _DELTAS,)) + firsts[8 * k:8 * k + 8]
                             + deltas[4 * a:4 * b - 4])))
        else:
            out.append(_ext((RING_CODE, bytes((header,)) + whole[8 * a:8 * b])))
    return out


def unpack_rings(payloads: Sequence[bytes]) -> list[list[list[Any]]]:
    """Each packed ring as :func:`unpack_ring` gives it, decoded at once when they are
    many: rings of one header are accumulated and scaled together, and their lists built
    by numpy."""
    if sum(map(len, payloads)) < 4 * BULK_POINTS:
        return [unpack_ring(p) for p in payloads]
    import numpy as np

    out: list[list[list[Any]]] = [[] for _ in payloads]
    by_header: dict[int, list[int]] = {}
    for i, data in enumerate(payloads):
        by_header.setdefault(data[0], []).append(i)
    for header, indexes in by_header.items():
        chosen = [payloads[i] for i in indexes]
        if header & _DELTAS:
            firsts = np.frombuffer(b"".join([d[1:9] for d in chosen]), "<i4").reshape(-1, 2)
            steps = np.frombuffer(b"".join([d[9:] for d in chosen]), "<i2").reshape(-1, 2)
            counts = np.fromiter([(len(d) - 9) >> 2 for d in chosen], np.int64,
                                 len(chosen)) + 1
            ends = np.cumsum(counts)
            starts = ends - counts
            values = np.empty((int(ends[-1]), 2), np.int64)
            follows = np.ones(len(values), bool)
            follows[starts] = False
            values[follows] = steps
            values[starts] = 0
            values = np.cumsum(values, axis=0)
            values += (firsts - values[starts]).repeat(counts, axis=0)
        else:
            values = np.frombuffer(b"".join([d[1:] for d in chosen]), "<i4").reshape(-1, 2)
            ends = np.cumsum(np.fromiter([(len(d) - 1) >> 3 for d in chosen], np.int64,
                                         len(chosen)))
        if header & _INTS:
            points = values.tolist()
        else:
            points = (values / float(_SCALES[header & 0x3F])).tolist()
        start = 0
        for i, end in zip(indexes, ends.tolist(), strict=True):
            out[i] = points[start:end]
            start = end
    return out


# -- geometries --------------------------------------------------------------------------


def pack_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry with its point rings packed (``points``, and cuboid point lists)."""
    return pack_geometries([geometry])[0]


def pack_geometries(geometries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each geometry with its point rings packed (``points``: a ring, or a polygon's
    ``exterior`` and ``interior`` rings), the rings of all of them packed at once."""
    found: list[list[Any]] = []
    for geometry in geometries:
        found.extend(_rings_of(geometry))
    if not found:
        return list(geometries)
    packed = iter(pack_rings(found) if len(found) > 1 else [pack_ring(found[0])])
    return [_with_rings(g, packed) for g in geometries]


def _rings_of(geometry: dict[str, Any]) -> list[list[Any]]:
    points = geometry.get("points")
    if isinstance(points, list):
        return [points]
    if isinstance(points, dict):
        exterior, interior = points.get("exterior"), points.get("interior")
        found = [exterior] if isinstance(exterior, list) else []
        if isinstance(interior, list):
            found.extend(r for r in interior if isinstance(r, list))
        return found
    return []


def _with_rings(geometry: dict[str, Any], packed: Any) -> dict[str, Any]:
    """``geometry`` with the rings :func:`_rings_of` found replaced, in the same order,
    by the next of ``packed``."""
    points = geometry.get("points")
    if isinstance(points, list):
        return {**geometry, "points": next(packed)}
    if not isinstance(points, dict):
        return geometry
    inner = dict(points)
    if isinstance(inner.get("exterior"), list):
        inner["exterior"] = next(packed)
    if isinstance(inner.get("interior"), list):
        inner["interior"] = [next(packed) if isinstance(r, list) else r
                             for r in inner["interior"]]
    return {**geometry, "points": inner}
