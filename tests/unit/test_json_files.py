"""JSON files as imports read them and exports write them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from domain.errors import ValidationError
from infrastructure.formats.files import json_bytes, parse_json, write_new


def test_integers_of_any_size_are_read_exactly() -> None:
    data = parse_json(b'{"id": 18446744073709551616, "n": -9223372036854775809}', "f.json")
    assert data == {"id": 2**64, "n": -(2**63) - 1}
    assert all(type(v) is int for v in data.values())


def test_what_only_the_standard_library_reads_is_still_read() -> None:
    assert math.isnan(parse_json(b'{"x": NaN}', "f.json")["x"])
    assert parse_json('{"x": "ü"}'.encode("utf-16"), "f.json") == {"x": "ü"}


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1,\n "b": }', "invalid JSON at line 2, column 7"),
    (b'{"a": "\xff"}', "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_bad_json_names_the_file_and_where(raw: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_json(raw, "ds/ann/a.jpg.json")
    assert caught.value.field == "ds/ann/a.jpg.json" and message in caught.value.message


def test_written_json_is_one_line_that_reads_back_as_the_value(tmp_path: Path) -> None:
    value = {"name": "Straße 北", "points": [[0.1, 1e-07], [2**63, -1]], "none": None}
    path = tmp_path / "a.json"
    write_new(path, json_bytes(value))
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("\n") and "Straße 北" in text
    assert json.loads(text) == value
    with pytest.raises(FileExistsError):
        write_new(path, b"{}")
