"""Specifications of the Project aggregate, in memory: no application, no recorder.

Each command is checked three ways: the state it leaves, the events it records (their
names and payloads), and that replaying those events rebuilds an equal aggregate.
Each refusal raises the named domain error and records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    ConflictError,
    DuplicateNameError,
    NoChangesError,
    NotFoundError,
    ValidationError,
)
from domain.project import Project
from domain.state import MetaState
from domain.values import Context, Dataset, ObjectClass, Provenance, TagMeta, Version
from tests.unit.events import names, payload
from tests.unit.events import replayed as replay

SESSION = UUID("00000000-0000-4000-8000-000000000001")
ALICE = Context("alice")
BOB = Context("bob", session_id=SESSION)

CAT = ObjectClass(1, "cat", "point", "#FF0000")
BOX = ObjectClass(5, "box", "rectangle")
QUALITY = TagMeta(1, "quality", "oneof_string", ("good", "bad"))
NOTE = TagMeta(3, "note", "any_string")
TRAIN = Dataset(1, "train")
TRAIN_CATS = Dataset(2, "cats", parent_id=1)


def _meta(**overrides: Any) -> MetaState:
    fields: dict[str, Any] = {
        "name": "zoo",
        "classes": {CAT.id: CAT, BOX.id: BOX},
        "tag_metas": {QUALITY.id: QUALITY, NOTE.id: NOTE},
        "datasets": {TRAIN.id: TRAIN, TRAIN_CATS.id: TRAIN_CATS},
    }
    fields.update(overrides)
    return MetaState(**fields)


def _project(meta: MetaState | None = None) -> Project:
    """A project whose creation event has already been collected."""
    project = Project.create(meta or _meta(), ALICE)
    project.collect_events()
    return project







def _created(meta: MetaState | None = None) -> tuple[Project, list[Any]]:
    """A project and its creation events, kept aside to replay the whole history later."""
    project = Project.create(meta or _meta(), ALICE)
    return project, list(project.collect_events())


def _assert_replays(project: Project, history: Sequence[Any]) -> None:
    """Replaying the whole history rebuilds the project, attribute for attribute."""
    assert vars(replay(history, Project)) == vars(project)


def _version(number: int, digest: str, position: int = 10) -> Version:
    return Version(number, f"v{number}", "", "alice", "2026-01-01T00:00:00Z", position, digest)


def _refused_without_event(project: Project, before: dict[str, Any]) -> None:
    assert project.collect_events() == []
    assert vars(project) == before


# -- creation ----------------------------------------------------------------------------


def test_a_created_project_holds_the_meta_it_was_given() -> None:
    project = Project.create(_meta(), BOB)
    assert project.name == "zoo"
    assert project.classes == {1: CAT, 5: BOX}
    assert project.tag_metas == {1: QUALITY, 3: NOTE}
    assert project.datasets == {1: TRAIN, 2: TRAIN_CATS}
    assert project.versions == []
    assert project.latest_version is None
    assert project.provenance is None
    assert project.meta == _meta()


def test_creating_a_project_records_one_created_event_with_its_meta_and_actor() -> None:
    project = Project.create(_meta(), BOB)
    events = project.collect_events()
    assert names(events) == ["Created"]
    assert events[0].originator_id == project.id
    assert payload(events[0]) == {
        "name": "zoo", "classes": (CAT, BOX), "tag_metas": (QUALITY, NOTE),
        "datasets": (TRAIN, TRAIN_CATS), "provenance": None, "actor": "bob",
        "session_id": SESSION, "extra": None,
    }


def test_replaying_the_created_event_rebuilds_an_equal_project() -> None:
    project = Project.create(_meta(), ALICE)
    events = project.collect_events()
    replayed = replay(events, Project)
    assert replayed.id == project.id
    assert replayed.meta == project.meta
    assert vars(replayed) == vars(project)


def test_a_restored_project_names_its_source_version_in_its_first_event() -> None:
    source = Provenance(uuid4(), "zoo", 3, 120, "ab" * 32)
    project = Project.create(_meta(name="zoo v3"), ALICE, provenance=source)
    events = project.collect_events()
    assert project.provenance == source
    assert payload(events[0])["provenance"] == source
    assert replay(events, Project).provenance == source


@pytest.mark.parametrize(("meta", "field"), [
    (_meta(classes={1: ObjectClass(1, "cat", "circle")}), "class.shape"),
    (_meta(tag_metas={1: TagMeta(1, "q", "oneof_string")}), "tag.values"),
    (_meta(tag_metas={1: TagMeta(1, "q", "any_colour")}), "tag.value_type"),
])
def test_a_project_is_not_created_from_a_meta_that_breaks_a_rule(
    meta: MetaState, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        Project.create(meta, ALICE)
    assert err.value.field == field


# -- renaming ----------------------------------------------------------------------------


def test_renaming_a_project_records_the_new_name() -> None:
    project, history = _created()
    project.rename("zoo 2", BOB)
    events = project.collect_events()
    assert project.name == "zoo 2"
    assert names(events) == ["Renamed"]
    assert payload(events[0]) == {"name": "zoo 2", "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_renaming_a_project_to_its_own_name_records_nothing() -> None:
    project = _project()
    project.rename("zoo", BOB)
    assert project.collect_events() == []


def test_a_project_name_must_not_be_blank() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ValidationError) as err:
        project.rename("  ", BOB)
    assert err.value.field == "name"
    _refused_without_event(project, before)


# -- classes -----------------------------------------------------------------------------


def test_a_class_added_without_an_id_gets_the_next_free_id() -> None:
    project, history = _created()
    added = project.add_class(ObjectClass(0, "dog", "polygon", "#00FF00"), BOB)
    expected = ObjectClass(6, "dog", "polygon", "#00FF00")  # one above the highest id, 5
    assert added == expected
    assert project.classes[6] == expected
    events = project.collect_events()
    assert names(events) == ["ClassAdded"]
    assert payload(events[0]) == {"object_class": expected, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_a_class_added_with_an_id_keeps_it() -> None:
    project = _project()
    assert project.add_class(ObjectClass(42, "dog", "point"), ALICE).id == 42
    assert set(project.classes) == {1, 5, 42}


def test_the_first_class_of_an_empty_project_gets_id_1() -> None:
    project = _project(_meta(classes={}))
    assert project.add_class(ObjectClass(0, "cat", "point"), ALICE).id == 1


def test_a_class_title_that_is_taken_is_refused_when_adding() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'cat'"):
        project.add_class(ObjectClass(0, "cat", "polygon"), ALICE)
    _refused_without_event(project, before)


def test_a_class_title_that_is_taken_is_refused_when_changing_another_class() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'cat'"):
        project.change_class(ObjectClass(5, "cat", "rectangle"), 0, ALICE)
    _refused_without_event(project, before)


def test_a_class_id_that_exists_is_refused() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="5"):
        project.add_class(ObjectClass(5, "crate", "rectangle"), ALICE)
    _refused_without_event(project, before)


def test_a_class_of_unknown_shape_is_refused_naming_the_shape_field() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ValidationError) as err:
        project.add_class(ObjectClass(0, "ring", "circle"), ALICE)
    assert err.value.field == "class.shape"
    assert "circle" in err.value.message
    _refused_without_event(project, before)


def test_a_class_in_use_cannot_change_its_shape() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="'cat' is used by 3 objects"):
        project.change_class(ObjectClass(1, "cat", "polygon", "#FF0000"), 3, ALICE)
    _refused_without_event(project, before)


def test_a_class_in_use_may_change_its_title_and_color() -> None:
    project, history = _created()
    renamed = ObjectClass(1, "kitten", "point", "#0000FF")
    project.change_class(renamed, 3, BOB)
    assert project.classes[1] == renamed
    events = project.collect_events()
    assert names(events) == ["ClassChanged"]
    assert payload(events[0]) == {"object_class": renamed, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_an_unused_class_may_change_its_shape() -> None:
    project = _project()
    project.change_class(ObjectClass(1, "cat", "polygon"), 0, ALICE)
    assert project.classes[1].shape == "polygon"
    assert names(project.collect_events()) == ["ClassChanged"]


def test_changing_a_class_to_what_it_is_records_nothing() -> None:
    project = _project()
    project.change_class(CAT, 3, ALICE)
    assert project.collect_events() == []


def test_changing_an_unknown_class_is_refused() -> None:
    project = _project()
    with pytest.raises(NotFoundError) as err:
        project.change_class(ObjectClass(9, "ghost", "point"), 0, ALICE)
    assert (err.value.kind, err.value.ref) == ("class", 9)
    assert project.collect_events() == []


def test_a_class_in_use_cannot_be_removed() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="'box' is used by 1 objects"):
        project.remove_class(5, 1, ALICE)
    _refused_without_event(project, before)


def test_an_unused_class_is_removed() -> None:
    project, history = _created()
    project.remove_class(5, 0, BOB)
    assert set(project.classes) == {1}
    events = project.collect_events()
    assert names(events) == ["ClassRemoved"]
    assert payload(events[0]) == {"class_id": 5, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_removing_an_unknown_class_is_refused() -> None:
    project = _project()
    with pytest.raises(NotFoundError):
        project.remove_class(9, 0, ALICE)
    assert project.collect_events() == []


def test_an_id_freed_by_a_removed_class_below_the_highest_is_not_reused() -> None:
    project = _project()
    project.remove_class(1, 0, ALICE)
    assert project.add_class(ObjectClass(0, "cat", "point"), ALICE).id == 6


# -- tag metas ---------------------------------------------------------------------------


def test_a_tag_meta_added_without_an_id_gets_the_next_free_id_and_keeps_its_fields() -> None:
    project, history = _created()
    added = project.add_tag_meta(
        TagMeta(0, "score", "any_number", applicable_type="objectsOnly", classes=("cat",)), BOB
    )
    expected = TagMeta(4, "score", "any_number", applicable_type="objectsOnly", classes=("cat",))
    assert added == expected
    assert project.tag_metas[4] == expected
    events = project.collect_events()
    assert names(events) == ["TagMetaAdded"]
    assert payload(events[0]) == {"tag_meta": expected, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_a_tag_name_that_is_taken_is_refused() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'quality'"):
        project.add_tag_meta(TagMeta(0, "quality"), ALICE)
    with pytest.raises(DuplicateNameError, match="'quality'"):
        project.change_tag_meta(TagMeta(3, "quality", "any_string"), ALICE)
    _refused_without_event(project, before)


def test_a_tag_meta_id_that_exists_is_refused() -> None:
    project = _project()
    with pytest.raises(ConflictError, match="3"):
        project.add_tag_meta(TagMeta(3, "remark"), ALICE)
    assert project.collect_events() == []


@pytest.mark.parametrize(("tag_meta", "field"), [
    (TagMeta(0, "size", "oneof_string"), "tag.values"),
    (TagMeta(0, "size", "any_colour"), "tag.value_type"),
])
def test_a_tag_meta_that_breaks_a_rule_is_refused_naming_the_field(
    tag_meta: TagMeta, field: str
) -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ValidationError) as err:
        project.add_tag_meta(tag_meta, ALICE)
    assert err.value.field == field
    _refused_without_event(project, before)


def test_changing_a_tag_meta_records_its_new_fields() -> None:
    project, history = _created()
    wider = TagMeta(1, "quality", "oneof_string", ("good", "bad", "unsure"))
    project.change_tag_meta(wider, BOB)
    assert project.tag_metas[1] == wider
    events = project.collect_events()
    assert names(events) == ["TagMetaChanged"]
    assert payload(events[0]) == {"tag_meta": wider, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_changing_a_tag_meta_to_what_it_is_records_nothing() -> None:
    project = _project()
    project.change_tag_meta(QUALITY, ALICE)
    assert project.collect_events() == []


def test_changing_a_tag_meta_into_an_invalid_one_is_refused() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ValidationError) as err:
        project.change_tag_meta(TagMeta(1, "quality", "oneof_string", ()), ALICE)
    assert err.value.field == "tag.values"
    _refused_without_event(project, before)


def test_a_tag_meta_in_use_cannot_be_removed() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="'quality' is used 2 times"):
        project.remove_tag_meta(1, 2, ALICE)
    _refused_without_event(project, before)


def test_an_unused_tag_meta_is_removed() -> None:
    project, history = _created()
    project.remove_tag_meta(3, 0, BOB)
    assert set(project.tag_metas) == {1}
    events = project.collect_events()
    assert names(events) == ["TagMetaRemoved"]
    assert payload(events[0]) == {"meta_id": 3, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_an_unknown_tag_meta_cannot_be_changed_or_removed() -> None:
    project = _project()
    with pytest.raises(NotFoundError):
        project.change_tag_meta(TagMeta(9, "ghost"), ALICE)
    with pytest.raises(NotFoundError):
        project.remove_tag_meta(9, 0, ALICE)
    assert project.collect_events() == []


# -- datasets ----------------------------------------------------------------------------


def test_a_dataset_is_created_under_its_parent_with_the_next_free_id() -> None:
    project, history = _created()
    dataset = project.create_dataset("dogs", 1, BOB)
    assert dataset == Dataset(3, "dogs", 1)
    assert project.datasets[3] == dataset
    assert project.meta.dataset_path(3) == "train/dogs"
    events = project.collect_events()
    assert names(events) == ["DatasetCreated"]
    assert payload(events[0]) == {"dataset": dataset, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_a_dataset_created_with_an_id_keeps_it() -> None:
    project = _project()
    assert project.create_dataset("val", None, ALICE, dataset_id=7) == Dataset(7, "val")


def test_a_dataset_id_that_exists_is_refused() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="2"):
        project.create_dataset("val", None, ALICE, dataset_id=2)
    _refused_without_event(project, before)


def test_a_dataset_name_taken_by_a_sibling_is_refused() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'cats'"):
        project.create_dataset("cats", 1, ALICE)
    with pytest.raises(DuplicateNameError, match="'train'"):
        project.create_dataset("train", None, ALICE)
    _refused_without_event(project, before)


def test_the_same_dataset_name_is_allowed_under_another_parent() -> None:
    project = _project()
    dataset = project.create_dataset("cats", None, ALICE)
    assert dataset.parent_id is None
    assert {d.name for d in project.datasets.values()} == {"train", "cats"}
    assert len(project.datasets) == 3


def test_a_dataset_under_an_unknown_parent_is_refused() -> None:
    project = _project()
    with pytest.raises(NotFoundError) as err:
        project.create_dataset("dogs", 9, ALICE)
    assert (err.value.kind, err.value.ref) == ("dataset", 9)
    assert project.collect_events() == []


def test_renaming_and_moving_a_dataset_records_one_event_for_each() -> None:
    project, history = _created()
    project.create_dataset("val", None, ALICE)  # id 3
    project.change_dataset(2, "felines", 3, BOB)
    assert project.datasets[2] == Dataset(2, "felines", 3)
    assert project.meta.dataset_path(2) == "val/felines"
    events = project.collect_events()
    assert names(events) == ["DatasetCreated", "DatasetRenamed", "DatasetMoved"]
    by = {"actor": "bob", "session_id": SESSION}
    assert payload(events[1]) == {"dataset_id": 2, "name": "felines", **by}
    assert payload(events[2]) == {"dataset_id": 2, "parent_id": 3, **by}
    _assert_replays(project, [*history, *events])


def test_a_dataset_moved_to_the_root_records_only_a_move() -> None:
    project = _project()
    project.change_dataset(2, "cats", None, ALICE)
    assert project.datasets[2].parent_id is None
    assert names(project.collect_events()) == ["DatasetMoved"]


def test_changing_a_dataset_to_what_it_is_records_nothing() -> None:
    project = _project()
    project.change_dataset(2, "cats", 1, ALICE)
    assert project.collect_events() == []


@pytest.mark.parametrize("new_parent", [1, 2])
def test_a_dataset_cannot_move_into_itself_or_its_descendant(new_parent: int) -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ValidationError) as err:
        project.change_dataset(1, "train", new_parent, ALICE)
    assert err.value.field == "parent"
    _refused_without_event(project, before)


def test_a_dataset_cannot_be_renamed_to_a_sibling_s_name() -> None:
    project = _project()
    project.create_dataset("dogs", 1, ALICE)
    project.collect_events()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'dogs'"):
        project.change_dataset(2, "dogs", 1, ALICE)
    _refused_without_event(project, before)


def test_a_dataset_cannot_move_next_to_a_sibling_of_the_same_name() -> None:
    project = _project()
    project.create_dataset("cats", None, ALICE)
    project.collect_events()
    before = deepcopy(vars(project))
    with pytest.raises(DuplicateNameError, match="'cats'"):
        project.change_dataset(2, "cats", None, ALICE)
    _refused_without_event(project, before)


def test_a_dataset_that_holds_items_cannot_be_removed() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="4 items"):
        project.remove_dataset(2, 4, ALICE)
    _refused_without_event(project, before)


def test_a_dataset_that_holds_datasets_cannot_be_removed() -> None:
    project = _project()
    before = deepcopy(vars(project))
    with pytest.raises(ConflictError, match="'cats'"):
        project.remove_dataset(1, 0, ALICE)
    _refused_without_event(project, before)


def test_an_empty_dataset_is_removed() -> None:
    project, history = _created()
    project.remove_dataset(2, 0, BOB)
    assert set(project.datasets) == {1}
    events = project.collect_events()
    assert names(events) == ["DatasetRemoved"]
    assert payload(events[0]) == {"dataset_id": 2, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_an_unknown_dataset_cannot_be_changed_or_removed() -> None:
    project = _project()
    with pytest.raises(NotFoundError):
        project.change_dataset(9, "x", None, ALICE)
    with pytest.raises(NotFoundError):
        project.remove_dataset(9, 0, ALICE)
    assert project.collect_events() == []


# -- versions ----------------------------------------------------------------------------


def test_versions_are_numbered_from_1_and_the_latest_is_the_last_one() -> None:
    project, history = _created()
    v1, v2 = _version(1, "a" * 64, 10), _version(2, "b" * 64, 20)
    project.create_version(v1, BOB)
    project.create_version(v2, BOB)
    assert project.versions == [v1, v2]
    assert project.latest_version == v2
    assert project.get_version(1) == v1
    events = project.collect_events()
    assert names(events) == ["VersionCreated", "VersionCreated"]
    by = {"actor": "bob", "session_id": SESSION}
    assert [payload(e) for e in events] == [{"version": v1, **by}, {"version": v2, **by}]
    _assert_replays(project, [*history, *events])


@pytest.mark.parametrize("number", [0, 2, -1])
def test_a_first_version_whose_number_is_not_1_is_refused(number: int) -> None:
    project = _project()
    with pytest.raises(ConflictError, match=f"next version is 1, not {number}"):
        project.create_version(_version(number, "a" * 64), ALICE)
    assert project.versions == []
    assert project.collect_events() == []


def test_a_version_number_already_taken_is_refused() -> None:
    project = _project()
    project.create_version(_version(1, "a" * 64), ALICE)
    project.collect_events()
    with pytest.raises(ConflictError, match="next version is 2, not 1"):
        project.create_version(_version(1, "b" * 64), ALICE)
    assert len(project.versions) == 1
    assert project.collect_events() == []


def test_a_version_whose_digest_equals_the_latest_is_refused() -> None:
    project = _project()
    project.create_version(_version(1, "a" * 64), ALICE)
    project.collect_events()
    with pytest.raises(NoChangesError) as err:
        project.create_version(_version(2, "a" * 64, 30), ALICE)
    assert (err.value.latest, err.value.digest) == (1, "a" * 64)
    assert len(project.versions) == 1
    assert project.collect_events() == []


def test_a_version_may_return_to_the_digest_of_an_older_one() -> None:
    project = _project()
    for number, digest in [(1, "a"), (2, "b"), (3, "a")]:
        project.create_version(_version(number, digest * 64), ALICE)
    assert [v.digest[0] for v in project.versions] == ["a", "b", "a"]


@pytest.mark.parametrize("number", [0, 2])
def test_an_unknown_version_is_not_found(number: int) -> None:
    project = _project()
    project.create_version(_version(1, "a" * 64), ALICE)
    with pytest.raises(NotFoundError) as err:
        project.get_version(number)
    assert err.value.kind == "version"


def test_a_revert_is_marked_in_the_log_without_changing_the_meta() -> None:
    project, history = _created()
    project.create_version(_version(1, "a" * 64), ALICE)
    meta_before = project.meta
    project.record_revert(1, "a" * 64, BOB)
    assert project.meta == meta_before
    assert len(project.versions) == 1
    events = project.collect_events()
    assert names(events) == ["VersionCreated", "Reverted"]
    assert payload(events[1]) == {
        "to_version": 1, "digest": "a" * 64, "actor": "bob", "session_id": SESSION}
    _assert_replays(project, [*history, *events])


def test_a_revert_to_an_unknown_version_is_refused() -> None:
    project = _project()
    with pytest.raises(NotFoundError):
        project.record_revert(1, "a" * 64, ALICE)
    assert project.collect_events() == []


# -- a longer history --------------------------------------------------------------------


def test_replaying_a_mixed_history_rebuilds_the_same_project() -> None:
    project, history = _created()
    project.add_class(ObjectClass(0, "dog", "polygon"), ALICE)
    project.change_class(ObjectClass(1, "kitten", "point"), 0, ALICE)
    project.remove_class(5, 0, ALICE)
    project.add_tag_meta(TagMeta(0, "score", "any_number"), ALICE)
    project.remove_tag_meta(3, 0, ALICE)
    project.create_dataset("val", None, ALICE)
    project.change_dataset(2, "felines", 3, ALICE)
    project.remove_dataset(1, 0, ALICE)
    project.rename("zoo 2", ALICE)
    project.create_version(_version(1, "c" * 64), ALICE)
    events = project.collect_events()
    assert len(events) == 11  # ten commands, one change_dataset being a rename and a move
    replayed = replay([*history, *events], Project)
    assert replayed.version == project.version == 12
    assert replayed.meta == project.meta
    assert vars(replayed) == vars(project)
