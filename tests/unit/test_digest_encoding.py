"""The digest's canonical bytes, written by orjson where it can, are the definition's
bytes (the standard library's JSON): every digest stored before still verifies."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import domain.digest as digest
from domain.digest import item_hash
from domain.state import ItemState
from domain.values import AnnotationObject, ItemInfo, MediaLink, Tag
from infrastructure.formats import read_supervisely
from tests.conftest import DEMO, FIXTURES

OLD_LAYOUT = FIXTURES / "supervisely_old_layout" / "project_structure"

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_the_fast_bytes_are_the_canonical_bytes_for_any_finite_json(value: Any) -> None:
    assert digest._fast_canonical(value) == digest._canonical(value)


@pytest.mark.parametrize("value", [1e-05, -7.18e-09, 1.5e-300, 1e16, 1.5e300, 2**64 - 1,
                                   2**70, -(2**63) - 1, {"b": 1, "a": [0.00001]}, "e-5",
                                   {1: "int key"}])
def test_values_the_two_encoders_could_write_apart_get_the_canonical_bytes(
        value: Any) -> None:
    assert digest._fast_canonical(value) == digest._canonical(value)


def _by_definition(item: ItemState, monkeypatch: pytest.MonkeyPatch) -> int:
    with monkeypatch.context() as patched:
        patched.setattr(digest, "_fast_canonical", digest._canonical)
        return item_hash(item)


def _real_items() -> list[ItemState]:
    return [*read_supervisely(DEMO).items.values(),
            *read_supervisely(OLD_LAYOUT).items.values()]


def test_real_items_hash_as_the_definition_says(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _real_items()
    assert any(o.geometry.get("bitmap") for i in items for o in i.objects)  # masks included
    for item in items:
        assert item_hash(item) == _by_definition(item, monkeypatch), item.name


@pytest.mark.parametrize("given_as_is", [math.nan, math.inf, -math.inf, 1e-07, 2**70])
def test_json_kept_as_given_with_what_orjson_writes_otherwise_hashes_by_definition(
        given_as_is: float, monkeypatch: pytest.MonkeyPatch) -> None:
    obj = AnnotationObject(7, 1, {"points": {"exterior": [[1, 2], [3, 4]], "interior": []}},
                           (Tag(2, 1.5, "ann", extra={"score": given_as_is}),),
                           extra={"nnScore": given_as_is})
    item = ItemState(1, "a.jpg", MediaLink("a.jpg", "", 0, 10, 10), objects=(obj,),
                     info=ItemInfo(meta={"x": given_as_is}))
    expected = _by_definition(item, monkeypatch)
    assert item_hash(item) == expected
    assert item_hash(replace(item, info=None)) == _by_definition(replace(item, info=None),
                                                                  monkeypatch)
    if isinstance(given_as_is, float) and not math.isfinite(given_as_is):
        assert digest._fast_canonical([given_as_is]) != digest._canonical([given_as_is])
