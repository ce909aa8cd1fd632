"""The one name rule for projects, datasets and items (``domain.names``)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from domain.errors import ValidationError
from domain.names import (
    MAX_ITEM_NAME_BYTES,
    MAX_NAME_BYTES,
    check_dataset_name,
    check_item_name,
    check_project_name,
)

Check = Callable[[object, str], str]
CHECKS: dict[str, Check] = {
    "project": check_project_name, "dataset": check_dataset_name, "item": check_item_name}

HOSTILE: list[tuple[str, object, str]] = [
    ("parent path", "../../etc/passwd", "'/'"),
    ("absolute path", "/abs/path.jpg", "'/'"),
    ("sub-folder", "dir/x.jpg", "'/'"),
    ("dot-dot", "..", "folder itself"),
    ("dot", ".", "folder itself"),
    ("backslash", "a\\b.jpg", "'\\'"),
    ("right-to-left override", "cat\u202egpj.exe", "U+202E"),
    ("left-to-right embedding", "a\u202ab", "U+202A"),
    ("first strong isolate", "a\u2068b", "U+2068"),
    ("pop directional isolate", "a\u2069b", "U+2069"),
    ("only a space", " ", "empty"),
    ("only spaces and tabs", " \t ", "empty"),
    ("empty", "", "empty"),
    ("leading space", " cat.jpg", "start or end"),
    ("trailing space", "cat.jpg ", "start or end"),
    ("trailing newline", "cat\n", "start or end"),
    ("inner newline", "ca\nt", "U+000A"),
    ("carriage return", "ca\rt", "U+000D"),
    ("tab", "ca\tt", "U+0009"),
    ("NUL", "ca\x00t", "NUL"),
    ("escape", "ca\x1b[31mt", "U+001B"),
    ("delete", "ca\x7ft", "U+007F"),
    ("next line", "ca\x85t", "U+0085"),
    ("line separator", "ca\u2028t", "U+2028"),
    ("paragraph separator", "ca\u2029t", "U+2029"),
    ("lone surrogate", "ca\udc80t", "Unicode"),
    ("annotation folder", "ann", "layout"),
    ("image folder", "img", "layout"),
    ("image info folder", "img_info", "layout"),
    ("meta folder", "meta", "layout"),
    ("annotation folder, other case", "ANN", "layout"),
    ("too long in ASCII", "a" * (MAX_NAME_BYTES + 1), "bytes"),
    ("too long in UTF-8", "é" * 128, "bytes"),
    ("not a string", 7, "string"),
]


@pytest.mark.parametrize("kind", sorted(CHECKS))
@pytest.mark.parametrize(("case", "name", "reason"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_every_kind_refuses_hostile_names(kind: str, case: str, name: object,
                                          reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CHECKS[kind](name, "items[3].name")
    assert caught.value.field == "items[3].name"
    assert reason in caught.value.message


GOOD = ["cat.jpg", "COCO_val2014_000000000042.jpg", "chat noir.png", "猫.jpg",
        "a.b.c", "...", "..a", "name-with-dashes_and_underscores", "annotations",
        "image\u200e.jpg", "\u200fright.jpg", "meta.json", "img.png"]


@pytest.mark.parametrize("kind", sorted(CHECKS))
@pytest.mark.parametrize("name", GOOD)
def test_ordinary_names_pass_unchanged(kind: str, name: str) -> None:
    assert CHECKS[kind](name, "name") == name


def test_the_longest_names_fit_the_file_system_with_the_export_suffix() -> None:
    assert check_project_name("p" * MAX_NAME_BYTES) == "p" * MAX_NAME_BYTES
    assert check_dataset_name("d" * MAX_NAME_BYTES) == "d" * MAX_NAME_BYTES
    assert check_item_name("i" * MAX_ITEM_NAME_BYTES) == "i" * MAX_ITEM_NAME_BYTES
    with pytest.raises(ValidationError, match=f"at most {MAX_ITEM_NAME_BYTES}"):
        check_item_name("i" * (MAX_ITEM_NAME_BYTES + 1))
    assert len(("i" * MAX_ITEM_NAME_BYTES + ".json").encode()) == MAX_NAME_BYTES


UUID_SPELLINGS = [
    "7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10", "7F0C56B0-55C4-4A8C-9D3F-2F1B8D5E9A10",
    "7f0c56b055c44a8c9d3f2f1b8d5e9a10", "{7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10}",
    "urn:uuid:7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10",
]


@pytest.mark.parametrize("name", UUID_SPELLINGS)
def test_a_project_name_may_not_read_as_an_id(name: str) -> None:
    UUID(name)  # each spelling is one the id-or-name lookup would read as an id
    with pytest.raises(ValidationError, match="reads as a project id"):
        check_project_name(name, "name")
    assert check_dataset_name(name) == name
    if "/" not in name and ":" not in name:
        assert check_item_name(name) == name


def test_datasets_is_reserved_for_dataset_names_only() -> None:
    with pytest.raises(ValidationError, match="nested datasets"):
        check_dataset_name("datasets", "datasets[2].name")
    with pytest.raises(ValidationError, match="nested datasets"):
        check_dataset_name("Datasets", "name")
    assert check_item_name("datasets") == "datasets"
    assert check_project_name("datasets") == "datasets"
