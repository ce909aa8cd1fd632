"""Provable state and history: every derived row checked against the log, digests of the
log's head, and proofs that a log extends one.

``verify`` recomputes, from the log alone, everything the ledger derives from it and
serves. Each log is replayed once, in position order, with its derived rows read in the
same snapshot (:class:`application.compliance.log_check.LogCheck`: its hash chain, the
order of its notification ids, its time index, its snapshots, its catalog rows and its
head row). Then one pass over every log in notification order checks the time index
across logs and feeds the read models (the audit index and the workflow graph,
:class:`application.ports.DerivedRows`), each event decoded once. Each log reports its
first mismatch, with the table and the row; a read model's mismatch is reported in the
log of the event its row derives from (the workflow graph's, which follow from the
system log, there). ``quick`` recomputes the hash chains alone, as ``verify`` did
before derived rows were checked. Cost: each event is read once per pass (two passes),
and decoded once for the logs and once for the read models; memory holds one log's
aggregates at a time, and the workflow graph's rows.

``log_digest`` recomputes every project's hash chain and checks every snapshot against
the log, then encodes each project's (position, chain link) as a digest
(:mod:`domain.log_digest`). ``verify_since`` takes a digest kept earlier and proves that
today's log extends it: each recorded project still exists, its chain recomputed from
the first event reaches the recorded link at the recorded position, its whole chain is
intact, and every snapshot agrees with the log. Snapshots are not chained (they are
caches), so they are checked by replay, the same replay ``verify`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.compliance.log_check import CLOCK_SKEW, LogCheck, Problem
from application.compliance.reference_check import References
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.states import States
from application.ports import (
    SYSTEM_PROJECT,
    ChainReport,
    DerivedCheck,
    DerivedRows,
    LogRecord,
    ProjectHead,
    ProofStore,
    RowMismatch,
)
from application.views.projects import VerifyView
from application.views.proofs import ProofReport, VerifyReport, ViewReport
from domain.log_digest import HeadMark, decode_digest, encode_digest

Progress = Callable[[int, int], None]
"""Told ``(events read, events to read)`` as a check goes."""
EVERY = 5000
"""Events read between two progress reports."""


class Proofs:
    """Derived rows and hash chains recomputed, snapshots checked, digests and proofs."""

    def __init__(self, core: LedgerCore, states: States, store: ProofStore,
                 derived: Sequence[DerivedRows] = ()) -> None:
        self.core = core
        self.states = states
        self.store = store
        self.derived = tuple(derived)
        self.references = References(core, states)

    # -- verify ------------------------------------------------------------------------------

    def verify(self, project_id: UUID | None = None, *, quick: bool = False,
               progress: Progress | None = None) -> list[VerifyView]:
        """Each log checked (one project's, or every one's and the system log's): its
        chain, and unless ``quick`` every row derived from it; see :meth:`check`."""
        return self.check(project_id, quick=quick, progress=progress).logs

    def check(self, project_id: UUID | None = None, *, quick: bool = False,
              progress: Progress | None = None) -> VerifyReport:
        """Every log (or one project's) and, when every log is checked, every read model.

        A project whose head row is missing is checked too (its log is found in the
        events), and reported: without its head it is missing from every list.
        """
        heads = {h.project_id: h for h in self.core.store.heads()}
        if quick:
            ids = [project_id] if project_id else list(heads)
            return VerifyReport([self._chain_only(pid, heads.get(pid)) for pid in ids],
                                quick=True)
        ids = [project_id] if project_id else self._every_log(heads)
        report = VerifyReport()
        total = sum(h.position for h in heads.values() if h.project_id in ids)
        done = 0
        for pid in ids:
            view, read = self._check_log(pid, heads.get(pid), done, total, progress)
            report.logs.append(view)
            done += read
        if project_id is None:
            report.logs.extend(self._orphans(set(ids)))
            report.views = self._in_order(report, done, progress)
        return report

    def _every_log(self, heads: dict[UUID, ProjectHead]) -> list[UUID]:
        """Logs in the order heads are listed (the system log first), then any log whose
        head row is missing."""
        logged = set(self.store.logged_projects())
        return list(heads) + sorted(logged - heads.keys(), key=str)

    def _chain_only(self, pid: UUID, head: ProjectHead | None) -> VerifyView:
        r = self.core.store.verify(pid)
        name = _name(pid, head.name if head else "?")
        return VerifyView(pid, name, r.ok, r.checked, r.position, r.reason, r.head.hex(),
                          "" if r.ok else "events",
                          "" if r.position is None else f"position {r.position}")

    def _check_log(self, pid: UUID, head: ProjectHead | None, done: int, total: int,
                   progress: Progress | None) -> tuple[VerifyView, int]:
        """The log's first mismatch, and how many events were read."""
        def tick(read: int) -> None:
            if progress is not None:
                progress(done + read, max(total, done + read))

        with self.store.reading(pid) as reading, gc_paused():
            check = LogCheck(self.core.mapper, pid, reading, tick=tick, every=EVERY,
                             references=self.references)
            problem = next(check.problems(), None)
            chain = reading.chain if problem is None else None
            name = _name(pid, check.name or (head.name if head else ""))
        tick(check.read)
        if problem is None:
            assert chain is not None
            return VerifyView(pid, name, True, chain.checked, None, "", chain.head.hex()), \
                check.read
        return _failed(pid, name, check.read, problem), check.read

    def _orphans(self, logs: set[UUID]) -> list[VerifyView]:
        """Catalog rows naming a project that has no log at all."""
        found = []
        for pid in sorted(set(self.store.catalog_owners()) - logs, key=str):
            with self.store.reading(pid) as reading:
                entry = min(reading.catalog(), key=lambda e: (e.dataset_id, e.name))
            found.append(_failed(pid, "?", 0, Problem(
                "catalog", f"item {entry.item_id} ({entry.name})",
                "listed in a project that has no log")))
        return found

    def _in_order(self, report: VerifyReport, base: int, progress: Progress | None
                  ) -> list[ViewReport]:
        """One pass over every log in notification order: the time index across logs
        (ids are given in the order rows are recorded, so times only grow along them),
        and every read model fed the events it derives rows from, each decoded once."""
        checks = list(self.derived)
        uptos = [c.begin() for c in checks]
        failed: dict[int, RowMismatch] = {}
        last_id = self.core.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
        late: tuple[UUID, Problem] | None = None
        prev: LogRecord | None = None
        with gc_paused():
            for n, rec in enumerate(self.store.log_in_order(last_id), 1):
                if late is None and prev is not None:
                    late = _out_of_time(prev, rec)
                prev = rec
                wanting = [i for i, c in enumerate(checks) if i not in failed
                           and rec.notification_id <= uptos[i] and c.handles(rec.topic)]
                if wanting:
                    failed.update(self._feed(rec, [(i, checks[i]) for i in wanting]))
                if progress is not None and n % EVERY == 0:
                    progress(base + rec.notification_id, base + last_id)
        if late is not None:
            self._attribute(report, *late)
        views = []
        for i, check in enumerate(checks):
            result: DerivedCheck = check.end()
            mismatch = failed.get(i) or result.mismatch
            reason = f"{result.label}: {mismatch.key}: {mismatch.text}" if mismatch else ""
            views.append(ViewReport(result.label, result.rows, result.upto,
                                    max(0, last_id - result.upto), reason))
            if mismatch is not None:
                owner = SYSTEM_PROJECT
                if mismatch.notification_id is not None:
                    owner = self.store.log_of_event(mismatch.notification_id) or owner
                self._attribute(report, owner, Problem(result.label, mismatch.key,
                                                       mismatch.text))
        return views

    def _feed(self, rec: LogRecord, checks: list[tuple[int, DerivedRows]]
              ) -> dict[int, RowMismatch]:
        """Give one event to the checks that want it; the ones it fails."""
        key = f"event {rec.notification_id} (position {rec.position})"
        try:
            event: Any = self.core.mapper.to_domain_event(rec.stored_event())
        except Exception as exc:  # bytes the log's own check names already
            return {i: RowMismatch(key, f"cannot be derived: the event cannot be decoded "
                                        f"({type(exc).__name__})", rec.notification_id)
                    for i, _ in checks}
        failed = {}
        for i, check in checks:
            try:
                check.feed(rec, event)
            except Exception as exc:  # a row the model could not derive
                failed[i] = RowMismatch(key, f"cannot be derived ({type(exc).__name__}: "
                                             f"{exc})", rec.notification_id)
        return failed

    def _attribute(self, report: VerifyReport, owner: UUID, problem: Problem) -> None:
        """Report ``problem`` in the log ``owner`` (unless that log failed already)."""
        for i, view in enumerate(report.logs):
            if view.project == owner:
                if view.ok:
                    report.logs[i] = _failed(owner, view.name, view.checked, problem,
                                             head=view.head)
                    report.found_across.add(owner)
                return
        report.logs.append(_failed(owner, _name(owner, ""), 0, problem))
        report.found_across.add(owner)

    # -- digests and proofs of extension ---------------------------------------------------

    def log_digest(self) -> ProofReport:
        """Check everything, then digest every project's head (no digest if any check fails)."""
        report, marks = ProofReport(), []
        for head in self.core.store.heads():
            label = _label(head.project_id, head.name)
            chain, _ = self._replayed(head.project_id, label, (), report)
            marks.append(HeadMark(head.project_id, chain.checked, chain.head))
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
            chain, links = self._replayed(pid, label, [mark.position] if mark else [],
                                          report)
            if mark is not None and mark.position > 0:
                report.problems.extend(_against(label, mark, chain, links))
        return report

    def _replayed(self, pid: UUID, label: str, marks: Sequence[int], report: ProofReport
                  ) -> tuple[ChainReport, dict[int, bytes]]:
        """One log's chain recomputed and its snapshots replayed, in one pass; problems
        go to ``report``."""
        with self.store.reading(pid, marks) as reading, gc_paused():
            check = LogCheck(self.core.mapper, pid, reading, derived=False,
                             references=self.references)
            snapshot_problems = [f"{label}: {p.message}" for p in check.problems()]
            chain, links = reading.chain, dict(reading.links)
        report.projects += 1
        report.events += chain.checked
        report.snapshots += check.snapshots
        if not chain.ok:
            report.problems.append(f"{label}: chain broken at position {chain.position}: "
                                   f"{chain.reason}")
        report.problems.extend(snapshot_problems)
        return chain, links


def _out_of_time(prev: LogRecord, rec: LogRecord) -> tuple[UUID, Problem] | None:
    """A row recorded before the event numbered before it (beyond clock skew)."""
    if rec.recorded_at is None or prev.recorded_at is None \
            or rec.recorded_at >= prev.recorded_at - CLOCK_SKEW:
        return None
    return rec.project_id or SYSTEM_PROJECT, Problem(
        "time index", f"position {rec.position}",
        f"recorded at {_iso(rec.recorded_at)}, before event {prev.notification_id} "
        f"({_iso(prev.recorded_at)}), though events are numbered as they are recorded",
        rec.position)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _failed(pid: UUID, name: str, checked: int, problem: Problem, *, head: str = ""
            ) -> VerifyView:
    reason = problem.text if problem.chain else problem.message
    return VerifyView(pid, name, False, checked, problem.position, reason, head,
                      problem.table, problem.key)


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


def _name(project_id: UUID, name: str) -> str:
    return "(system)" if project_id == SYSTEM_PROJECT else name or "?"


def _label(project_id: UUID, name: str) -> str:
    return f"project {name or '(system)'} ({project_id})"
