"""Our msgpack transcoder passes eventsourcing's ``TranscoderTestCase``.

The suite was written for the JSON transcoder: a few of its tests assert JSON byte
literals (``b'"a"'``, ``b'{"a":1}'``...) or decode hand-written JSON. Only those are
overridden below, each with the same round trips and the exact msgpack bytes instead;
every other test of the suite runs unchanged. The suite's custom types (and the
subclasses of ``dict``, ``list``, ``str`` and ``int`` it round-trips) are registered as
transcodings, as the library's own transcoder tests do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import TestCase
from uuid import UUID

import msgpack
from eventsourcing.persistence import Transcoder, Transcoding
from eventsourcing.tests import persistence as suites

from domain.values import AnnotationObject, MediaLink, Tag, Version
from infrastructure.codec import LedgerTranscoder, MsgpackTranscoder

UUID_HEX = "b2723fe2c01a40d2875ea3aac6a09ff5"


class _AsBuiltin(Transcoding):
    """A subclass of a builtin, carried as the builtin value it wraps."""

    def __init__(self, cls: type, name: str, builtin: type) -> None:
        self.type, self.name, self._builtin = cls, name, builtin

    def encode(self, obj: Any) -> Any:
        return self._builtin(obj)

    def decode(self, data: Any) -> Any:
        return self.type(data)


def _register_suite_types(transcoder: MsgpackTranscoder) -> MsgpackTranscoder:
    transcoder.register(suites.CustomType1AsDict())
    transcoder.register(suites.CustomType2AsDict())
    transcoder.register(_AsBuiltin(suites.Mydict, "mydict", dict))
    transcoder.register(_AsBuiltin(suites.MyList, "mylist", list))
    transcoder.register(_AsBuiltin(suites.MyStr, "mystr", str))
    transcoder.register(_AsBuiltin(suites.MyInt, "myint", int))
    return transcoder


class _MsgpackOverrides(TestCase):
    __test__ = False  # a mixin: collected only through the concrete classes below
    transcoder: Transcoder

    def assert_round_trip(self, obj: object, expected: bytes) -> None:
        data = self.transcoder.encode(obj)
        self.assertEqual(data, expected)
        copy = self.transcoder.decode(data)
        self.assertEqual(copy, obj)
        self.assertIs(type(copy), type(obj))

    # Override: the suite asserts JSON strings (b'"a"') and decodes a legacy JSON
    # encoding with \u escapes; msgpack strings are a length-prefixed UTF-8 "fixstr".
    def test_str(self) -> None:
        self.assert_round_trip("a", b"\xa1a")
        self.assert_round_trip("abc", b"\xa3abc")
        self.assert_round_trip("a'b", b"\xa3a'b")
        self.assert_round_trip('a"b', b'\xa3a"b')
        self.assert_round_trip("🐈 哈哈", b"\xab" + "🐈 哈哈".encode())
        long = "x" * 40  # past fixstr: a str8 header
        self.assert_round_trip(long, b"\xd9\x28" + long.encode())

    # Override: the suite asserts JSON objects (b'{"a":1}'); msgpack maps are "fixmap".
    def test_dict(self) -> None:
        self.assert_round_trip({}, b"\x80")
        self.assert_round_trip({"a": 1}, b"\x81\xa1a\x01")
        self.assert_round_trip({"a": 1, "b": 2}, b"\x82\xa1a\x01\xa1b\x02")
        self.assert_round_trip({"a": {}}, b"\x81\xa1a\x80")
        self.assert_round_trip({"a": {}, "b": {}}, b"\x82\xa1a\x80\xa1b\x80")
        self.assert_round_trip({"a": {"b": {}}}, b"\x81\xa1a\x81\xa1b\x80")
        self.assert_round_trip({"a": {"b": {"c": 1}}}, b"\x81\xa1a\x81\xa1b\x81\xa1c\x01")

    # Override: the suite asserts {"_type_":"mydict",...} JSON; here the registered
    # transcoding travels as extension type 3 holding ["mydict", {"a": 1}].
    def test_dict_subclass(self) -> None:
        inner = msgpack.packb(["mydict", {"a": 1}])
        self.assert_round_trip(suites.Mydict({"a": 1}),
                               msgpack.packb(msgpack.ExtType(3, inner)))

    # Override: the suite asserts an empty tuple as {"_type_":"tuple_as_list",...}
    # JSON; msgpack carries tuples as extension type 2 holding a list.
    def test_tuple(self) -> None:
        self.assert_round_trip((), b"\xd4\x02\x90")
        self.assert_round_trip(((),), b"\xd6\x02\x91\xd4\x02\x90")
        for obj in (((1, 2),), (("a", "b"),), ((1, "a"),)):
            self.assertEqual(self.transcoder.decode(self.transcoder.encode(obj)), obj)

    # Override: the suite asserts nested {"_type_":...,"_data_":...} JSON with the
    # UUID as hex; here: nested extension types 3, the UUID as extension type 1.
    def test_nested_custom_type(self) -> None:
        obj = suites.CustomType2(suites.CustomType1(UUID(UUID_HEX)))
        uuid_ext = msgpack.ExtType(1, UUID(UUID_HEX).bytes)
        type1 = msgpack.ExtType(3, msgpack.packb(["custom_type1_as_dict", uuid_ext]))
        type2 = msgpack.ExtType(3, msgpack.packb(["custom_type2_as_dict", type1]))
        data = self.transcoder.encode(obj)
        self.assertEqual(data, msgpack.packb(type2))
        copy = self.transcoder.decode(data)
        self.assertIsInstance(copy, suites.CustomType2)
        self.assertIsInstance(copy.value, suites.CustomType1)
        self.assertEqual(copy.value.value, UUID(UUID_HEX))

    # Override: the encoding half is the suite's, unchanged; its decoding half feeds
    # hand-written JSON, replaced by the msgpack form of an unregistered custom type.
    def test_custom_type_error(self) -> None:
        message = ("Object of type <class 'eventsourcing.tests.persistence.MyClass'> is not "
                   "serializable. Please define and register a custom transcoding for "
                   "this type.")
        for obj in (suites.MyClass(), {"a": suites.MyClass()}):
            with self.assertRaises(TypeError) as cm:
                self.transcoder.encode(obj)
            self.assertEqual(cm.exception.args[0], message)
        data = msgpack.packb(msgpack.ExtType(3, msgpack.packb(["custom_type3_as_dict", ""])))
        with self.assertRaises(TypeError) as cm:
            self.transcoder.decode(data)
        self.assertEqual(
            cm.exception.args[0],
            "Data serialized with name 'custom_type3_as_dict' is not deserializable. "
            "Please register a custom transcoding for this type.",
        )


class TestMsgpackTranscoder(_MsgpackOverrides, suites.TranscoderTestCase):
    __test__ = True

    def construct_transcoder(self) -> Transcoder:
        return _register_suite_types(MsgpackTranscoder())


class TestLedgerTranscoder(_MsgpackOverrides, suites.TranscoderTestCase):
    """The transcoder the application uses: the suite, then our own value objects."""

    __test__ = True

    def construct_transcoder(self) -> Transcoder:
        return _register_suite_types(LedgerTranscoder())

    def test_value_objects_and_times_round_trip_with_their_types(self) -> None:
        media = MediaLink("file:///m/cat1.jpg", "ab" * 32, 1234, 640, 480)
        obj = AnnotationObject(7, 1, {"points": {"exterior": [[1, 2], [3, 4]], "interior": []}},
                               (Tag(2, "x", "armen"),), "armen", "t0", "t1")
        version = Version(1, "first", "", "alice", "2024-01-01T00:00:00.000Z", 12, "ff" * 32)
        aware = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
        naive = datetime(2024, 5, 1, 12, 30, 15, 123456)
        value = {"media": media, "objects": (obj,), "version": version, "aware": aware,
                 "naive": naive, "id": UUID(UUID_HEX), 3: "int key"}
        copy = self.transcoder.decode(self.transcoder.encode(value))
        self.assertEqual(copy, value)
        self.assertIs(type(copy["objects"]), tuple)
        self.assertIs(type(copy["objects"][0].tags), tuple)
        self.assertEqual(copy["aware"].tzinfo, UTC)
        self.assertIsNone(copy["naive"].tzinfo)
