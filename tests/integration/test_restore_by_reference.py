"""Restore by reference: a restored project refers to its source's item states.

The restore writes the new project's event and a catalog entry per item that refers to
the source item at the version; an item is written into the new project's own stream
at its first change. Each test checks that what users see is what a copy would give:
exported files, digests, history and blame, verify (which also catches a forged
reference), edits, partial restores, restores of restores, revert, sync, and a restore
that fails midway leaving nothing behind.
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.core.references import restored_id
from application.ledger import Ledger
from domain.digest import state_digest
from domain.errors import AnnoledgerError, ValidationError
from domain.values import AnnotationObject, Context, Tag
from tests.conftest import DEMO, editable_demo


def box(x: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x, x], [x + 10, x + 20]], "interior": []}}


def _source(app: Ledger, ctx: Context) -> tuple[UUID, UUID]:
    """The demo with one item edited three times, then version 1, then more edits (so
    the catalog has moved on from version 1 for that item)."""
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    meta = app.projects.get(pid).meta
    cat, tag = meta.class_by_title("cat"), meta.tag_meta_by_name("dog")
    assert cat is not None and tag is not None
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    added = app.items.add_object(item, AnnotationObject(0, cat.id, box(10)), Context("bob"))
    app.items.change_object(item, added, Context("carol"), geometry=box(40))
    app.items.set_tag(item, Tag(tag.id), ctx)
    app.versions.create(pid, ctx, "v1")
    app.items.remove_object(item, added, ctx)
    other = app.projects.resolve_item(pid, "ds/cat2.jpg")
    app.items.move(other, meta.dataset_by_path("ds").id, "renamed.jpg", ctx)  # type: ignore[union-attr]
    return pid, item


def _rows(app: Ledger, project: UUID) -> list[Any]:
    t = app.core.store.tables.items  # type: ignore[attr-defined]
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(sa.select(t).where(t.c.project_id == project)))


def _same_files(a: Path, b: Path) -> None:
    left = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert left == right and left
    for rel in left:
        if rel.suffix == ".json":
            assert json.loads((a / rel).read_text()) == json.loads((b / rel).read_text()), rel
        else:
            assert filecmp.cmp(a / rel, b / rel, shallow=False), rel


def _verified(app: Ledger) -> None:
    failed = [(v.name, v.reason) for v in app.proofs.verify() if not v.ok]
    assert failed == []


def test_a_restore_refers_to_the_version_and_equals_it(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    pid, _ = _source(app, ctx)
    v1 = app.versions.get(pid, 1)
    restored = app.versions.restore(pid, 1, ctx)
    view = app.projects.view(restored)
    assert view.position == 1  # the project's event: no item is copied
    assert view.digest == v1.digest == state_digest(app.versions.state_of(restored, "current"))
    rows = _rows(app, restored)
    assert len(rows) == view.items == 6 and all(r.source_id is not None for r in rows)
    assert all(r.version == 1 for r in rows)
    app.exports.to_files("supervisely", pid, tmp_path / "source", version=1)
    app.exports.to_files("supervisely", restored, tmp_path / "restored")
    _same_files(tmp_path / "source", tmp_path / "restored")
    app.versions.create(restored, ctx)
    assert app.versions.diff(restored, 1, "current").as_json()["items"] == {
        "added": [], "removed": [], "modified": []}
    _verified(app)


def test_history_and_blame_follow_the_reference(app: Ledger, ctx: Context) -> None:
    pid, item = _source(app, ctx)
    restored = app.versions.restore(pid, 1, ctx)
    copy = app.projects.resolve_item(restored, "ds/cat1.jpg")
    assert copy == restored_id(restored, item)
    at_v1 = [e for e in app.history.item(pid, item)
             if e.position <= app.versions.get(pid, 1).position]
    assert [(e.type, e.actor, e.summary) for e in app.history.item(restored, copy)] == [
        (e.type, e.actor, e.summary) for e in at_v1]
    assert len(at_v1) == 4
    blame = {b.object_id: (b.created.actor, b.changed.actor if b.changed else None)
             for b in app.history.blame(restored, copy)}
    assert sorted(blame.values(), key=str).count(("bob", "carol")) == 1


def test_the_first_edit_copies_the_item_and_leaves_the_source_alone(
        app: Ledger, ctx: Context) -> None:
    pid, item = _source(app, ctx)
    before = app.projects.view(pid)
    source_events = len(app.history.item(pid, item))
    restored = app.versions.restore(pid, 1, ctx)
    copy = app.projects.resolve_item(restored, "ds/cat1.jpg")
    assert app.annotations.current(restored, copy).version == 1
    cat = app.projects.get(restored).meta.class_by_title("cat")
    assert cat is not None
    version = app.items.add_object(copy, AnnotationObject(0, cat.id, box(70)), Context("dave"),
                                   expected_version=1)
    log = app.history.log_entries(restored)
    assert [e.type for e in log] == ["Project.Created", "Item.Restored", "Item.ObjectAdded"]
    assert app.items.get(copy).version == 2 and version is not None
    assert [r.source_id for r in _rows(app, restored) if r.item_id == copy] == [None]
    after = app.projects.view(restored)
    assert after.objects == app.projects.view(pid).objects + 2  # v1 had one more, and one added
    assert after.digest == state_digest(app.versions.state_of(restored, "current"))
    assert after.digest != app.versions.get(pid, 1).digest
    assert app.projects.view(pid) == before
    assert len(app.history.item(pid, item)) == source_events
    history = app.history.item(restored, copy)
    assert [e.actor for e in history][-1] == "dave" and len(history) == 5
    untouched = app.projects.resolve_item(restored, "ds/cat3.jpg")
    app.items.replace_annotation(untouched, ctx, tags=app.items.get(untouched).tags,
                                 objects=tuple(app.items.get(untouched).objects.values()),
                                 description=app.items.get(untouched).description)
    assert app.projects.view(restored).position == 3  # an edit that changes nothing: no copy
    _verified(app)


def test_removing_and_renaming_referenced_items(app: Ledger, ctx: Context) -> None:
    pid, _ = _source(app, ctx)
    restored = app.versions.restore(pid, 1, ctx)
    app.versions.create(restored, ctx, "as restored")
    gone = app.projects.resolve_item(restored, "ds/cat3.jpg")
    moved = app.projects.resolve_item(restored, "ds/cat2.jpg")
    app.items.remove(gone, ctx)
    ds = app.projects.get(restored).meta.dataset_by_path("ds")
    assert ds is not None
    app.items.move(moved, ds.id, "cat2-renamed.jpg", ctx)
    view = app.projects.view(restored)
    assert view.items == 5
    assert view.digest == state_digest(app.versions.state_of(restored, "current"))
    state = app.versions.state_of(restored, 1)  # before the copies: by reference again
    assert state_digest(state) == app.versions.get(restored, 1).digest
    assert {i.name for i in state.items.values()} >= {"cat3.jpg", "cat2.jpg"}
    _verified(app)
    assert app.versions.revert(restored, 1, ctx) > 0
    assert app.projects.view(restored).digest == app.versions.get(restored, 1).digest
    _verified(app)


def test_a_partial_restore_refers_to_the_datasets_kept(app: Ledger, ctx: Context,
                                                       tmp_path: Path) -> None:
    pid, _ = _source(app, ctx)
    only = app.versions.restore(pid, 1, ctx, name="only ds", datasets=["ds"])
    state = app.versions.state_of(only, "current")
    assert {d.name for d in state.meta.datasets.values()} == {"ds"}
    assert app.projects.view(only).digest == state_digest(state)
    assert app.projects.view(only).items == len(state.items) == len(_rows(app, only))
    _verified(app)


def test_a_restore_of_a_restore_refers_to_the_streams_holding_the_states(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    pid, item = _source(app, ctx)
    first = app.versions.restore(pid, 1, ctx, name="first")
    edited = app.projects.resolve_item(first, "ds/cat3.jpg")
    app.items.set_tag(edited, Tag(app.projects.get(first).meta.tag_meta_by_name(
        "dog").id), ctx)  # type: ignore[union-attr]
    v = app.versions.create(first, ctx, "one copied")
    second = app.versions.restore(first, 1, ctx, name="second")
    assert app.projects.view(second).digest == v.digest
    sources = {r.item_id: (r.source_id, r.source_version) for r in _rows(app, second)}
    assert sources[restored_id(second, edited)] == (edited, 2)  # the copy's own stream
    assert sources[restored_id(second, restored_id(first, item))][0] == item  # flattened
    app.exports.to_files("supervisely", first, tmp_path / "first", version=1)
    app.exports.to_files("supervisely", second, tmp_path / "second")
    _same_files(tmp_path / "first", tmp_path / "second")
    history = app.history.item(second, restored_id(second, restored_id(first, item)))
    assert [e.actor for e in history] == ["alice", "bob", "carol", "alice"]
    _verified(app)


def test_sync_into_a_restored_project_copies_only_what_it_changes(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    app.versions.create(pid, ctx)
    restored = app.versions.restore(pid, 1, ctx)
    copy = editable_demo(tmp_path)
    ann = copy / "ds" / "ann" / "cat3.jpg.json"
    data = json.loads(ann.read_text())
    del data["objects"][0]
    ann.write_text(json.dumps(data))
    synced = app.imports.from_files("supervisely", copy, ctx, into=restored)
    assert synced.events == 2  # the copy, then the removal
    assert sum(r.source_id is None for r in _rows(app, restored)) == 1
    again = app.imports.from_files("supervisely", copy, ctx, into=restored)
    assert again.events == 0
    _verified(app)


def test_verify_names_a_forged_reference(app: Ledger, ctx: Context) -> None:
    pid, item = _source(app, ctx)
    restored = app.versions.restore(pid, 1, ctx)
    _verified(app)
    copy = restored_id(restored, item)
    t = app.core.store.tables.items  # type: ignore[attr-defined]
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t.update().where(t.c.item_id == copy).values(source_version=1))
    [report] = app.proofs.verify(restored)
    assert not report.ok and report.table == "catalog" and str(copy) in report.key
    assert "holds other content than the restore referred to" in report.reason
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t.update().where(t.c.item_id == copy).values(source_version=None,
                                                                  source_id=None))
    [report] = app.proofs.verify(restored)
    assert not report.ok and "refers to nothing" in report.reason


def test_a_restore_that_fails_midway_writes_nothing(
        app: Ledger, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, _ = _source(app, ctx)
    heads = app.core.store.heads()
    import application.versions.versions as versions

    checked: list[int] = []
    real = versions.check_item_names

    def failing(named: Any) -> None:
        checked.append(1)
        if len(checked) == 2:
            raise AnnoledgerError("disk full")
        real(named)

    monkeypatch.setattr(versions, "REFERENCE_BATCH", 2)  # two batches written, then it fails
    monkeypatch.setattr(versions, "check_item_names", failing)
    with pytest.raises(AnnoledgerError, match="disk full"):
        app.versions.restore(pid, 1, ctx, name="never")
    assert app.core.store.heads() == heads
    monkeypatch.undo()
    restored = app.versions.restore(pid, 1, ctx, name="never")
    assert app.projects.view(restored).digest == app.versions.get(pid, 1).digest
    _verified(app)


def test_a_name_refused_today_is_named_and_nothing_is_written(
        app: Ledger, ctx: Context) -> None:
    """A catalog name an earlier release let in (here the layout's ``ann`` folder)."""
    pid, _ = _source(app, ctx)
    v1 = app.versions.get(pid, 1)
    item = app.projects.resolve_item(pid, "ds/cat3.jpg")
    t = app.core.store.tables.items  # type: ignore[attr-defined]
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t.update().where(t.c.item_id == item).values(name="ann"))
    heads = app.core.store.heads()
    with pytest.raises(ValidationError, match=r"items\[ds/ann\]\.name") as refused:
        app.versions.restore(pid, 1, ctx, name="refused")
    assert "ann" in str(refused.value)
    assert app.core.store.heads() == heads and app.versions.get(pid, 1) == v1


