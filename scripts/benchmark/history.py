"""Does restore cost follow the state, not the history?

Two projects of the same 1,000 items: in one each item is edited once, in the other
each item is edited 1,000 times (1,000,000 edit events). A version is created on each
and restored; the second restore must take at most 1.5x the first.

The long history is recorded the way ``save_item`` records an edit (the domain's
``change_object``; the events stored with the item's catalog entry; an item snapshot at
every 16th item version; the project's snapshot hook), but with every item's next 16
edits in one transaction and the item snapshots taken from the aggregates in memory
rather than reloaded one by one: the stored events, snapshots and catalog are the ones
one save per edit leaves; only the project snapshots land at batch boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from application.core.catalog import catalog_entry
from application.core.clock import utc_now
from application.ports import ProjectWrite
from domain.item import Item
from scripts.benchmark.cli import settings_env
from scripts.benchmark.measure import Timer, fresh, sqlite_bytes
from scripts.benchmark.ours import Ours
from scripts.benchmark.workload import RealData, Workload, shift


def run_history(workdir: Path, real: RealData, items: int, edits: int,
                advance: Callable[[int], None]) -> dict[str, Any]:
    result: dict[str, Any] = {"items": items, "edits_per_item": edits}
    for label, count in (("once", 1), ("many", edits)):
        db = fresh(workdir / f"history-{label}.db")
        ours = Ours(settings_env(db, workdir / "media", []))
        try:
            workload = Workload(real, items, seed=23)
            pid = ours.import_state(workload.state(), f"history {label}", lambda n: None)
            with Timer() as t:
                _edit_every_item(ours, pid, count, advance)
            ours.create_version(pid, "after the edits")
            seconds, _new = ours.restore(pid, 1, f"history {label} v1")
            result[label] = {"edit_events": items * count, "record_s": t.seconds,
                             "restore_s": seconds, "rebuild_s": ours.rebuild(pid, 1)}
        finally:
            ours.close()
        result[label]["db_bytes"] = sqlite_bytes(db)
    result["ratio"] = result["many"]["restore_s"] / result["once"]["restore_s"]
    return result


def _edit_every_item(ours: Ours, pid: UUID, count: int,
                     advance: Callable[[int], None]) -> None:
    """Edit every item ``count`` times: one geometry moved back and forth."""
    app, ctx = ours.ledger, ours.ctx
    meta = app.projects.get(pid).meta
    interval = app.core.snapshotting_intervals[Item]
    loaded = [app.items.get(i) for i in ours.item_ids(pid).values()]
    targets = []
    for item in loaded:
        obj = next(iter(item.objects.values()))
        targets.append((obj.id, obj.geometry, shift(obj.geometry, 1, 1)))
    done = 0
    while done < count:
        # End each batch where per-edit saves would snapshot: at a multiple of the interval.
        step = min(interval - loaded[0].version % interval, count - done)
        now = utc_now()
        for item, (oid, g0, g1) in zip(loaded, targets, strict=True):
            for n in range(done, done + step):
                item.change_object(meta, oid, ctx, now, geometry=g1 if n % 2 == 0 else g0)
        events = [e for item in loaded for e in item.collect_events()]
        app.core.events.put(events, project=ProjectWrite(pid, items=[catalog_entry(i)
                                                                for i in loaded]))
        snapshots = [Item.Snapshot.take(i) for i in loaded if i.version % interval == 0]
        if snapshots and app.core.snapshots is not None:
            app.core.snapshots.put(snapshots)
        app.core.maybe_snapshot(pid)
        done += step
        advance(step * len(loaded))
