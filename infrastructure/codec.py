"""The msgpack transcoder: compact binary event and snapshot states.

msgpack has no UUID, tuple or user types, so they travel as extension types:
``1`` a UUID (16 raw bytes), ``2`` a tuple, ``3`` a registered transcoding
(``[name, data]``), ``4`` a ring of points (see :mod:`infrastructure.rings`), ``5`` a
tuple of value objects of one type as rows (``[name, [row, ...]]``). Timezone-aware
datetimes use msgpack's own timestamp type. Value objects are registered with
:func:`register_values`, encoded positionally: no field names are stored, which keeps an
annotation object to a few dozen bytes.

Decoding runs in msgpack's C code but for the extension types, each a call back into
Python, so what an item holds by the thousand costs one call each at most: a tuple of
value objects (an item's objects, their tags) is one extension of plain rows, built into
values by ``starmap`` in one pass, and its rings are unpacked all at once
(:func:`~infrastructure.rings.unpack_rings`) once the state is read, or once a whole
batch of states is (:meth:`MsgpackTranscoder.decoding_in_bulk`). States written
before rows (a tuple of value objects as a tuple of extensions ``3``) decode as they
always did.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import starmap
from operator import attrgetter
from typing import Any
from uuid import UUID

import msgpack
from eventsourcing.persistence import Transcoder, Transcoding

from infrastructure.rings import RING_CODE, pack_geometries, pack_geometry, unpack_rings

_UUID, _TUPLE, _CUSTOM, _VALUES = 1, 2, 3, 5


class MsgpackTranscoder(Transcoder):
    def __init__(self) -> None:
        self.types: dict[type, Transcoding] = {}
        self.names: dict[str, Transcoding] = {}
        self._bulk = threading.local()

    def register(self, transcoding: Transcoding) -> None:
        self.types[transcoding.type] = transcoding
        self.names[transcoding.name] = transcoding

    def encode(self, obj: Any) -> bytes:
        return msgpack.packb(obj, default=self._default, strict_types=True, datetime=True)

    def decode(self, data: bytes) -> Any:
        return _Decoding(self.names, getattr(self._bulk, "rings", None)).decode(data)

    @contextmanager
    def decoding_in_bulk(self) -> Iterator[None]:
        """The states this thread decodes within are completed when it ends: their rings
        are unpacked then, all together (what an item holds at a time is too little for
        numpy to pay). Nothing decoded within may be read before: its rings are empty.
        Within another, it is that one's."""
        local = self._bulk
        if getattr(local, "rings", None) is not None:
            yield
            return
        local.rings = []
        try:
            yield
        finally:
            rings, local.rings = local.rings, None
        _unpacked(rings)

    def _default(self, obj: Any) -> msgpack.ExtType:
        kind = type(obj)
        if kind is UUID:
            return msgpack.ExtType(_UUID, obj.bytes)
        if kind is tuple:
            rows = self._rows(obj)
            if rows is not None:
                return msgpack.ExtType(_VALUES, self.encode(rows))
            return msgpack.ExtType(_TUPLE, self.encode(list(obj)))
        transcoding = self.types.get(kind)
        if transcoding is not None:
            payload = [transcoding.name, transcoding.encode(obj)]
            return msgpack.ExtType(_CUSTOM, self.encode(payload))
        if kind is datetime:  # naive datetimes: msgpack's timestamp needs a timezone
            return msgpack.ExtType(_CUSTOM, self.encode(["naive_datetime", obj.isoformat()]))
        msg = (
            f"Object of type {kind} is not serializable. Please define and register "
            "a custom transcoding for this type."
        )
        raise TypeError(msg)

    def _rows(self, values: tuple[Any, ...]) -> list[Any] | None:
        """``[name, rows]`` for a tuple of value objects of one positional type."""
        if not values:
            return None
        kinds = set(map(type, values))
        transcoding = self.types.get(kinds.pop()) if len(kinds) == 1 else None
        if not isinstance(transcoding, PositionalTranscoding):
            return None
        rows = transcoding.rows(values)
        return None if rows is None else [transcoding.name, rows]


Rings = list[tuple[list[Any], bytes]]
"""Packed rings met while decoding: the list left in each one's place, and its bytes."""


def _unpacked(rings: Rings) -> None:
    """Fill the lists left in the rings' places with their points."""
    if rings:
        for (ring, _), points in zip(rings, unpack_rings([data for _, data in rings]),
                                     strict=True):
            ring += points


class _Decoding:
    """One state being decoded: the rings met on the way are collected and unpacked
    together at the end (or, in bulk, where ``pending`` says: see
    :meth:`MsgpackTranscoder.decoding_in_bulk`) into the lists left in their place."""

    __slots__ = ("names", "pending", "rings")

    def __init__(self, names: dict[str, Transcoding], pending: Rings | None) -> None:
        self.names = names
        self.pending = pending
        self.rings: Rings = [] if pending is None else pending

    def decode(self, data: bytes) -> Any:
        value = self._unpack(data)
        if self.pending is None:
            _unpacked(self.rings)
        return value

    def _unpack(self, data: bytes) -> Any:
        return msgpack.unpackb(data, ext_hook=self._ext_hook, strict_map_key=False,
                               timestamp=3, raw=False)

    def _ext_hook(self, code: int, data: bytes) -> Any:
        if code == RING_CODE:
            ring: list[Any] = []
            self.rings.append((ring, data))
            return ring
        if code == _VALUES:
            name, rows = self._unpack(data)
            transcoding = self.names.get(name)
            if not isinstance(transcoding, PositionalTranscoding):
                raise _unknown(name)
            return transcoding.from_rows(rows)
        if code == _UUID:
            return UUID(bytes=data)
        if code == _TUPLE:
            return tuple(self._unpack(data))
        if code == _CUSTOM:
            name, payload = self._unpack(data)
            if name == "naive_datetime":
                return datetime.fromisoformat(payload)
            try:
                return self.names[name].decode(payload)
            except KeyError:
                raise _unknown(name) from None
        return msgpack.ExtType(code, data)