def test_the_rows_are_copied_without_decoding_any_item(
        app: Ledger, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, _ = _source(app, ctx)
    import application.core.references as references

    def no_decoding(*args: Any) -> Any:
        raise AssertionError("an item was decoded")

    monkeypatch.setattr(references, "load_states", no_decoding)
    monkeypatch.setattr(app.core.store, "catalog_states", no_decoding)
    whole = app.versions.restore(pid, 1, ctx, name="whole")
    part = app.versions.restore(pid, 1, ctx, name="part", datasets=["ds"])
    monkeypatch.undo()
    assert app.projects.view(whole).digest == app.versions.get(pid, 1).digest
    assert app.projects.view(part).items == app.projects.view(whole).items
    _verified(app)


def test_items_without_superseded_rows_are_computed_from_their_events(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    """A database written before superseded rows were kept: the items changed since
    the version have no row at it, so their entries come from their events."""
    pid, item = _source(app, ctx)
    kept = app.core.store.tables.item_states  # type: ignore[attr-defined]
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        assert conn.execute(kept.delete().where(kept.c.project_id == pid)).rowcount >= 2
    restored = app.versions.restore(pid, 1, ctx)
    assert app.projects.view(restored).digest == app.versions.get(pid, 1).digest
    rows = {r.item_id: (r.source_id, r.source_version) for r in _rows(app, restored)}
    assert rows[restored_id(restored, item)] == (item, 4)
    only = app.versions.restore(pid, 1, ctx, name="only ds", datasets=["ds"])
    assert app.projects.view(only).items == len(rows)
    app.exports.to_files("supervisely", pid, tmp_path / "source", version=1)
    app.exports.to_files("supervisely", restored, tmp_path / "restored")
    _same_files(tmp_path / "source", tmp_path / "restored")
    _verified(app)
