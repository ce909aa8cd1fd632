"""Provable history: a digest of the whole log's head, and proofs that a log extends one.

``log_digest`` recomputes every project's hash chain and checks every snapshot against
the log, then encodes each project's (position, chain link) as a digest
(:mod:`domain.log_digest`). ``verify_since`` takes a digest kept earlier and proves that
today's log extends it: each recorded project still exists, its chain recomputed from
the first event reaches the recorded link at the recorded position, its whole chain is
intact, and every snapshot agrees with the log. Snapshots are not chained (they are
caches), so they are checked by replay: each item snapshot against the item folded to
its version, each project snapshot against the item versions and per-class counts the
log gives at its position. Cost: one pass over each project's log.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.base import class_counts
from application.loading import gc_paused
from application.ports import ChainReport, LogRecord
from application.states import REMOVED, StateQueries
from application.topics import is_event
from domain.item import Item
from domain.log_digest import HeadMark, decode_digest, encode_digest


@dataclass(frozen=True, slots=True)
class ItemSnapshotRow:
    stored: StoredEvent
    checksum_ok: bool


@dataclass(frozen=True, slots=True)
class StoredManifest:
    position: int
    meta_version: int
    items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] | None
    error: str


class ProofStore(Protocol):
    def chain_links(self, project_id: UUID, marks: Collection[int]
                    ) -> tuple[ChainReport, dict[int, bytes]]: ...

    def project_events(self, project_id: UUID) -> Iterator[LogRecord]: ...

    def item_snapshots(self, project_id: UUID) -> list[ItemSnapshotRow]: ...

    def project_manifests(self, project_id: UUID) -> list[StoredManifest]: ...


@dataclass
class ProofReport:
    digest: str | None = None
    projects: int = 0
    events: int = 0
    snapshots: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "digest": self.digest, "projects": self.projects,
                "events": self.events, "snapshots": self.snapshots, "problems": self.problems}


class ProofCommands(StateQueries):
    proof_store: ProofStore | None = None

    def _proofs(self) -> ProofStore:
        if self.proof_store is None:
            raise RuntimeError("no proof store is configured")
        return self.proof_store

    def log_digest(self) -> ProofReport:
        """Check everything, then digest every project's head (no digest if any check fails)."""
        report, marks = ProofReport(), []
        for head in self.store.heads():
            chain, _ = self._proofs().chain_links(head.project_id, ())
            label = _label(head.project_id, head.name)
            report.projects += 1
            report.events += chain.checked
            if not chain.ok:
                report.problems.append(f"{label}: chain broken at position {chain.position}: "
                                       f"{chain.reason}")
            marks.append(HeadMark(head.project_id, chain.checked, chain.head))
            report.problems.extend(self.check_snapshots(head.project_id, label, report))
        if report.ok:
            report.digest = encode_digest(marks)
        return report

    def verify_since(self, digest: str) -> ProofReport:
        """Prove that today's log extends ``digest`` unchanged (problems say where not)."""
        _, marks = decode_digest(digest)
        heads = {h.project_id: h for h in self.store.heads()}
        recorded = {m.project_id: m for m in marks}
        report = ProofReport(digest=digest)
        for pid in sorted(recorded.keys() | heads.keys()):
            head = heads.get(pid)
            label = _label(pid, head.name if head else "")
            mark = recorded.get(pid)
            if head is None:
                report.problems.append(f"{label}: recorded in the digest, now missing")
                continue
            chain, links = self._proofs().chain_links(pid, [mark.position] if mark else [])
            report.projects += 1
            report.events += chain.checked
            if not chain.ok:
                report.problems.append(f"{label}: chain broken at position {chain.position}: "
                                       f"{chain.reason}")
            if mark is not None and mark.position > 0:
                report.problems.extend(_against(label, mark, chain, links))
            report.problems.extend(self.check_snapshots(pid, label, report))
        return report

    def check_snapshots(self, project_id: UUID, label: str, report: ProofReport) -> list[str]:
        """Every item and project snapshot of a project against the log replayed."""
        store = self._proofs()
        problems: list[str] = []
        snaps: dict[tuple[UUID, int], ItemSnapshotRow] = {}
        for row in store.item_snapshots(project_id):
            key = (_uuid(row.stored.originator_id), row.stored.originator_version)
            if not row.checksum_ok:
                problems.append(f"{label}: snapshot of item {key[0]} v{key[1]} fails its checksum")
            else:
                snaps[key] = row
        manifests = {}
        for m in store.project_manifests(project_id):
            if m.items is None:
                problems.append(f"{label}: project snapshot at position {m.position} "
                                f"cannot be read: {m.error}")
            else:
                manifests[m.position] = m
        report.snapshots += len(snaps) + len(manifests)
        if snaps or manifests:
            with gc_paused():
                problems.extend(self._replay_against(project_id, label, snaps, manifests))
        return problems

    def _replay_against(self, project_id: UUID, label: str,
                        snaps: dict[tuple[UUID, int], ItemSnapshotRow],
                        manifests: dict[int, StoredManifest]) -> Iterator[str]:
        items: dict[UUID, Any] = {}
        versions: dict[UUID, int] = {}
        meta_version = 0
        for rec in self._proofs().project_events(project_id):
            oid = rec.originator_id
            if oid == project_id:
                meta_version = rec.originator_version
            elif is_event(rec.topic, Item.Event):
                try:
                    event: Any = self.mapper.to_domain_event(rec.stored_event())
                    items[oid] = event.mutate(items.get(oid))
                except Exception as exc:  # bytes rewritten into something undecodable
                    yield (f"{label}: the event at position {rec.position} cannot be replayed "
                           f"({type(exc).__name__}); snapshots after it were not checked")
                    return
                if rec.topic.endswith(REMOVED):
                    versions.pop(oid, None)
                else:
                    versions[oid] = rec.originator_version
                row = snaps.pop((oid, rec.originator_version), None)
                if row is not None and not self._same(row, items[oid]):
                    yield (f"{label}: snapshot of item {oid} v{rec.originator_version} "
                           f"differs from its events")
            m = manifests.pop(rec.position, None)
            if m is not None and not _manifest_agrees(m, meta_version, versions, items):
                yield (f"{label}: project snapshot at position {m.position} differs from the "
                       f"log at that position")
        for oid, version in snaps:
            yield f"{label}: snapshot of item {oid} v{version} has no matching event"
        for position in manifests:
            yield f"{label}: project snapshot at position {position} is past the log's end"

    def _same(self, row: ItemSnapshotRow, item: Any) -> bool:
        try:
            decoded: Any = self.mapper.to_domain_event(row.stored)
            snap = decoded.mutate(None)
        except Exception:  # undecodable bytes behind a recomputed checksum
            return False
        return bool((snap.version, snap.removed, snap.project_id, snap.to_state()) ==
                    (item.version, item.removed, item.project_id, item.to_state()))


def _against(label: str, mark: HeadMark, chain: ChainReport, links: dict[int, bytes]
             ) -> list[str]:
    link = links.get(mark.position)
    if link is None:
        if chain.checked < mark.position and chain.ok:
            return [f"{label}: the log ends at position {chain.checked}, before the recorded "
                    f"position {mark.position}"]
        return [f"{label}: history up to the recorded position {mark.position} was changed: "
                f"the chain breaks at position {chain.position}"]
    if link != mark.chain:
        return [f"{label}: the chain at position {mark.position} no longer matches the digest: "
                f"history up to it was rewritten"]
    return []


def _manifest_agrees(m: StoredManifest, meta_version: int, versions: dict[UUID, int],
                     items: dict[UUID, Any]) -> bool:
    assert m.items is not None
    if m.meta_version != meta_version or m.items.keys() != versions.keys():
        return False
    return all(v == versions[i] and counts == class_counts(items[i].objects.values())
               for i, (v, counts) in m.items.items())


def _label(project_id: UUID, name: str) -> str:
    return f"project {name or '(system)'} ({project_id})"


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
