"""An edit's cost does not depend on what edits came before it: it leaves no item in
memory (so the collector has nothing new to walk), it reads the meta as last saved
without copying the project, and an edit that reaches a snapshot interval snapshots the
item as recorded, on each backend."""

from __future__ import annotations

import gc
from typing import Any
from uuid import UUID

from application.ledger import Ledger
from application.settings import Settings
from domain.item import Item
from domain.state import MetaState
from domain.values import AnnotationObject, Context, Dataset, MediaLink, ObjectClass
from interfaces.composition import build_ledger

CTX = Context("editor")
POLYGON, BOX = 1, 2
OBJECTS = 20
POINTS = 30


def _polygon(n: int) -> dict[str, Any]:
    ring = [[float(n + i), float(n + 2 * i)] for i in range(POINTS)]
    return {"points": {"exterior": ring, "interior": []}}


def _project(app: Ledger, items: int) -> tuple[UUID, list[UUID]]:
    """A project whose items hold ``OBJECTS`` polygons of ``POINTS`` points each: an item
    in memory is then some 650 objects the collector tracks."""
    meta = MetaState("edits", {POLYGON: ObjectClass(POLYGON, "shape", "polygon"),
                               BOX: ObjectClass(BOX, "box", "rectangle")},
                     {}, {1: Dataset(1, "train")})
    pid = app.projects.create("edits", CTX, meta)
    ids = []
    for n in range(items):
        objects = tuple(AnnotationObject(n * OBJECTS + k + 1, POLYGON, _polygon(k))
                        for k in range(OBJECTS))
        media = MediaLink(f"https://example.com/{n}.jpg", f"{n:064x}", 100, 640, 480)
        ids.append(app.items.upload_item(pid, 1, f"{n}.jpg", media, CTX, objects=objects))
    return pid, ids


def _move_first_object(app: Ledger, pid: UUID, item_id: UUID, by: int) -> None:
    item = app.items.get(item_id)
    first = min(item.objects)
    app.annotations.patch_object(pid, item_id, None, first, _polygon(by), CTX)


def _tracked() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_edits_of_many_items_leave_none_of_them_in_memory(app: Ledger) -> None:
    pid, ids = _project(app, 45)
    for item_id in ids[:5]:  # statements compiled, modules imported: the first-use costs
        _move_first_object(app, pid, item_id, 1)
    before = _tracked()

    for item_id in ids[5:]:
        _move_first_object(app, pid, item_id, 2)

    # 40 items kept in memory would be some 26,000 objects; a few hundred is noise.
    assert _tracked() - before < 300
    assert [min(app.items.get(i).objects.values(), key=lambda o: o.id).geometry
            for i in ids[5:]] == [_polygon(2)] * 40


def test_item_commands_check_against_the_meta_another_process_changed(
    settings: Settings,
) -> None:
    first = build_ledger(settings)
    pid, [item_id] = _project(first, 1)
    meta = first.core.project_meta(pid)
    meta.classes.clear()  # the caller's copy: the project it was read from is untouched
    assert set(first.core.project_meta(pid).classes) == {POLYGON, BOX}

    other = build_ledger(settings)  # its own aggregate cache, as another process has
    other.projects.add_class(pid, ObjectClass(3, "point", "point"), CTX)
    added = AnnotationObject(0, 3, {"points": {"exterior": [[5, 6]], "interior": []}})
    object_id = first.items.add_object(item_id, added, CTX)

    assert first.items.get(item_id).objects[object_id].class_id == 3
    assert set(first.core.project_meta(pid).classes) == {POLYGON, BOX, 3}


def _snapshot_state(app: Ledger, item_id: UUID, version: int) -> Any:
    assert app.core.snapshots is not None
    [stored] = [s for s in app.core.snapshots.recorder.select_events(item_id)
                if s.originator_version == version]
    event: Any = app.core.mapper.to_domain_event(stored)
    item: Item = event.mutate(None)
    return item.to_state()


def _replayed_state(app: Ledger, item_id: UUID, version: int) -> Any:
    item: Item = app.core.repository.get(item_id, version=version)
    return item.to_state()


def test_an_edit_reaching_the_interval_snapshots_the_item_as_recorded(db_url: str) -> None:
    """Snapshots lie at multiples of the interval: an edit saved at one is snapshotted
    from memory, one that passes it in a single command (two events) at the multiple."""
    app = build_ledger(Settings(db_url=db_url, actor="tester", item_snapshot_every=4))
    pid, [item_id] = _project(app, 1)
    for n in range(6):  # versions 2 to 7, one event each: 4 is snapshotted as saved
        _move_first_object(app, pid, item_id, 10 + n)
    first = min(app.items.get(item_id).objects)
    # One command, two events: 8 (the geometry) and 9 (the description).
    app.annotations.patch_object(pid, item_id, None, first,
                                 {**_polygon(30), "description": "moved"}, CTX)

    assert app.items.get(item_id).version == 9
    assert app.core.snapshots is not None
    taken = [s.originator_version for s in app.core.snapshots.recorder.select_events(item_id)]
    assert taken == [4, 8]
    for version in taken:
        assert _snapshot_state(app, item_id, version) == _replayed_state(app, item_id, version)
    at_8 = next(o for o in _snapshot_state(app, item_id, 8).objects if o.id == first)
    assert (at_8.geometry, at_8.description) == (_polygon(30), "")
