"""Provable history: a digest of the whole log's head, and proofs that a log extends one.

``verify`` recomputes hash chains alone (one project's, or every one's). ``log_digest``
recomputes every project's hash chain and checks every snapshot against the log, then
encodes each project's (position, chain link) as a digest (:mod:`domain.log_digest`).
``verify_since`` takes a digest kept earlier and proves that today's log extends it: each
recorded project still exists, its chain recomputed from the first event reaches the
recorded link at the recorded position, its whole chain is intact, and every snapshot
agrees with the log. Snapshots are not chained (they are caches), so they are checked by
replay: each item snapshot against the item folded to its version, each project snapshot
against the item versions and per-class counts the log gives at its position. Cost: one
pass over each project's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from application.core.catalog import class_counts
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.states import REMOVED, States
from application.core.topics import is_event
from application.ports import ChainReport, ItemSnapshotRow, ProofStore, StoredManifest
from application.views.projects import VerifyView
from application.views.proofs import ProofReport
from domain.item import Item
from domain.log_digest import HeadMark, decode_digest, encode_digest


class Proofs:
    """Hash chains recomputed, snapshots checked against the log, digests and proofs."""

    def __init__(self, core: LedgerCore, states: States, store: ProofStore) -> None:
        self.core = core
        self.states = states
        self.store = store

    def verify(self, project_id: UUID | None = None) -> list[VerifyView]:
        """Recompute hash chains: one project's, or every project's (and the system log)."""
        heads = self.core.store.heads()
        names = {h.project_id: h.name or "(system)" for h in heads}
        ids = [project_id] if project_id else [h.project_id for h in heads]
        views = []
        for pid in ids:
            r = self.core.store.verify(pid)
            views.append(VerifyView(pid, names.get(pid, "?"), r.ok, r.checked, r.position,
                                    r.reason, r.head.hex()))
        return views

    def log_digest(self) -> ProofReport:
        """Check everything, then digest every project's head (no digest if any check fails)."""
        report, marks = ProofReport(), []
        for head in self.core.store.heads():
            chain, _ = self.store.chain_links(head.project_id, ())
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
        heads = {h.project_id: h for h in self.core.store.heads()}
        recorded = {m.project_id: m for m in marks}
        report = ProofReport(digest=digest)
        for pid in sorted(recorded.keys() | heads.keys()):
            head = heads.get(pid)
            label = _label(pid, head.name if head else "")
            mark = recorded.get(pid)
            if head is None:
                report.problems.append(f"{label}: recorded in the digest, now missing")
                continue
            chain, links = self.store.chain_links(pid, [mark.position] if mark else [])
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
        store = self.store
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
        for rec in self.store.project_events(project_id):
            oid = rec.originator_id
            if oid == project_id:
                meta_version = rec.originator_version
            elif is_event(rec.topic, Item.Event):
                try:
                    event: Any = self.core.mapper.to_domain_event(rec.stored_event())
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
            decoded: Any = self.core.mapper.to_domain_event(row.stored)
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