def _unknown(name: str) -> TypeError:
    return TypeError(f"Data serialized with name '{name}' is not deserializable. "
                     "Please register a custom transcoding for this type.")


class PositionalTranscoding(Transcoding):
    """Encodes a frozen dataclass as the list of its field values, in order.

    Many of one type encode as rows (:meth:`rows`), in which a field holding a tuple of
    other value objects (``nested``: field name -> their transcoding) is itself a list of
    rows, so that a whole tuple decodes without a call per value."""

    def __init__(self, cls: type,
                 nested: dict[str, PositionalTranscoding] | None = None) -> None:
        self.type = cls
        self.name = cls.__name__
        self._fields = tuple(f.name for f in dataclasses.fields(cls))
        self._row = attrgetter(*self._fields)
        self._nested = tuple((self._fields.index(name), transcoding)
                             for name, transcoding in (nested or {}).items())

    def encode(self, obj: Any) -> list[Any]:
        return [getattr(obj, f) for f in self._fields]

    def decode(self, data: list[Any]) -> Any:
        return self.type(*data)

    def rows(self, values: Sequence[Any]) -> list[list[Any]] | None:
        """The field values of each value, nested tuples of values as rows; None when a
        nested field holds anything else (then the values are encoded one by one)."""
        rows = [list(self._row(v)) for v in values]
        for index, transcoding in self._nested:
            for row in rows:
                inner = row[index]
                if type(inner) is not tuple:
                    return None
                if inner:
                    if set(map(type, inner)) != {transcoding.type}:
                        return None
                    row[index] = transcoding.rows(inner)
                else:
                    row[index] = []
        return rows

    def from_rows(self, rows: list[list[Any]]) -> tuple[Any, ...]:
        """The values :meth:`rows` encoded (rows of values stored before a trailing
        field was added are shorter: the field takes its default)."""
        for index, transcoding in self._nested:
            for row in rows:
                if len(row) > index:
                    row[index] = transcoding.from_rows(row[index]) if row[index] else ()
        return tuple(starmap(self.type, rows))


def register_values(transcoder: MsgpackTranscoder, *classes: type) -> None:
    for cls in classes:
        transcoder.register(PositionalTranscoding(cls))


class AnnotationObjectTranscoding(PositionalTranscoding):
    """Positional, with coordinate rings packed as fixed-point integers where exact:
    those of a whole tuple of objects at once, or of many items' objects prepared
    together (:meth:`prepared`)."""

    def __init__(self, cls: type,
                 nested: dict[str, PositionalTranscoding] | None = None) -> None:
        super().__init__(cls, nested)
        self._local = threading.local()

    @contextmanager
    def prepared(self, objects: Iterable[Any]) -> Iterator[None]:
        """The geometries of ``objects`` packed together now; within, this thread's
        encodings of them take those (any other is packed when encoded)."""
        geometries = [o.geometry for o in objects]
        self._local.packed = {id(g): (g, p) for g, p in  # the geometry kept: its id stays
                              zip(geometries, pack_geometries(geometries), strict=True)}
        try:
            yield
        finally:
            self._local.packed = None

    def encode(self, obj: Any) -> list[Any]:
        fields = super().encode(obj)
        fields[2] = self._packed([fields[2]])[0]
        return fields

    def rows(self, values: Sequence[Any]) -> list[list[Any]] | None:
        rows = super().rows(values)
        if rows is None:
            return None
        for row, geometry in zip(rows, self._packed([row[2] for row in rows]), strict=True):
            row[2] = geometry
        return rows

    def _packed(self, geometries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ready = getattr(self._local, "packed", None)
        if not ready:
            return pack_geometries(geometries)
        found = [ready.get(id(g)) for g in geometries]
        if all(f is not None and f[0] is g for f, g in zip(found, geometries, strict=True)):
            return [f[1] for f in found if f is not None]
        return pack_geometries(geometries)


class LedgerTranscoder(MsgpackTranscoder):
    """The transcoder the application uses: msgpack plus annoledger's value objects.

    An event that carries a geometry of its own (an object's new geometry or class)
    has its rings packed as an annotation object's are: an edit's state is then a
    third of its size with plain floats. Decoding needs nothing more, since a packed
    ring decodes to the very same list wherever it is found.
    """

    def __init__(self) -> None:
        super().__init__()
        from domain import values

        register_values(
            self, values.MediaLink, values.ObjectClass, values.TagMeta,
            values.Dataset, values.Version, values.Provenance, values.ItemInfo,
        )
        tags = PositionalTranscoding(values.Tag)
        self.register(tags)
        self._objects = AnnotationObjectTranscoding(values.AnnotationObject, {"tags": tags})
        self.register(self._objects)

    def encoding_in_bulk(self, objects: Iterable[Any]) -> AbstractContextManager[None]:
        """Annotation objects about to be encoded (a batch of new items' objects): their
        rings are packed together now, where one item's are too few for numpy to pay."""
        return self._objects.prepared(objects)

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict and type(obj.get("geometry")) is dict:
            obj = {**obj, "geometry": pack_geometry(obj["geometry"])}
        return super().encode(obj)
