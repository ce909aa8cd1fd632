"""An item's objects are stored as one extension of rows, decoded in one pass; states
stored before (one extension per object) decode to the same values."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgpack

from domain.values import AnnotationObject, ItemInfo, MediaLink, Tag
from infrastructure.codec import LedgerTranscoder
from infrastructure.rings import pack_geometry

POLYGON = {"points": {"exterior": [[10.5, 20.25], [30.75, 40.0], [12.0, 41.5]],
                      "interior": [[[15.0, 25.0], [16.0, 26.0], [15.5, 27.0]]]}}
BOX = {"points": {"exterior": [[1, 2], [30, 40]], "interior": []}}
OBJECTS = (
    AnnotationObject(1, 7, POLYGON, (Tag(3, "red", "ann", "t0", "t1", 99, {"k": [1]}),),
                     "ann", "t0", "t1", "a car", {"nnCreated": True}),
    AnnotationObject(2, 8, BOX),
    AnnotationObject(3, 7, {"points": {"exterior": [[-0.0, 1.0], [2.0, 3.0]],
                                       "interior": []}}),
)


def _state(objects: tuple[Any, ...] = OBJECTS) -> dict[str, Any]:
    return {"project_id": uuid4(), "dataset_id": 1, "name": "a.jpg",
            "media": MediaLink("a.jpg", "ab" * 32, 10, 640, 480),
            "tags": (Tag(4, 1.5),), "objects": objects, "description": "",
            "info": ItemInfo(id=5, meta={"x": 1})}


def _shape(value: Any) -> Any:
    """``value`` with every type spelled out: equal values of other types differ."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value).__name__, [_shape(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return type(value).__name__, [_shape(getattr(value, f))
                                      for f in value.__dataclass_fields__]
    return type(value).__name__, value


def _extensions(data: bytes) -> list[int]:
    codes: list[int] = []

    def hook(code: int, payload: bytes) -> None:
        codes.append(code)
        if code in (2, 3, 5):
            msgpack.unpackb(payload, ext_hook=hook, strict_map_key=False, timestamp=3)

    msgpack.unpackb(data, ext_hook=hook, strict_map_key=False, timestamp=3)
    return codes


def test_objects_round_trip_as_rows_with_every_type_kept() -> None:
    transcoder = LedgerTranscoder()
    state = _state()
    data = transcoder.encode(state)
    assert _extensions(data).count(5) == 2  # the item's tags, its objects (theirs within)
    assert _extensions(data).count(3) == 2  # the media link and the info, one each
    back = transcoder.decode(data)
    assert back == state
    assert _shape(back) == _shape(state)
    assert str(back["objects"][2].geometry["points"]["exterior"][0][0]) == "-0.0"


def test_states_stored_with_an_extension_per_object_decode_to_the_same_values() -> None:
    def ext3(name: str, fields: list[Any]) -> msgpack.ExtType:
        return msgpack.ExtType(3, msgpack.packb([name, fields], strict_types=True,
                                                default=default))

    def default(obj: Any) -> Any:
        if isinstance(obj, tuple):
            return msgpack.ExtType(2, msgpack.packb(list(obj), strict_types=True,
                                                    default=default))
        if isinstance(obj, Tag):
            return ext3("Tag", [obj.meta_id, obj.value, obj.labeler, obj.created_at,
                                obj.updated_at, obj.id, obj.extra])
        if isinstance(obj, AnnotationObject):
            return ext3("AnnotationObject", [
                obj.id, obj.class_id, pack_geometry(obj.geometry), obj.tags, obj.labeler,
                obj.created_at, obj.updated_at, obj.description, obj.extra])
        raise TypeError(obj)

    objects = OBJECTS[:2]
    old = msgpack.packb({"objects": objects}, strict_types=True, default=default)
    back = LedgerTranscoder().decode(old)
    assert back == {"objects": objects}
    assert _shape(back) == _shape({"objects": objects})


def test_rows_stored_before_a_trailing_field_take_its_default() -> None:
    transcoder = LedgerTranscoder()
    rows = ["AnnotationObject", [[9, 7, BOX, [], "ann", "t0", "t1", "old"]]]  # no extra
    data = msgpack.packb(msgpack.ExtType(5, msgpack.packb(rows)))
    assert transcoder.decode(data) == (AnnotationObject(9, 7, BOX, (), "ann", "t0", "t1",
                                                        "old"),)


def test_tuples_that_are_not_rows_of_one_value_type_are_encoded_one_by_one() -> None:
    transcoder = LedgerTranscoder()
    mixed = (Tag(1), MediaLink("a", "", 0, 1, 1))
    listed = (AnnotationObject(1, 2, BOX, [Tag(1)]),)  # type: ignore[arg-type]
    for value in (mixed, listed, (1, "a"), ()):
        data = transcoder.encode(value)
        assert 5 not in _extensions(data)
        assert _shape(transcoder.decode(data)) == _shape(value)


def test_states_decoded_in_bulk_are_complete_when_the_bulk_ends() -> None:
    transcoder = LedgerTranscoder()
    states = [_state(), _state(OBJECTS[1:])]
    data = [transcoder.encode(s) for s in states]
    with transcoder.decoding_in_bulk():
        with transcoder.decoding_in_bulk():  # within another: that one completes them
            back = [transcoder.decode(d) for d in data]
        assert back[1]["objects"][0].geometry["points"]["exterior"] == []  # not yet
    assert back == states and _shape(back) == _shape(states)
    assert transcoder.decode(data[0]) == states[0]  # after it: each state at once again


def test_a_failed_bulk_leaves_the_next_decodes_whole() -> None:
    transcoder = LedgerTranscoder()
    data = transcoder.encode(_state())
    try:
        with transcoder.decoding_in_bulk():
            transcoder.decode(data)
            raise RuntimeError("a read failed")
    except RuntimeError:
        pass
    assert transcoder.decode(data)["objects"] == OBJECTS


def test_objects_prepared_together_encode_to_the_same_bytes() -> None:
    transcoder = LedgerTranscoder()
    many = tuple(AnnotationObject(i, 7, {"points": {"exterior": [
        [x / 100 + i, x / 10] for x in range(30)], "interior": []}}) for i in range(1, 9))
    states = [_state(many[:4]), _state(many[4:])]
    alone = [transcoder.encode(s) for s in states]
    with transcoder.encoding_in_bulk(many[1:]):  # the first one is packed when encoded
        together = [transcoder.encode(s) for s in states]
        other = transcoder.encode(_state(OBJECTS))
    assert together == alone
    assert transcoder.decode(other)["objects"] == OBJECTS
    assert [transcoder.decode(d) for d in together] == states
