"""Edits hand snapshots to a background thread; the state read back is the same."""

from __future__ import annotations

from dataclasses import replace

from application.settings import Settings
from domain.digest import state_digest
from domain.values import Context
from interfaces.composition import build_ledger
from tests.conftest import DEMO


def test_edits_past_the_interval_get_a_snapshot_written_in_the_background(
    settings: Settings,
) -> None:
    app = build_ledger(replace(settings, snapshot_every=10, background_snapshots=True))
    ctx = Context("bob")
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    obj = next(iter(app.items.get(item).objects))
    for i in range(25):
        box = {"points": {"exterior": [[i, 0], [100 + i, 100]], "interior": []}}
        app.items.change_object(item, obj, ctx, geometry=box)
    assert app.core._snapshot_pool is not None
    app.core._snapshot_pool.shutdown(wait=True)
    assert app.core.project_snapshots is not None
    snapshot_at = app.core.project_snapshots.latest_position(pid)
    assert snapshot_at > 10
    head = app.projects.view(pid)
    assert state_digest(app.versions.state_of(pid, "current")) == head.digest
