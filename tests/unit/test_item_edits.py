"""Every edit of an object is recorded as made, in memory: each field's change has its
event, an object keeps its shape across a class change, and ``updated_at`` follows one
rule (:func:`domain.item.stamped`) whichever command changes the object."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace

import pytest

from domain.errors import ValidationError
from domain.item import stamped
from domain.values import AnnotationObject, Tag
from tests.unit.events import names, payload
from tests.unit.test_item_aggregate import (
    ALICE,
    ANY,
    BOX,
    BY_BOB,
    CAT,
    CRATE,
    DOG,
    FLAG,
    META,
    NOW,
    WHISKER,
    _assert_replays,
    _refused_without_event,
    _state,
    _uploaded,
    box,
    point,
)
from tests.unit.test_item_aggregate import BOB as BOB_CTX

THEN = "2025-05-05T05:05:05.000Z"


def test_relabelling_and_describing_an_object_records_its_details_dated_now() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, BOB_CTX, NOW, labeler="zoe", description="whiskers only")
    events = item.collect_events()
    assert names(events) == ["ObjectDetailsChanged"]
    assert payload(events[0]) == {
        "object_id": 7, "labeler": "zoe", "description": "whiskers only",
        "created_at": WHISKER.created_at, "updated_at": NOW, "extra": {}, **BY_BOB}
    assert item.objects[7] == replace(WHISKER, labeler="zoe", description="whiskers only",
                                      updated_at=NOW)
    _assert_replays(item, [*history, *events])


def test_a_time_given_with_a_change_is_kept_as_given() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, ALICE, NOW, geometry=point(9, 9), updated_at=THEN)
    events = item.collect_events()
    assert names(events) == ["ObjectGeometryChanged"]
    assert item.objects[7].updated_at == THEN
    _assert_replays(item, [*history, *events])


def test_a_time_given_alone_is_a_change_of_its_own() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, ALICE, NOW, updated_at=THEN)
    events = item.collect_events()
    assert names(events) == ["ObjectDetailsChanged"]
    assert item.objects[7] == replace(WHISKER, updated_at=THEN)
    _assert_replays(item, [*history, *events])


def test_every_kind_of_change_at_once_records_one_event_each_in_order() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, ALICE, NOW, class_id=DOG, geometry=point(1, 2),
                       tags=(Tag(FLAG),), labeler="zoe", extra={"priority": 2})
    events = item.collect_events()
    assert names(events) == ["ObjectClassChanged", "ObjectTagsChanged", "ObjectDetailsChanged"]
    assert item.objects[7] == AnnotationObject(
        7, DOG, point(1, 2), (Tag(FLAG),), "zoe", WHISKER.created_at, NOW, "",
        {"priority": 2})
    _assert_replays(item, [*history, *events])


def test_giving_an_object_what_it_has_records_nothing_and_keeps_its_time() -> None:
    item, _ = _uploaded()
    item.change_object(META, 7, ALICE, NOW, labeler=WHISKER.labeler, class_id=CAT,
                       description="", geometry=point(3, 4))
    assert item.collect_events() == []
    assert item.objects[7] == WHISKER


def test_a_class_change_in_a_replaced_annotation_keeps_the_shape() -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    crate_as_point = AnnotationObject(8, CAT, point(0, 0))
    with pytest.raises(ValidationError, match="is a rectangle and would become a point") as err:
        item.replace_annotation(META, _state(objects=(WHISKER, crate_as_point)), ALICE, NOW)
    assert err.value.field == "objects[1].classId"
    _refused_without_event(item, before)
    assert item.reshaped(META, (WHISKER, crate_as_point)) == [8]


def test_an_object_moving_into_an_any_class_carries_its_shape_there_and_back() -> None:
    item, history = _uploaded()
    item.change_object(META, 8, ALICE, NOW, class_id=ANY)
    assert item.objects[8].geometry == {**CRATE.geometry, "geometryType": "rectangle"}
    item.change_object(META, 8, ALICE, NOW, class_id=BOX)
    assert item.objects[8].geometry == CRATE.geometry
    with pytest.raises(ValidationError) as err:  # an any object carrying a point
        item.change_object(META, 8, ALICE, NOW, class_id=ANY,
                           geometry={**point(1, 1), "geometryType": "point"})
    assert err.value.field == "classId"
    _assert_replays(item, [*history, *item.collect_events()])


def test_a_replaced_annotation_dates_what_it_changes_and_nothing_else() -> None:
    item, history = _uploaded()
    undated_whisker = replace(WHISKER, updated_at="")
    moved_crate = AnnotationObject(8, BOX, box(0, 0, 20, 20))
    item.replace_annotation(META, _state(objects=(undated_whisker, moved_crate)), ALICE, NOW)
    assert item.objects[7] == WHISKER  # unchanged: its time stays
    assert item.objects[8].updated_at == NOW  # changed, no time given: now
    events = item.collect_events()
    assert names(events) == ["AnnotationReplaced"]
    _assert_replays(item, [*history, *events])
    item.replace_annotation(META, _state(objects=(undated_whisker, moved_crate)), ALICE, THEN)
    assert item.collect_events() == []  # sent again: nothing changes, not even a time


def test_describing_an_item_records_its_description_alone() -> None:
    item, history = _uploaded()
    item.describe("sunset", ALICE)
    item.describe("sunset", ALICE)
    events = item.collect_events()
    assert names(events) == ["DescriptionChanged"]
    assert item.description == "sunset"
    _assert_replays(item, [*history, *events])


@pytest.mark.parametrize(("old", "new", "expected"), [
    (None, AnnotationObject(1, CAT, point(0, 0)), ""),  # new: as given
    (WHISKER, replace(WHISKER, updated_at=""), WHISKER.updated_at),  # unchanged
    (WHISKER, replace(WHISKER, labeler="x", updated_at=""), NOW),  # changed
    (WHISKER, replace(WHISKER, labeler="x", updated_at=THEN), THEN),  # given
    (WHISKER, replace(WHISKER, updated_at=THEN), THEN),  # given alone
])
def test_the_update_time_rule(old: AnnotationObject | None, new: AnnotationObject,
                              expected: str) -> None:
    assert stamped(old, new, NOW).updated_at == expected
