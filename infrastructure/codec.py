"""The msgpack transcoder: compact binary event and snapshot states.

msgpack has no UUID, tuple or user types, so they travel as extension types:
``1`` a UUID (16 raw bytes), ``2`` a tuple, ``3`` a registered transcoding
(``[name, data]``), ``4`` a ring of points (see :mod:`infrastructure.rings`).
Timezone-aware datetimes use msgpack's own timestamp type. Value objects are
registered with :func:`register_values`, encoded positionally: no field names are
stored, which keeps an annotation object to a few dozen bytes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

import msgpack
from eventsourcing.persistence import Transcoder, Transcoding

from infrastructure.rings import RING_CODE, pack_geometry, unpack_ring

_UUID, _TUPLE, _CUSTOM = 1, 2, 3


class MsgpackTranscoder(Transcoder):
    def __init__(self) -> None:
        self.types: dict[type, Transcoding] = {}
        self.names: dict[str, Transcoding] = {}

    def register(self, transcoding: Transcoding) -> None:
        self.types[transcoding.type] = transcoding
        self.names[transcoding.name] = transcoding

    def encode(self, obj: Any) -> bytes:
        return msgpack.packb(obj, default=self._default, strict_types=True, datetime=True)

    def decode(self, data: bytes) -> Any:
        return msgpack.unpackb(
            data, ext_hook=self._ext_hook, strict_map_key=False, timestamp=3, raw=False
        )

    def _default(self, obj: Any) -> msgpack.ExtType:
        kind = type(obj)
        if kind is UUID:
            return msgpack.ExtType(_UUID, obj.bytes)
        if kind is tuple:
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

    def _ext_hook(self, code: int, data: bytes) -> Any:
        if code == _UUID:
            return UUID(bytes=data)
        if code == _TUPLE:
            return tuple(self.decode(data))
        if code == RING_CODE:
            return unpack_ring(data)
        if code == _CUSTOM:
            name, payload = self.decode(data)
            if name == "naive_datetime":
                return datetime.fromisoformat(payload)
            try:
                return self.names[name].decode(payload)
            except KeyError:
                msg = (
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
                raise TypeError(msg) from None
        return msgpack.ExtType(code, data)


class PositionalTranscoding(Transcoding):
    """Encodes a frozen dataclass as the list of its field values, in order."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__
        self._fields = tuple(f.name for f in dataclasses.fields(cls))

    def encode(self, obj: Any) -> list[Any]:
        return [getattr(obj, f) for f in self._fields]

    def decode(self, data: list[Any]) -> Any:
        return self.type(*data)


def register_values(transcoder: MsgpackTranscoder, *classes: type) -> None:
    for cls in classes:
        transcoder.register(PositionalTranscoding(cls))


class AnnotationObjectTranscoding(PositionalTranscoding):
    """Positional, with coordinate rings packed as fixed-point integers where exact."""

    def encode(self, obj: Any) -> list[Any]:
        fields = super().encode(obj)
        fields[2] = pack_geometry(fields[2])
        return fields


class LedgerTranscoder(MsgpackTranscoder):
    """The transcoder the application uses: msgpack plus annoledger's value objects."""

    def __init__(self) -> None:
        super().__init__()
        from domain import values

        register_values(
            self, values.MediaLink, values.ObjectClass, values.TagMeta, values.Tag,
            values.Dataset, values.Version, values.Provenance, values.ItemInfo,
        )
        self.register(AnnotationObjectTranscoding(values.AnnotationObject))
