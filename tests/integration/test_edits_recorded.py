"""Every edit is recorded as made: a sync records each changed field of an object as an
event on that object, an object keeps its shape, a revert that would change nothing is
refused like an unchanged version, on each backend."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.ledger import Ledger
from domain.errors import NoChangesError, ValidationError
from domain.values import AnnotationObject, Context
from tests.conftest import DEMO, editable_demo

BOX = 556892231
"""The rectangle of class ``cat`` in ``ds/cat1.jpg`` of the real export."""


def _edit_box(copy: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = copy / "ds" / "ann" / "cat1.jpg.json"
    ann = json.loads(path.read_text())
    [box] = [o for o in ann["objects"] if o["id"] == BOX]
    change(box)
    path.write_text(json.dumps(ann))


def _imported(app: Ledger, ctx: Context) -> UUID:
    return app.imports.from_files("supervisely", DEMO, ctx, name="demo").project


def _types_since(app: Ledger, pid: UUID, position: int) -> list[str]:
    return [e.type for e in app.history.log_entries(pid, gt=position, limit=None)
            if e.type.startswith("Item.")]


def _box(app: Ledger, pid: UUID) -> AnnotationObject:
    return app.items.get(app.projects.resolve_item(pid, "ds/cat1.jpg")).objects[BOX]


@pytest.mark.parametrize(("field", "value", "attribute"), [
    ("labelerLogin", "zoe", "labeler"),
    ("description", "a cat, mostly hidden", "description"),
])
def test_a_sync_records_a_change_of_one_object_detail_as_one_event_on_that_object(
    app: Ledger, ctx: Context, tmp_path: Path, field: str, value: str, attribute: str,
) -> None:
    pid = _imported(app, ctx)
    before = _box(app, pid)
    copy = editable_demo(tmp_path)
    _edit_box(copy, lambda box: box.__setitem__(field, value))
    position = app.projects.view(pid).position

    synced = app.imports.from_files("supervisely", copy, ctx, into=pid)

    assert synced.events == 1
    assert _types_since(app, pid, position) == ["Item.ObjectDetailsChanged"]
    after = _box(app, pid)
    assert getattr(after, attribute) == value
    assert after.updated_at == before.updated_at  # the file gives its time: kept as given
    assert (after.geometry, after.tags, after.class_id) == (
        before.geometry, before.tags, before.class_id)
    again = app.imports.from_files("supervisely", copy, ctx, into=pid)
    assert again.events == 0


def test_a_sync_records_the_geometry_and_the_labeler_changed_together_as_two_events(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid = _imported(app, ctx)
    copy = editable_demo(tmp_path)

    def move_and_relabel(box: dict[str, Any]) -> None:
        box["points"]["exterior"] = [[500, 20], [1500, 1800]]
        box["labelerLogin"] = "zoe"
        del box["updatedAt"]  # an editor that keeps no times: the sync dates the change

    _edit_box(copy, move_and_relabel)
    position = app.projects.view(pid).position
    synced = app.imports.from_files("supervisely", copy, ctx, into=pid)

    assert synced.events == 2
    assert _types_since(app, pid, position) == [
        "Item.ObjectGeometryChanged", "Item.ObjectDetailsChanged"]
    after = _box(app, pid)
    assert (after.labeler, after.geometry["points"]["exterior"]) == (
        "zoe", [[500, 20], [1500, 1800]])
    assert after.updated_at > "2026"  # dated now, not left at 2020
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 0


def test_a_sync_records_a_changed_update_time_alone(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid = _imported(app, ctx)
    copy = editable_demo(tmp_path)
    _edit_box(copy, lambda box: box.__setitem__("updatedAt", "2024-01-02T03:04:05.000Z"))
    position = app.projects.view(pid).position
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 1
    assert _types_since(app, pid, position) == ["Item.ObjectDetailsChanged"]
    assert _box(app, pid).updated_at == "2024-01-02T03:04:05.000Z"
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 0


def test_a_sync_records_an_item_description_alone(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid = _imported(app, ctx)
    copy = editable_demo(tmp_path)
    path = copy / "ds" / "ann" / "cat1.jpg.json"
    ann = json.loads(path.read_text())
    ann["description"] = "night shot"
    path.write_text(json.dumps(ann))
    position = app.projects.view(pid).position
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 1
    assert _types_since(app, pid, position) == ["Item.DescriptionChanged"]
    assert app.items.get(app.projects.resolve_item(pid, "ds/cat1.jpg")).description == (
        "night shot")
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 0


def test_a_sync_that_gives_an_object_another_shape_removes_it_and_adds_the_new_one(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid = _imported(app, ctx)
    copy = editable_demo(tmp_path)

    def into_a_polygon(box: dict[str, Any]) -> None:
        box.update(classTitle="dog2", classId=2707431, geometryType="polygon",
                   points={"exterior": [[10, 10], [90, 10], [50, 80]], "interior": []})

    _edit_box(copy, into_a_polygon)
    position = app.projects.view(pid).position
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 2
    assert _types_since(app, pid, position) == ["Item.ObjectRemoved", "Item.ObjectAdded"]
    meta = app.projects.get(pid).meta
    assert meta.classes[_box(app, pid).class_id].shape == "polygon"
    assert app.imports.from_files("supervisely", copy, ctx, into=pid).events == 0


def test_a_class_change_keeps_the_shape_of_the_object(app: Ledger, ctx: Context) -> None:
    pid = _imported(app, ctx)
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    meta = app.projects.get(pid).meta
    line = meta.class_by_title("cat2")
    assert line is not None and line.shape == "line"
    position = app.projects.view(pid).position
    with pytest.raises(ValidationError, match="is a rectangle and would become a line") as err:
        app.items.change_object(item, BOX, ctx, class_id=line.id)
    assert err.value.field == "classId"
    assert app.projects.view(pid).position == position


def test_a_revert_to_a_version_equal_to_the_state_is_refused_and_records_nothing(
    app: Ledger, ctx: Context
) -> None:
    pid = _imported(app, ctx)
    app.versions.create(pid, ctx, "imported")
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    app.items.change_object(item, BOX, ctx, description="edited")
    app.versions.create(pid, ctx, "edited")
    app.items.change_object(item, BOX, ctx, description="")  # back to version 1's state
    position = app.projects.view(pid).position
    sessions = len(app.sessions.list())

    with pytest.raises(NoChangesError, match="equals version 1") as err:
        app.versions.revert(pid, 1, ctx)

    assert err.value.latest == 1
    assert app.projects.view(pid).position == position
    assert len(app.sessions.list()) == sessions  # not even the revert's own session
    assert app.versions.revert(pid, 2, ctx) > 0  # a revert that changes something runs


def test_a_revert_across_an_id_reused_for_another_shape_brings_the_version_back(
    app: Ledger, ctx: Context
) -> None:
    pid = _imported(app, ctx)
    v1 = app.versions.create(pid, ctx, "imported")
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    meta = app.projects.get(pid).meta
    polygon = meta.class_by_title("dog2")
    assert polygon is not None
    app.items.remove_object(item, BOX, ctx)
    app.items.add_object(item, AnnotationObject(BOX, polygon.id, {"points": {
        "exterior": [[10, 10], [90, 10], [50, 80]], "interior": []}}), ctx)

    app.versions.revert(pid, 1, ctx)

    assert app.projects.view(pid).digest == v1.digest
    assert meta.classes[_box(app, pid).class_id].shape == "rectangle"
