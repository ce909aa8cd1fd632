"""One log replayed, and every row derived from it compared with what the replay gives.

The hash chain makes the log itself tamper-evident; the rows users read are derived from
it and written beside it (the catalog, the head row, the time index, the snapshots).
:class:`LogCheck` reads a log once, in position order, in one consistent snapshot
(:class:`application.ports.ProjectReading`), folds every aggregate of the log as it
goes, and names each place where a stored row is not what the log says:

``events``
    the chain (a changed, missing, inserted or reordered row), and the order of
    notification ids: the recorder assigns them in commit order, so along a log they
    only grow; ids swapped between logs break that.
``time index``
    ``recorded_at``, what time travel reads: never before the event itself (its own
    time is inside the chained bytes) and never earlier than the row before it. (The
    system log's events may carry a time a client gave, so there only the order is
    checked.)
``snapshots``
    every item and project snapshot equal to the aggregate folded to its version, and
    every project snapshot equal to the item versions and class counts at its
    position, whatever their checksums say.
``catalog``
    each item row (dataset, name, version, object count, content hash, class counts,
    tag ids) equal to the catalog entry of the item folded to the end of the log (the
    function the writer uses), no row for an item the log removed or never held.
``version manifests``
    each version's stored manifest (:mod:`application.versions.manifest_check`).
``heads``
    the head row exists when the log does (without it the project vanishes from every
    list), and holds the name, item and object counts and digest of the log's end.

A restored project's log holds no events for the items its restore referred to
(:mod:`application.core.references`): those are recomputed from the source's log at
the version (:class:`application.compliance.reference_check.References`), stand in the
log from its first event on, and are compared like the others; a reference must point
at a state with the content the restore referred to, and an item's ``Restored`` event
(its copy on write) must carry that content.

Problems come in log order (then what is compared at the end); ``verify`` reports the
first, proofs of extension (``digest`` mode) collect the snapshot problems only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from application.core.catalog import catalog_entry, class_counts
from application.core.states import REMOVED
from application.ports import (
    SYSTEM_PROJECT,
    CatalogEntry,
    ItemSnapshotRow,
    LogRecord,
    ProjectHead,
    ProjectReading,
    StoredManifest,
)
from application.versions.manifest_check import ManifestCheck
from domain.digest import MODULUS, combine, item_hash, meta_hash
from domain.item import Item
from domain.project import Project

if TYPE_CHECKING:
    from application.compliance.reference_check import References

CLOCK_SKEW = 1.0
"""Seconds two writers' clocks may disagree by (rows recorded by different processes,
possibly on different hosts, are compared with this much slack; an event's own time
and its row's, written by one process, with none)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One stored row that is not what the log gives."""

    table: str
    key: str
    text: str
    position: int | None = None
    """The log position it was found at (None: found comparing the log's end)."""
    chain: bool = False
    """The hash chain breaks there (``text`` is the chain's own reason)."""

    @property
    def message(self) -> str:
        return f"{self.table}: {self.key}: {self.text}"


