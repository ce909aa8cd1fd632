"""Queries over a project's state and log: at any position, now, or as of a time.

The state at a position is the newest intact project snapshot at or before it, plus
the tail of the log up to it; only item versions are read from the tail (no decoding),
then each item is loaded at its version in batches. Cost follows the state at the
position and the tail, never the history before the snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from application.core.ledger_core import LedgerCore
from application.core.loading import load_states
from application.ports import ProjectHead, ProjectSnapshot
from domain.errors import NotFoundError, ValidationError
from domain.state import ItemState, MetaState

REMOVED = ".Removed"


@dataclass(frozen=True, slots=True)
class Manifest:
    """Which version of each item stood at a position; counts where already known."""

    position: int
    meta_version: int
    versions: dict[UUID, int]
    counts: dict[UUID, tuple[tuple[int, int], ...]]


class States:
    """Reads a project's state at any position (the services' shared read side)."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core
        self.store = core.store

    def head(self, project_id: UUID) -> ProjectHead:
        """The project's head row (position, counts, digest); a missing one is not found."""
        head = self.store.head(project_id)
        if head is None:
            raise NotFoundError("project", project_id)
        return head

    def manifest_at(self, project_id: UUID, position: int, *, counts: bool = True
                    ) -> Manifest:
        """Without ``counts`` none is read (a restore copies them as stored)."""
        head = self.head(project_id)
        if not 0 <= position <= head.position:
            raise ValidationError("position", f"must be between 0 and {head.position}")
        snap = self.core.project_snapshots.read(project_id, position, counts=counts) \
            if self.core.project_snapshots else None
        snap = snap or self._restored(project_id, counts)
        versions = {i: v for i, (v, _) in snap.items.items()}
        known = {i: c for i, (_, c) in snap.items.items()} if counts else {}
        changed, meta_version = self.changes(project_id, snap.position, position)
        for oid, version in changed.items():
            known.pop(oid, None)
            if version is None:
                versions.pop(oid, None)
            else:
                versions[oid] = version
        meta_version = meta_version or snap.meta_version
        return Manifest(position, meta_version, versions, known)

    def _restored(self, project_id: UUID, counts: bool = True) -> ProjectSnapshot:
        """Where a log starts from: nothing, or for a restored project the items its
        restore referred to, each at version 1 (:mod:`application.core.references`)."""
        referred = self.store.references_of(project_id, counts=counts)
        return ProjectSnapshot(0, 0, {i: (1, c) for i, c in referred.items()})

    def changes(self, project_id: UUID, gt: int, lte: int
                ) -> tuple[dict[UUID, int | None], int | None]:
        """What the log changed after position ``gt`` up to ``lte``: each item's last
        version there (None: removed) and the meta's (None: unchanged). Only the log's
        index columns are read; no event is decoded."""
        items: dict[UUID, int | None] = {}
        meta_version = None
        for rec in self.store.log(project_id, gt=gt, lte=lte, with_state=False):
            oid = rec.originator_id
            if oid == project_id:
                meta_version = rec.originator_version
            else:
                items[oid] = None if rec.topic.endswith(REMOVED) else rec.originator_version
        return items, meta_version

    def meta_at(self, project_id: UUID, meta_version: int) -> MetaState:
        if meta_version == 0:
            raise ValidationError("position", "the project did not exist yet")
        return self.core.repository.get(project_id, version=meta_version).meta  # type: ignore[no-any-return]

    def items_at(self, manifest: Manifest, only: set[UUID] | None = None) -> Iterator[ItemState]:
        wanted = manifest.versions if only is None else {
            i: v for i, v in manifest.versions.items() if i in only}
        yield from load_states(self.store, self.core.mapper, wanted,
                               self.core.item_snapshot_every)

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
        head = self.head(project_id).position
        return head if position is None else position
