"""Versions: create, refuse when unchanged, compare, restore, revert, export."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest

from application.ledger import Ledger
from domain.digest import state_digest
from domain.errors import NoChangesError, NotFoundError
from domain.values import Context, Version
from tests.conftest import DEMO, editable_demo


def _edit(copy: Path) -> None:
    """Move a point, drop an object, add one without an id, tag an item."""
    ann3 = copy / "ds" / "ann" / "cat3.jpg.json"
    a3 = json.loads(ann3.read_text())
    a3["objects"][1]["points"]["exterior"] = [[600, 100]]
    del a3["objects"][2]
    ann3.write_text(json.dumps(a3))
    ann1 = copy / "ds" / "ann" / "cat1.jpg.json"
    a1 = json.loads(ann1.read_text())
    new = dict(a1["objects"][0])
    new.pop("id")
    new["points"] = {"exterior": [[10, 10], [50, 60]], "interior": []}
    new["tags"] = []
    a1["objects"].append(new)
    ann1.write_text(json.dumps(a1))


def test_the_versions_story_reports_exactly_the_edits(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    v1 = app.versions.create(pid, ctx, "imported")
    with pytest.raises(NoChangesError, match="version 1"):
        app.versions.create(pid, ctx)

    copy = editable_demo(tmp_path)
    _edit(copy)
    synced = app.imports.from_files("supervisely", copy, ctx, into=pid)
    assert synced.events == 3  # a geometry change, a removal, an addition: nothing else
    v2 = app.versions.create(pid, ctx, "edited")
    assert (v1.number, v2.number) == (1, 2)
    assert v2.position > v1.position and v2.digest != v1.digest

    diff = app.versions.diff(pid, 1, 2).as_json(per_item=True)
    assert diff["items"] == {"added": [], "removed": [], "modified": ["ds/cat1.jpg", "ds/cat3.jpg"]}
    assert diff["objects"] == {"added": 1, "removed": 1, "modified": 1, "per_item": {
        "ds/cat1.jpg": {"added": diff["objects"]["per_item"]["ds/cat1.jpg"]["added"],
                        "removed": [], "modified": []},
        "ds/cat3.jpg": {"added": [], "removed": [556892356], "modified": [556892350]},
    }}
    assert diff["classes"]["cat"] == [2, 3]
    assert diff["classes"]["test_point"] == [2, 1]

    again = app.imports.from_files("supervisely", copy, ctx, into=pid)
    assert again.events == 0  # syncing the same content records nothing


def _versioned_then_edited(app: Ledger, ctx: Context, tmp_path: Path) -> tuple[UUID, Version]:
    """The real export as version 1, then the edited copy synced in (not yet versioned)."""
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    v1 = app.versions.create(pid, ctx)
    copy = editable_demo(tmp_path)
    _edit(copy)
    app.imports.from_files("supervisely", copy, ctx, into=pid)
    return pid, v1


def test_restore_creates_a_new_project_equal_to_the_version(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid, v1 = _versioned_then_edited(app, ctx, tmp_path)
    app.versions.create(pid, ctx)

    restored = app.versions.restore(pid, 1, ctx)
    view = app.projects.view(restored)
    assert view.name == "demo, from ver. 1"
    assert view.digest == v1.digest == state_digest(app.versions.state_of(restored, "current"))
    created = app.history.log_entries(restored, limit=1, newest=False)[0]
    assert created.type == "Project.Created"
    provenance = app.projects.get(restored).provenance
    assert provenance is not None
    assert (provenance.project_id, provenance.version, provenance.digest) == (pid, 1, v1.digest)
    assert app.projects.view(restored).position == 1  # by reference: the project's event only

    app.exports.to_files("supervisely", restored, tmp_path / "out")
    for ann in (DEMO / "ds" / "ann").glob("*.json"):
        original = json.loads(ann.read_text())
        exported = json.loads((tmp_path / "out" / "ds" / "ann" / ann.name).read_text())
        assert {o["id"] for o in original["objects"]} == {o["id"] for o in exported["objects"]}
        assert [o["points"] for o in original["objects"]] == [o["points"] for o in
                                                             exported["objects"]]


def test_a_restored_project_is_fully_editable(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    app.versions.create(pid, ctx)
    restored = app.versions.restore(pid, 1, ctx, name="copy")
    item = app.projects.resolve_item(restored, "ds/cat1.jpg")
    obj = next(iter(app.items.get(item).objects))
    app.items.remove_object(item, obj, ctx)
    assert app.projects.view(restored).objects == 8
    assert app.projects.view(pid).objects == 9


def test_restore_with_datasets_keeps_only_those(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    ds = app.projects.create_dataset(pid, "other", ctx)
    media = app.versions.state_of(pid, "current").items[(1, "cat1.jpg")].media
    app.items.upload_item(pid, ds.id, "x.jpg", media, ctx)
    app.versions.create(pid, ctx)
    only = app.versions.restore(pid, 1, ctx, name="only other", datasets=["other"])
    assert app.projects.view(only).items == 1
    with pytest.raises(Exception, match="no dataset named nope"):
        app.versions.restore(pid, 1, ctx, name="x", datasets=["nope"])


def test_revert_brings_back_the_exact_digest_and_keeps_history(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    pid, v1 = _versioned_then_edited(app, ctx, tmp_path)
    item = app.projects.resolve_item(pid, "ds/dog3.jpg")
    app.items.remove(item, ctx)
    app.projects.add_class(
        pid, app.projects.get(pid).classes[2707428].__class__(0, "bird", "point"), ctx)
    before = app.projects.view(pid).position

    app.versions.revert(pid, 1, ctx)
    view = app.projects.view(pid)
    assert view.digest == v1.digest
    assert view.position > before
    assert app.history.log_entries(pid, limit=1)[0].type == "Project.Reverted"
    assert app.items.get(item).name == "dog3.jpg"  # revived, same id
    assert app.proofs.verify(pid)[0].ok
    with pytest.raises(NoChangesError):
        app.versions.create(pid, ctx)


def test_an_unknown_version_is_named(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    with pytest.raises(NotFoundError, match="version not found: 3"):
        app.versions.restore(pid, 3, ctx)