class LogCheck:
    """Replays one log read through ``reading``; :meth:`problems` yields what differs.

    ``derived``: every derived row is compared (``verify``); otherwise only the
    snapshots, and the chain is left to the caller (proofs of extension).
    """

    def __init__(self, mapper: Mapper[UUID], project_id: UUID, reading: ProjectReading, *,
                 derived: bool = True, tick: Callable[[int], None] | None = None,
                 every: int = 5000, references: References | None = None) -> None:
        self.mapper = mapper
        self.references = references
        self.referred: dict[UUID, CatalogEntry] = {}
        """The entries the project's restore referred to (none: not restored)."""
        self.tick, self.every = tick, every
        self.project_id = project_id
        self.reading = reading
        self.derived = derived
        self.system = project_id == SYSTEM_PROJECT
        self.aggregates: dict[UUID, Any] = {}
        self.live: dict[UUID, int] = {}
        """Item id -> version, for the items standing at the current position."""
        self.read = 0
        """Records read so far."""
        self.now = time.time()
        """When the check began: no row can have been recorded later."""
        self.snapshots = 0
        """Snapshots compared (the ones whose checksum holds, and readable manifests)."""

    @property
    def project(self) -> Project | None:
        found = self.aggregates.get(self.project_id)
        return found if isinstance(found, Project) else None

    @property
    def name(self) -> str:
        """The log's name as the log says it ("" for the system log or none yet)."""
        project = self.project
        return project.name if project is not None else ""

    def problems(self) -> Iterator[Problem]:
        reading = self.reading
        snaps, manifests = yield from self._stored_snapshots()
        replaying = True
        chain_told = False
        last: LogRecord | None = None
        for rec in reading.records():
            self.read += 1
            if self.tick is not None and self.read % self.every == 0:
                self.tick(self.read)
            broken = reading.broken
            if self.derived and broken is not None and not chain_told:
                chain_told = True
                yield Problem("events", f"position {broken.position}", broken.reason,
                              broken.position, chain=True)
            if self.derived:
                yield from self._order(rec, last)
            event: Any = None
            if replaying and (snaps or not self.system):
                # (nothing derived from the system log's events is replayed)
                try:
                    event = self.mapper.to_domain_event(rec.stored_event())
                    self.aggregates[rec.originator_id] = event.mutate(
                        self.aggregates.get(rec.originator_id))
                except Exception as exc:  # bytes rewritten into something undecodable
                    replaying, event = False, None
                    yield Problem("events", f"position {rec.position}",
                                  f"cannot be replayed ({type(exc).__name__}: {exc}); nothing "
                                  f"after it was compared (an encrypted log is read with "
                                  f"its key)", rec.position)
            if self.derived:
                yield from self._time(rec, None if self.system else event, last)
            last = rec
            if event is not None and rec.originator_id == self.project_id \
                    and rec.originator_version == 1:
                yield from self._restored(rec)
            if self.derived and event is not None and isinstance(event, Item.Restored):
                yield from self._copied(rec, event)
            if event is not None:
                yield from self._snapshot(rec, snaps)
                yield from self._manifest(rec, manifests)
                yield from self._version_manifests(rec)
        if replaying:  # else the replay stopped short of them: not their fault
            for oid, version in snaps:
                yield Problem("snapshots", _snapshot_key(self.project_id, oid, version),
                              "has no matching event")
            for position in manifests:
                yield Problem("snapshots", f"project snapshot at position {position}",
                              "is past the log's end")
        if self.derived:
            yield from self._end(replaying, chain_told)

    # -- along the log ---------------------------------------------------------------------

    def _stored_snapshots(self) -> Generator[Problem, None, tuple[
            dict[tuple[UUID, int], ItemSnapshotRow], dict[int, StoredManifest]]]:
        """Snapshots as stored, keyed by what they stand for; their checksums checked."""
        snaps: dict[tuple[UUID, int], ItemSnapshotRow] = {}
        for row in self.reading.item_snapshots():
            key = (_uuid(row.stored.originator_id), row.stored.originator_version)
            if not row.checksum_ok:
                yield Problem("snapshots", _snapshot_key(self.project_id, *key),
                              "fails its checksum")
            else:
                snaps[key] = row
        manifests: dict[int, StoredManifest] = {}
        for m in self.reading.manifests():
            if m.items is None:
                yield Problem("snapshots", f"project snapshot at position {m.position}",
                              f"cannot be read: {m.error}", m.position)
            else:
                manifests[m.position] = m
        self.snapshots = len(snaps) + len(manifests)
        return snaps, manifests

    def _order(self, rec: LogRecord, last: LogRecord | None) -> Iterator[Problem]:
        if last is not None and rec.notification_id <= last.notification_id:
            yield Problem("events", f"position {rec.position}",
                          f"notification id {rec.notification_id} is not after position "
                          f"{last.position}'s {last.notification_id}: the log's order was "
                          f"changed", rec.position)

    def _time(self, rec: LogRecord, event: Any, last: LogRecord | None) -> Iterator[Problem]:
        at = rec.recorded_at
        if at is None:
            return
        happened = event.timestamp.timestamp() if event is not None else None
        if happened is not None and at < happened:
            yield Problem("time index", f"position {rec.position}",
                          f"recorded at {_iso(at)}, before the event itself "
                          f"({_iso(happened)})", rec.position)
        elif at > self.now + CLOCK_SKEW:
            yield Problem("time index", f"position {rec.position}",
                          f"recorded at {_iso(at)}, later than now ({_iso(self.now)})",
                          rec.position)
        elif last is not None and last.recorded_at is not None \
                and at < last.recorded_at - CLOCK_SKEW:
            yield Problem("time index", f"position {rec.position}",
                          f"recorded at {_iso(at)}, before position {last.position} "
                          f"({_iso(last.recorded_at)})", rec.position)

    def _restored(self, rec: LogRecord) -> Iterator[Problem]:
        """At the project's first event: the items its restore referred to, if any."""
        project = self.project
        if project is None or project.provenance is None \
                or not project.provenance.by_reference or self.references is None:
            return
        try:
            self.referred = self.references.expected(project)
        except Exception as exc:  # the source's log cannot give its state
            yield Problem("catalog", "references", f"cannot be recomputed from project "
                          f"{project.provenance.project_id}'s log ({type(exc).__name__}: "
                          f"{exc})", rec.position)
            return
        self.live.update(dict.fromkeys(self.referred, 1))

    def _copied(self, rec: LogRecord, event: Any) -> Iterator[Problem]:
        """An item's ``Restored`` event: the content its project's restore referred to."""
        want = self.referred.get(rec.originator_id)
        agg = self.aggregates[rec.originator_id]
        if want is None:
            yield Problem("events", f"position {rec.position}",
                          f"item {rec.originator_id} is restored, but its project's restore "
                          f"referred to no such item", rec.position)
        elif item_hash(agg.to_state()) != want.state_hash:
            yield Problem("events", f"position {rec.position}",
                          f"item {rec.originator_id} is restored with other content than "
                          f"its project's restore referred to", rec.position)

    def _snapshot(self, rec: LogRecord, snaps: dict[tuple[UUID, int], ItemSnapshotRow]
                  ) -> Iterator[Problem]:
        oid, version = rec.originator_id, rec.originator_version
        agg = self.aggregates[oid]
        if isinstance(agg, Item):
            if rec.topic.endswith(REMOVED):
                self.live.pop(oid, None)
            else:
                self.live[oid] = version
        row = snaps.pop((oid, version), None)
        if row is not None and not self._same(row, agg):
            yield Problem("snapshots", _snapshot_key(self.project_id, oid, version),
                          "differs from its events", rec.position)

    def _manifest(self, rec: LogRecord, manifests: dict[int, StoredManifest]
                  ) -> Iterator[Problem]:
        m = manifests.pop(rec.position, None)
        if m is None:
            return
        project = self.project
        meta_version = project.version if project is not None else 0
        if not _manifest_agrees(m, meta_version, self.live, self._counts):
            yield Problem("snapshots", f"project snapshot at position {m.position}",
                          "differs from the log at that position", rec.position)

    manifest_check: ManifestCheck | None = None
    """Stored version manifests against the log, from the first record read on."""

    def _version_manifests(self, rec: LogRecord | None) -> Iterator[Problem]:
        """Version manifests (:mod:`application.versions.manifest_check`) when every
        derived row is compared: fed each record, then (``None``) the log's end."""
        if not self.derived:
            return
        if self.manifest_check is None:
            self.manifest_check = ManifestCheck(self.reading.version_manifests(),
                                                self._counts)
        check, project = self.manifest_check, self.project
        if rec is None:
            for key, text in check.end(project.versions if project is not None else ()):
                yield Problem("version manifests", key, text)
            return
        for key, text in check.feed(rec, self.aggregates[rec.originator_id], self.live,
                                    project.version if project is not None else 0):
            yield Problem("version manifests", key, text, rec.position)

    def _same(self, row: ItemSnapshotRow, agg: Any) -> bool:
        try:
            decoded: Any = self.mapper.to_domain_event(row.stored)
            snap = decoded.mutate(None)
        except Exception:  # undecodable bytes behind a recomputed checksum
            return False
        return _form(snap) == _form(agg)

    # -- at the log's end --------------------------------------------------------------------

    def _end(self, replayed: bool, chain_told: bool) -> Iterator[Problem]:
        reading = self.reading
        head = reading.head
        if head is None:
            yield Problem("heads", f"project {self.project_id}",
                          f"no head row, though the log holds {self.read} events (the "
                          f"project is missing from every list)")
            return
        chain = reading.chain
        if not chain.ok and not chain_told:
            yield Problem("events", f"position {chain.position}", chain.reason,
                          chain.position, chain=True)
        if not replayed:
            return
        expected = {i: e for i, e in self.referred.items() if i not in self.aggregates}
        expected.update((i, catalog_entry(a)) for i, a in self.aggregates.items()
                        if isinstance(a, Item) and not a.removed)
        yield from self._catalog(reading.catalog(), expected)
        yield from self._head(head, expected)
        yield from self._version_manifests(None)

    def _catalog(self, stored: list[CatalogEntry], expected: dict[UUID, CatalogEntry]
                 ) -> Iterator[Problem]:
        rows = {e.item_id: e for e in stored}
        keys = {i: self._item_key(i, expected.get(i) or rows[i])
                for i in rows.keys() | expected.keys()}
        for item_id in sorted(keys, key=lambda i: (keys[i], str(i))):
            row, want = rows.get(item_id), expected.get(item_id)
            key = keys[item_id]
            if row is None:
                assert want is not None
                yield Problem("catalog", key, f"missing, though the log holds it "
                                              f"(version {want.version})")
            elif want is None:
                agg = self.aggregates.get(item_id)
                text = "removed in the log" if isinstance(agg, Item) else "not in the log"
                yield Problem("catalog", key, f"listed, but {text}")
            else:
                text = _entry_differences(row, want) or self._reference(item_id, row, want)
                if text:
                    yield Problem("catalog", key, text)

    def _reference(self, item_id: UUID, row: CatalogEntry, want: CatalogEntry) -> str:
        """What is wrong with the row's reference (an item the log holds events of has
        none; one it does not refers to a state with the content referred to)."""
        if item_id in self.aggregates:
            return "" if row.source is None else (
                f"refers to {_ref(row.source)}, log says it has events of its own")
        if row.source is None:
            return "refers to nothing, log says its project's restore referred to it"
        assert self.references is not None
        if self.references.hash_at(row.source) != want.state_hash:
            return (f"refers to {_ref(row.source)}, which holds other content than the "
                    f"restore referred to")
        return ""

    def _counts(self, item_id: UUID) -> tuple[tuple[int, int], ...]:
        """An item's class counts where the replay stands (referred ones': the restore's)."""
        agg = self.aggregates.get(item_id)
        if agg is None:
            return self.referred[item_id].classes
        return class_counts(agg.objects.values())

    def _item_key(self, item_id: UUID, entry: CatalogEntry) -> str:
        project = self.project
        try:
            path = project.meta.dataset_path(entry.dataset_id) if project else ""
        except KeyError:
            path = f"dataset {entry.dataset_id}"
        return f"item {item_id} ({path + '/' if path else ''}{entry.name})"

    def _head(self, head: ProjectHead, expected: dict[UUID, CatalogEntry]
              ) -> Iterator[Problem]:
        project = self.project
        meta = meta_hash(project.meta) if project is not None else 0
        items_sum = sum(e.state_hash for e in expected.values()) % MODULUS
        want = (repr(self.name), str(len(expected)),
                str(sum(e.objects for e in expected.values())), combine(meta, items_sum))
        found = (repr(head.name), str(head.items), str(head.objects), head.digest)
        text = "; ".join(f"{k} {a}, log says {b}" for k, a, b in zip(
            ("name", "items", "objects", "digest"), found, want, strict=True) if a != b)
        if text:
            yield Problem("heads", f"project {self.project_id}", text)


