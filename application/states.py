"""Queries over a project's state and log: at any position, now, or as of a time.

The state at a position is the newest intact project snapshot at or before it, plus
the tail of the log up to it; only item versions are read from the tail (no decoding),
then each item is loaded at its version in batches. Cost follows the state at the
position and the tail, never the history before the snapshot.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from uuid import UUID

from application.base import LedgerBase
from application.event_views import event_view
from application.loading import load_items
from application.ports import ProjectSnapshot, SnapshotStore
from application.views import LogEntry, ProjectView
from domain.errors import NotFoundError, ValidationError
from domain.item import Item
from domain.state import ItemState, MetaState

REMOVED = ".Removed"
log = logging.getLogger("annoledger")


@dataclass(frozen=True, slots=True)
class Manifest:
    """Which version of each item stood at a position; counts where already known."""

    position: int
    meta_version: int
    versions: dict[UUID, int]
    counts: dict[UUID, tuple[tuple[int, int], ...]]


class StateQueries(LedgerBase):
    project_snapshots: SnapshotStore | None = None
    _snapshot_pool: ThreadPoolExecutor | None = None

    def projects(self) -> list[ProjectView]:
        return [ProjectView(h.project_id, h.name, h.items, h.objects, h.position, h.digest)
                for h in self.store.heads() if h.project_id.int != 0]

    def project_view(self, project_id: UUID) -> ProjectView:
        head = self.store.head(project_id)
        if head is None:
            raise NotFoundError("project", project_id)
        return ProjectView(project_id, head.name, head.items, head.objects, head.position,
                           head.digest)

    def manifest_at(self, project_id: UUID, position: int) -> Manifest:
        head = self.project_view(project_id)
        if not 0 <= position <= head.position:
            raise ValidationError("position", f"must be between 0 and {head.position}")
        snap = self.project_snapshots.read(project_id, position) if self.project_snapshots \
            else None
        snap = snap or ProjectSnapshot(0, 0, {})
        versions = {i: v for i, (v, _) in snap.items.items()}
        counts = {i: c for i, (_, c) in snap.items.items()}
        meta_version = snap.meta_version
        for rec in self.store.log(project_id, gt=snap.position, lte=position, with_state=False):
            oid = rec.originator_id
            if oid == project_id:
                meta_version = rec.originator_version
                continue
            counts.pop(oid, None)
            if rec.topic.endswith(REMOVED):
                versions.pop(oid, None)
            else:
                versions[oid] = rec.originator_version
        return Manifest(position, meta_version, versions, counts)

    def meta_at(self, project_id: UUID, meta_version: int) -> MetaState:
        if meta_version == 0:
            raise ValidationError("position", "the project did not exist yet")
        return self.repository.get(project_id, version=meta_version).meta  # type: ignore[no-any-return]

    def items_at(self, manifest: Manifest, only: set[UUID] | None = None) -> Iterator[ItemState]:
        wanted = manifest.versions if only is None else {
            i: v for i, v in manifest.versions.items() if i in only}
        for item in load_items(self.store, self.mapper, wanted,
                               self.snapshotting_intervals[Item]):
            yield item.to_state()

    def current_class_counts(self, project_id: UUID) -> Counter[int]:
        """Objects per class now, summed from the catalog (no item is loaded)."""
        totals: Counter[int] = Counter()
        for entry in self.store.catalog(project_id):
            for class_id, n in entry.classes:
                totals[class_id] += n
        return totals

    def class_counts(self, manifest: Manifest) -> Counter[int]:
        """Objects per class at a manifest: known counts, plus loading the tail's items."""
        totals: Counter[int] = Counter()
        for counts in manifest.counts.values():
            for class_id, n in counts:
                totals[class_id] += n
        unknown = set(manifest.versions) - set(manifest.counts)
        for state in self.items_at(manifest, unknown):
            totals.update(o.class_id for o in state.objects)
        return totals

    def position_of(self, project_id: UUID, position: int | None = None,
                    as_of: float | None = None) -> int:
        if as_of is not None:
            return self.store.position_at_time(project_id, as_of)
        head = self.project_view(project_id).position
        return head if position is None else position

    def log_entries(self, project_id: UUID, *, limit: int = 100, gt: int = 0,
                    lte: int | None = None, newest: bool = True) -> list[LogEntry]:
        records = self.store.log(project_id, gt=gt, lte=lte, limit=limit, desc=newest)
        if newest:
            records.reverse()
        entries = []
        for rec in records:
            v = event_view(self, rec, data=False)
            target = v.type.split(".")[0].lower() + ":" + str(v.stream)
            entries.append(LogEntry(v.position, v.time, v.actor, v.type, target,
                                    str(v.session) if v.session else None))
        return entries

    def maybe_snapshot(self, project_id: UUID, position: int | None = None, *,
                       background: bool = False) -> None:
        """Snapshot when the log has grown by ``snapshot_every`` since the last one.

        ``position`` (the log head just written) spares a query on the edit path; the last
        snapshot's position is remembered per process. ``background``: the snapshot is
        written by one worker thread, so the edit that crossed the threshold does not wait
        for it (snapshots are caches: one lost when the process stops costs nothing).
        """
        snapshots = self.project_snapshots
        if snapshots is None:
            return
        if position is None:
            head = self.store.head(project_id)
            position = head.position if head else 0
        last = self._snapshot_positions.get(project_id)
        if last is None:
            last = snapshots.latest_position(project_id)
            self._snapshot_positions[project_id] = last
        if position - last < self.snapshot_every:
            return
        self._snapshot_positions[project_id] = position  # no second request meanwhile

        def write() -> None:
            try:
                self._snapshot_positions[project_id] = snapshots.write(project_id) or last
            except Exception:  # a cache: log it, and let a later edit try again
                log.exception("snapshot of project %s failed", project_id)
                self._snapshot_positions[project_id] = last

        if background:
            self._snapshot_worker().submit(write)
        else:
            write()

    def _snapshot_worker(self) -> ThreadPoolExecutor:
        if self._snapshot_pool is None:
            self._snapshot_pool = ThreadPoolExecutor(1, thread_name_prefix="snapshots")
        return self._snapshot_pool
