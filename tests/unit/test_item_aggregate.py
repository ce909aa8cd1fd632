"""Specifications of the Item aggregate, in memory: no application, no recorder.

An item's annotation is checked against its project's meta (classes, tag metas,
datasets) given as a plain :class:`MetaState`. Each command is checked three ways: the
state it leaves, the events it records (names and payloads), and that replaying the
events rebuilds an equal item. Each refusal raises the named domain error and records
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Any
from uuid import UUID

import pytest

from domain.errors import GeometryError, NotFoundError, ValidationError
from domain.item import Item, restored_item
from domain.state import ItemState, MetaState
from domain.values import (
    AnnotationObject,
    Context,
    Dataset,
    MediaLink,
    ObjectClass,
    Tag,
    TagMeta,
)
from tests.unit.events import names, payload
from tests.unit.events import replayed as replay

PROJECT = UUID("00000000-0000-4000-8000-00000000000a")
SESSION = UUID("00000000-0000-4000-8000-000000000001")
ALICE = Context("alice")
BOB = Context("bob", session_id=SESSION)
BY_BOB = {"actor": "bob", "session_id": SESSION}
NOW = "2026-02-01T10:00:00.000Z"

CAT, BOX, DOG, ANY = 1, 2, 3, 4
QUALITY, SCORE, NOTE, FLAG = 1, 2, 3, 4
TRAIN, VAL = 1, 2

META = MetaState(
    "zoo",
    classes={
        CAT: ObjectClass(CAT, "cat", "point"),
        BOX: ObjectClass(BOX, "box", "rectangle"),
        DOG: ObjectClass(DOG, "dog", "point"),
        ANY: ObjectClass(ANY, "thing", "any"),
    },
    tag_metas={
        QUALITY: TagMeta(QUALITY, "quality", "oneof_string", ("good", "bad")),
        SCORE: TagMeta(SCORE, "score", "any_number", applicable_type="objectsOnly"),
        NOTE: TagMeta(NOTE, "note", "any_string", applicable_type="imagesOnly"),
        FLAG: TagMeta(FLAG, "flag"),
    },
    datasets={TRAIN: Dataset(TRAIN, "train"), VAL: Dataset(VAL, "val")},
)
MEDIA = MediaLink("s3://bucket/cat.jpg", "ab" * 32, 1024, 640, 480)


def point(x: float, y: float) -> dict[str, Any]:
    return {"points": {"exterior": [[x, y]], "interior": []}}


def box(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    return {"points": {"exterior": [[x1, y1], [x2, y2]], "interior": []}}


WHISKER = AnnotationObject(7, CAT, point(3, 4), (Tag(SCORE, 0.9),), "alice",
                           "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
CRATE = AnnotationObject(8, BOX, box(0, 0, 10, 5))


def _state(**overrides: Any) -> ItemState:
    fields: dict[str, Any] = {
        "dataset_id": TRAIN, "name": "cat.jpg", "media": MEDIA,
        "tags": (Tag(QUALITY, "good"), Tag(NOTE, "sunny")),
        "objects": (WHISKER, CRATE), "description": "a cat",
    }
    fields.update(overrides)
    return ItemState(**fields)


def _uploaded(state: ItemState | None = None) -> tuple[Item, list[Any]]:
    """An item and its upload event, kept aside to replay the whole history later."""
    item = Item.upload(PROJECT, META, state or _state(), ALICE)
    return item, list(item.collect_events())







def _assert_replays(item: Item, history: Sequence[Any]) -> None:
    """Replaying the whole history rebuilds the item, attribute for attribute."""
    replayed = replay(history, Item)
    assert replayed.to_state() == item.to_state()
    assert vars(replayed) == vars(item)


def _refused_without_event(item: Item, before: dict[str, Any]) -> None:
    assert item.collect_events() == []
    assert vars(item) == before


# -- upload ------------------------------------------------------------------------------


def test_an_uploaded_item_holds_its_media_tags_objects_and_description() -> None:
    item, _ = _uploaded()
    assert item.project_id == PROJECT
    assert (item.dataset_id, item.name, item.media) == (TRAIN, "cat.jpg", MEDIA)
    assert item.tags == (Tag(QUALITY, "good"), Tag(NOTE, "sunny"))
    assert item.objects == {7: WHISKER, 8: CRATE}
    assert item.description == "a cat"
    assert item.removed is False
    assert item.to_state() == _state(id=item.id)


def test_uploading_records_one_uploaded_event_with_the_whole_content() -> None:
    item = Item.upload(PROJECT, META, _state(), BOB)
    events = item.collect_events()
    assert names(events) == ["Uploaded"]
    assert events[0].originator_id == item.id
    assert payload(events[0]) == {
        "project_id": PROJECT, "dataset_id": TRAIN, "name": "cat.jpg", "media": MEDIA,
        "tags": (Tag(QUALITY, "good"), Tag(NOTE, "sunny")), "objects": (WHISKER, CRATE),
        "description": "a cat", **BY_BOB, "info": None,
    }


def test_replaying_the_upload_rebuilds_an_equal_item() -> None:
    item, history = _uploaded()
    _assert_replays(item, history)


def test_an_upload_records_the_geometry_in_its_canonical_form() -> None:
    reversed_corners = AnnotationObject(8, BOX, box(10, 5, 0, 0))
    item, history = _uploaded(_state(objects=(reversed_corners,)))
    assert item.objects[8].geometry == box(0, 0, 10, 5)  # corners ordered min, max
    assert payload(history[0])["objects"][0].geometry == box(0, 0, 10, 5)


def test_an_object_of_a_class_of_any_shape_keeps_its_geometry_type() -> None:
    thing = AnnotationObject(9, ANY, {**box(0, 0, 2, 2), "geometryType": "rectangle"})
    item, _ = _uploaded(_state(objects=(thing,)))
    assert item.objects[9].geometry["geometryType"] == "rectangle"


def test_a_geometry_type_on_an_object_of_a_concrete_class_is_dropped() -> None:
    labelled = AnnotationObject(9, CAT, {**point(1, 2), "geometryType": "point"})
    item, _ = _uploaded(_state(objects=(labelled,)))
    assert item.objects[9].geometry == point(1, 2)


@pytest.mark.parametrize(("state", "field"), [
    (_state(dataset_id=9), "dataset"),
    (_state(objects=(AnnotationObject(7, 99, point(1, 1)),)), "objects[0].class"),
    (_state(objects=(CRATE, AnnotationObject(8, CAT, point(1, 1)))), "objects[1].id"),
    (_state(objects=(AnnotationObject(7, CAT, {**box(0, 0, 1, 1), "geometryType": "rectangle"}),)),
     "objects[0].geometryType"),
    (_state(objects=(AnnotationObject(7, ANY, point(1, 1)),)), "objects[0].geometryType"),
    (_state(tags=(Tag(QUALITY, "great"),)), "tags[0].value"),
    (_state(tags=(Tag(FLAG), Tag(FLAG, "yes"))), "tags[1].value"),
    (_state(tags=(Tag(99, "x"),)), "tags[0]"),
    (_state(tags=(Tag(SCORE, 1.0),)), "tags[0]"),
])
def test_an_upload_that_breaks_a_rule_is_refused_naming_the_field(
    state: ItemState, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        Item.upload(PROJECT, META, state, ALICE)
    assert err.value.field == field


def test_an_upload_with_malformed_geometry_is_refused_naming_the_object_and_the_key() -> None:
    bad = AnnotationObject(8, BOX, point(1, 1))  # a rectangle needs two corners
    with pytest.raises(GeometryError) as err:
        Item.upload(PROJECT, META, _state(objects=(WHISKER, bad)), ALICE)
    assert err.value.field.startswith("objects[1].")
    assert "object 8" in err.value.field
    assert err.value.field.endswith("points.exterior")


def test_an_object_tag_value_outside_its_meta_is_refused_on_upload() -> None:
    bad = AnnotationObject(7, CAT, point(1, 1), (Tag(SCORE, "high"),))
    with pytest.raises(ValidationError) as err:
        Item.upload(PROJECT, META, _state(objects=(bad,)), ALICE)
    assert err.value.field.startswith("objects[0].")
    assert err.value.field.endswith("tags[0].value")


def test_an_image_only_tag_is_refused_on_an_object() -> None:
    bad = AnnotationObject(7, CAT, point(1, 1), (Tag(NOTE, "sunny"),))
    with pytest.raises(ValidationError, match="imagesOnly") as err:
        Item.upload(PROJECT, META, _state(objects=(bad,)), ALICE)
    assert err.value.field.endswith("tags[0]")


# -- objects -----------------------------------------------------------------------------


def test_an_added_object_is_recorded_with_its_canonical_geometry() -> None:
    item, history = _uploaded()
    item.add_object(META, AnnotationObject(9, BOX, box(4, 4, 2, 2), labeler="bob"), BOB)
    expected = AnnotationObject(9, BOX, box(2, 2, 4, 4), labeler="bob")
    assert item.objects[9] == expected
    assert list(item.objects) == [7, 8, 9]
    events = item.collect_events()
    assert names(events) == ["ObjectAdded"]
    assert payload(events[0]) == {"obj": expected, **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_an_object_id_already_in_the_item_is_refused() -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError) as err:
        item.add_object(META, AnnotationObject(7, CAT, point(1, 1)), ALICE)
    assert err.value.field == "id"
    _refused_without_event(item, before)


@pytest.mark.parametrize(("obj", "field"), [
    (AnnotationObject(9, 99, point(1, 1)), "class"),
    (AnnotationObject(9, CAT, {**box(0, 0, 1, 1), "geometryType": "rectangle"}), "geometryType"),
    (AnnotationObject(9, CAT, point(1, 1), (Tag(QUALITY, "great"),)), "object 9 tags[0].value"),
])
def test_an_object_that_breaks_a_rule_is_not_added(obj: AnnotationObject, field: str) -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError) as err:
        item.add_object(META, obj, ALICE)
    assert err.value.field == field
    _refused_without_event(item, before)


@pytest.mark.parametrize(("geometry", "key"), [
    ({"points": {"exterior": [[1, "2"]], "interior": []}}, "points.exterior[0]"),
    ({"points": {"exterior": [[1, float("nan")]], "interior": []}}, "points.exterior[0]"),
    ({"points": {"exterior": [], "interior": []}}, "points.exterior"),
    ({"points": {"exterior": [[1, 1]], "interior": [[[0, 0], [1, 0], [1, 1]]]}},
     "points.interior"),
    ({}, "points"),
])
def test_a_malformed_geometry_is_not_added(geometry: dict[str, Any], key: str) -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(GeometryError) as err:
        item.add_object(META, AnnotationObject(9, CAT, geometry), ALICE)
    assert err.value.field == f"object 9 geometry.{key}"
    _refused_without_event(item, before)


def test_moving_an_object_records_its_new_geometry_and_time() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, BOB, NOW, geometry=point(5, 6))
    assert item.objects[7].geometry == point(5, 6)
    assert item.objects[7].updated_at == NOW
    assert item.objects[7].created_at == WHISKER.created_at
    assert item.objects[7].tags == WHISKER.tags
    events = item.collect_events()
    assert names(events) == ["ObjectGeometryChanged"]
    assert payload(events[0]) == {
        "object_id": 7, "geometry": point(5, 6), "updated_at": NOW, **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_reclassifying_an_object_records_one_class_change_with_its_geometry() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, BOB, NOW, class_id=DOG, geometry=point(5, 6))
    assert (item.objects[7].class_id, item.objects[7].geometry) == (DOG, point(5, 6))
    events = item.collect_events()
    assert names(events) == ["ObjectClassChanged"]
    assert payload(events[0]) == {
        "object_id": 7, "class_id": DOG, "geometry": point(5, 6), "updated_at": NOW, **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_retagging_an_object_records_its_new_tags() -> None:
    item, history = _uploaded()
    tags = (Tag(SCORE, 0.5), Tag(FLAG))
    item.change_object(META, 7, BOB, NOW, tags=tags)
    assert item.objects[7].tags == tags
    assert item.objects[7].geometry == WHISKER.geometry
    events = item.collect_events()
    assert names(events) == ["ObjectTagsChanged"]
    assert payload(events[0]) == {"object_id": 7, "tags": tags, "updated_at": NOW, **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_changing_geometry_and_tags_at_once_records_one_event_for_each() -> None:
    item, history = _uploaded()
    item.change_object(META, 7, ALICE, NOW, geometry=point(0, 0), tags=())
    events = item.collect_events()
    assert names(events) == ["ObjectGeometryChanged", "ObjectTagsChanged"]
    assert (item.objects[7].geometry, item.objects[7].tags) == (point(0, 0), ())
    _assert_replays(item, [*history, *events])


def test_changing_an_object_to_what_it_is_records_nothing() -> None:
    item, _ = _uploaded()
    item.change_object(META, 8, ALICE, NOW, geometry=box(10, 5, 0, 0), class_id=BOX, tags=())
    assert item.collect_events() == []
    assert item.objects[8] == CRATE  # not even the update time moves


def test_reclassifying_an_object_into_a_class_of_another_shape_is_refused() -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError, match="is a point and would become a rectangle") as err:
        item.change_object(META, 7, ALICE, NOW, class_id=BOX, geometry=box(0, 0, 1, 1))
    assert err.value.field == "classId"
    _refused_without_event(item, before)


@pytest.mark.parametrize(("change", "field"), [
    ({"class_id": 99}, "class"),
    ({"geometry": box(0, 0, 1, 1)}, "object 7 geometry.points.exterior"),
    ({"tags": (Tag(SCORE, True),)}, "object 7 tags[0].value"),
    ({"tags": (Tag(NOTE, "sunny"),)}, "object 7 tags[0]"),
])
def test_an_object_change_that_breaks_a_rule_is_refused(
    change: dict[str, Any], field: str
) -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError) as err:
        item.change_object(META, 7, ALICE, NOW, **change)
    assert err.value.field == field
    _refused_without_event(item, before)


def test_changing_or_removing_an_unknown_object_is_refused() -> None:
    item, _ = _uploaded()
    with pytest.raises(NotFoundError) as err:
        item.change_object(META, 99, ALICE, NOW, geometry=point(1, 1))
    assert err.value.kind == "object"
    with pytest.raises(NotFoundError):
        item.remove_object(99, ALICE)
    assert item.collect_events() == []


def test_a_removed_object_is_gone() -> None:
    item, history = _uploaded()
    item.remove_object(7, BOB)
    assert list(item.objects) == [8]
    events = item.collect_events()
    assert names(events) == ["ObjectRemoved"]
    assert payload(events[0]) == {"object_id": 7, **BY_BOB}
    _assert_replays(item, [*history, *events])


# -- item tags ---------------------------------------------------------------------------


def test_setting_a_tag_replaces_the_one_of_the_same_meta() -> None:
    item, history = _uploaded()
    item.set_tag(META, Tag(QUALITY, "bad", "bob"), BOB)
    assert item.tags == (Tag(NOTE, "sunny"), Tag(QUALITY, "bad", "bob"))
    events = item.collect_events()
    assert names(events) == ["TagSet"]
    assert payload(events[0]) == {"tag": Tag(QUALITY, "bad", "bob"), **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_setting_a_new_tag_appends_it() -> None:
    item, _ = _uploaded()
    item.set_tag(META, Tag(FLAG), ALICE)
    assert [t.meta_id for t in item.tags] == [QUALITY, NOTE, FLAG]


@pytest.mark.parametrize(("tag", "field"), [
    (Tag(QUALITY, "great"), "tags[0].value"),
    (Tag(FLAG, "yes"), "tags[0].value"),
    (Tag(NOTE, 3), "tags[0].value"),
    (Tag(SCORE, 1), "tags[0]"),
    (Tag(99), "tags[0]"),
])
def test_an_item_tag_outside_its_meta_is_refused(tag: Tag, field: str) -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError) as err:
        item.set_tag(META, tag, ALICE)
    assert err.value.field == field
    _refused_without_event(item, before)


def test_a_removed_tag_is_gone() -> None:
    item, history = _uploaded()
    item.remove_tag(QUALITY, BOB)
    assert item.tags == (Tag(NOTE, "sunny"),)
    events = item.collect_events()
    assert names(events) == ["TagRemoved"]
    assert payload(events[0]) == {"meta_id": QUALITY, **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_removing_a_tag_the_item_does_not_have_is_refused() -> None:
    item, _ = _uploaded()
    with pytest.raises(NotFoundError) as err:
        item.remove_tag(FLAG, ALICE)
    assert err.value.kind == "tag"
    assert item.collect_events() == []


# -- place, annotation, removal ----------------------------------------------------------


def test_moving_an_item_records_its_new_dataset_and_name() -> None:
    item, history = _uploaded()
    item.move(VAL, "cat-1.jpg", BOB)
    assert (item.dataset_id, item.name) == (VAL, "cat-1.jpg")
    events = item.collect_events()
    assert names(events) == ["Moved"]
    assert payload(events[0]) == {"dataset_id": VAL, "name": "cat-1.jpg", **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_moving_an_item_where_it_is_records_nothing() -> None:
    item, _ = _uploaded()
    item.move(TRAIN, "cat.jpg", ALICE)
    assert item.collect_events() == []


def test_replacing_the_annotation_records_tags_objects_and_description_at_once() -> None:
    item, history = _uploaded()
    new = _state(tags=(Tag(FLAG),), objects=(AnnotationObject(1, BOX, box(3, 3, 1, 1)),),
                 description="")
    item.replace_annotation(META, new, BOB, NOW)
    canonical = AnnotationObject(1, BOX, box(1, 1, 3, 3))
    assert (item.tags, item.objects, item.description) == ((Tag(FLAG),), {1: canonical}, "")
    assert (item.dataset_id, item.name, item.media) == (TRAIN, "cat.jpg", MEDIA)
    events = item.collect_events()
    assert names(events) == ["AnnotationReplaced"]
    assert payload(events[0]) == {
        "tags": (Tag(FLAG),), "objects": (canonical,), "description": "", **BY_BOB}
    _assert_replays(item, [*history, *events])


def test_replacing_the_annotation_with_an_equal_one_records_nothing() -> None:
    item, _ = _uploaded()
    item.replace_annotation(META, _state(), ALICE, NOW)
    assert item.collect_events() == []


def test_replacing_the_annotation_with_an_invalid_one_is_refused() -> None:
    item, _ = _uploaded()
    before = deepcopy(vars(item))
    bad = _state(objects=(WHISKER, AnnotationObject(7, DOG, point(0, 0))))
    with pytest.raises(ValidationError) as err:
        item.replace_annotation(META, bad, ALICE, NOW)
    assert err.value.field == "objects[1].id"
    _refused_without_event(item, before)


def test_a_removed_item_is_marked_removed_and_keeps_its_content() -> None:
    item, history = _uploaded()
    item.remove(BOB)
    assert item.removed is True
    assert item.objects == {7: WHISKER, 8: CRATE}
    events = item.collect_events()
    assert names(events) == ["Removed"]
    assert payload(events[0]) == BY_BOB
    _assert_replays(item, [*history, *events])


def test_a_revived_item_comes_back_with_the_given_content() -> None:
    item, history = _uploaded()
    item.remove(ALICE)
    revived = _state(dataset_id=VAL, name="back.jpg", tags=(), objects=(CRATE,), description="")
    item.revive(META, revived, BOB)
    assert item.removed is False
    assert item.to_state() == _state(dataset_id=VAL, name="back.jpg", tags=(), objects=(CRATE,),
                                     description="", id=item.id)
    events = item.collect_events()
    assert names(events) == ["Removed", "Revived"]
    assert payload(events[1]) == {
        "dataset_id": VAL, "name": "back.jpg", "media": MEDIA, "tags": (), "objects": (CRATE,),
        "description": "", **BY_BOB, "info": None}
    _assert_replays(item, [*history, *events])


def test_an_item_is_not_revived_with_an_invalid_annotation() -> None:
    item, _ = _uploaded()
    item.remove(ALICE)
    item.collect_events()
    before = deepcopy(vars(item))
    with pytest.raises(ValidationError) as err:
        item.revive(META, _state(dataset_id=9), ALICE)
    assert err.value.field == "dataset"
    _refused_without_event(item, before)


def test_a_restored_item_takes_content_the_log_already_checked_as_it_is() -> None:
    unchecked = AnnotationObject(8, BOX, box(10, 5, 0, 0))  # not in canonical order
    item = restored_item(PROJECT, _state(objects=(unchecked,)), ALICE)
    assert item.objects[8] is unchecked
    assert names(item.collect_events()) == ["Uploaded"]


def test_replaying_a_mixed_history_rebuilds_the_same_item() -> None:
    item, history = _uploaded()
    item.add_object(META, AnnotationObject(9, ANY, {**point(1, 1), "geometryType": "point"}),
                    ALICE)
    item.change_object(META, 7, ALICE, NOW, class_id=DOG)
    item.change_object(META, 8, ALICE, NOW, geometry=box(1, 1, 2, 2), tags=(Tag(FLAG),))
    item.remove_object(9, ALICE)
    item.set_tag(META, Tag(FLAG), ALICE)
    item.remove_tag(NOTE, ALICE)
    item.move(VAL, "renamed.jpg", ALICE)
    item.remove(ALICE)
    item.revive(META, item.to_state(), ALICE)
    events = item.collect_events()
    assert len(events) == 10  # nine commands, one of them changing geometry and tags
    replayed = replay([*history, *events], Item)
    assert replayed.version == item.version == 11
    assert vars(replayed) == vars(item)
