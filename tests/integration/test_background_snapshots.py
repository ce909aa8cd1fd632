"""Edits hand snapshots to a background thread; the state read back is the same."""

from __future__ import annotations

from dataclasses import replace

from application.bootstrap import build_app
from application.settings import Settings
from domain.digest import state_digest
from domain.values import Context
from tests.conftest import DEMO


def test_edits_past_the_interval_get_a_snapshot_written_in_the_background(
    settings: Settings,
) -> None:
    app = build_app(replace(settings, snapshot_every=10, background_snapshots=True))
    ctx = Context("bob")
    pid = app.import_files("supervisely", DEMO, ctx, name="demo").project
    item = app.resolve_item(pid, "ds/cat1.jpg")
    obj = next(iter(app.get_item(item).objects))
    for i in range(25):
        box = {"points": {"exterior": [[i, 0], [100 + i, 100]], "interior": []}}
        app.change_object(item, obj, ctx, geometry=box)
    assert app._snapshot_pool is not None
    app._snapshot_pool.shutdown(wait=True)
    assert app.project_snapshots is not None
    snapshot_at = app.project_snapshots.latest_position(pid)
    assert snapshot_at > 10
    head = app.project_view(pid)
    assert state_digest(app.state_of(pid, "current")) == head.digest