def _entry_differences(row: CatalogEntry, want: CatalogEntry) -> str:
    fields = (("dataset", row.dataset_id, want.dataset_id),
              ("name", repr(row.name), repr(want.name)),
              ("version", row.version, want.version), ("objects", row.objects, want.objects),
              ("content hash", f"{row.state_hash:064x}", f"{want.state_hash:064x}"),
              ("class counts", _pairs(row.classes), _pairs(want.classes)),
              ("tag ids", _ints(row.tag_ids), _ints(want.tag_ids)))
    return "; ".join(f"{name} {a}, log says {b}" for name, a, b in fields if a != b)


def _manifest_agrees(m: StoredManifest, meta_version: int, versions: dict[UUID, int],
                     counts_of: Callable[[UUID], tuple[tuple[int, int], ...]]) -> bool:
    assert m.items is not None
    if m.meta_version != meta_version or m.items.keys() != versions.keys():
        return False
    return all(v == versions[i] and counts == counts_of(i)
               for i, (v, counts) in m.items.items())


def _ref(source: tuple[UUID, int]) -> str:
    return f"item {source[0]} v{source[1]}"


def _form(agg: Any) -> Any:
    """What a snapshot must reproduce of an aggregate."""
    if isinstance(agg, Item):
        return (type(agg), agg.version, agg.removed, agg.project_id, agg.to_state())
    if isinstance(agg, Project):
        return (type(agg), agg.version, agg.name, agg.meta, list(agg.versions),
                agg.provenance)
    return (type(agg), agg.version)


def _snapshot_key(project_id: UUID, oid: UUID, version: int) -> str:
    return f"project v{version}" if oid == project_id else f"item {oid} v{version}"


def _pairs(pairs: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"{c}:{n}" for c, n in pairs) or "none"


def _ints(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values)) or "none"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
