"""Read models recomputed from the log and compared with their stored rows (``verify``).

Each check derives the rows with the read model's own derivation, never a second copy of
it: the audit index through :func:`projections.audit_index.derive_rows` (the function its
projection writes with), the workflow graph by running a fresh :class:`WorkflowView` over
a scratch SQLite database (its own handlers and folding). Both cover the events the model
had applied when the check began (its tracked position): rows of events applied later
are not wrong, only not there yet.

The log is read once for every check (:class:`application.compliance.proofs.Proofs`
feeds each record, decoded once, to each check that handles its class). Stored rows are
read without holding any writer back: audit rows never change once written, so they are
read page by page as the log goes; the workflow's rows (closed when a later event
changes them) are read at the start, in the transaction that reads the view's position.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from eventsourcing.persistence import Notification, Tracking
from sqlalchemy import Connection, Engine

from application.core.topics import is_event
from application.ports import DerivedCheck, LogRecord, RowMismatch
from projections.audit_index import AuditIndex, derive_row
from projections.runner import TrackedView, ViewStorage

if TYPE_CHECKING:
    from projections.workflow_graph import WorkflowView

PAGE = 2000
"""Stored rows read per query."""
BATCH = 1000
"""Events applied to a scratch view per batch (as the runner does)."""


class AuditIndexCheck:
    """The audit index's rows and touched objects, against the log replayed through
    :func:`derive_row` (the briefs folded from the first event, as a rebuild would)."""

    label = "audit index"

    def __init__(self, index: AuditIndex) -> None:
        self.index = index
        self._reset()

    def _reset(self) -> None:
        self.upto = 0
        self.rows = 0
        self.briefs: dict[str, Any] = {}
        self.mismatch: RowMismatch | None = None
        self._stored: Iterator[Mapping[str, Any]] = iter(())
        self._refs: Iterator[Mapping[str, Any]] = iter(())
        self._next: Mapping[str, Any] | None = None
        self._next_ref: Mapping[str, Any] | None = None

    def begin(self) -> int:
        """Start a check; returns the last event the index applied (what it covers)."""
        self._reset()
        index = self.index
        index.ensure()
        self.upto = index.position()
        t = index.t
        self._stored = _pages(index.engine, t.rows, (t.rows.c.notification_id,), self.upto)
        self._refs = _pages(index.engine, t.objects,
                            (t.objects.c.notification_id, t.objects.c.object_id), self.upto)
        self._next = next(self._stored, None)
        self._next_ref = next(self._refs, None)
        return self.upto

    def handles(self, topic: str) -> bool:
        return is_event(topic, *self.index.handled_classes())

    def feed(self, record: LogRecord, event: Any) -> None:
        """The next event the index handles, in notification order."""
        nid = record.notification_id
        if self.mismatch is not None or nid > self.upto:
            return
        row, refs, updates = derive_row(nid, event, record.project_id, record.position,
                                        self.briefs)
        self.briefs.update(updates)
        self._extra_before(nid)
        if self.mismatch is not None:
            return
        stored = self._next
        if stored is None or stored["notification_id"] != nid:
            self.mismatch = RowMismatch(_event_key(record), "missing (the log gives one)",
                                        nid)
            return
        self.rows += 1
        self._next = next(self._stored, None)
        diff = differences(stored, row, [c.name for c in self.index.t.rows.columns])
        if diff:
            self.mismatch = RowMismatch(_event_key(record), diff, nid)
            return
        self._compare_refs(record, sorted(r["object_id"] for r in refs))

    def _extra_before(self, nid: int) -> None:
        """Stored rows of events before ``nid`` that the log gives none for."""
        stored = self._next
        if stored is not None and stored["notification_id"] < nid:
            extra = stored["notification_id"]
            self.mismatch = RowMismatch(f"event {extra}", "not derived from the log", extra)
        ref = self._next_ref
        if self.mismatch is None and ref is not None and ref["notification_id"] < nid:
            extra = ref["notification_id"]
            self.mismatch = RowMismatch(f"event {extra}", f"touched object {ref['object_id']}"
                                        " is not derived from the log", extra)

    def _compare_refs(self, record: LogRecord, derived: list[int]) -> None:
        nid = record.notification_id
        stored: list[int] = []
        while self._next_ref is not None and self._next_ref["notification_id"] == nid:
            stored.append(self._next_ref["object_id"])
            self._next_ref = next(self._refs, None)
        if stored != derived:
            self.mismatch = RowMismatch(
                _event_key(record), f"touched objects {stored}, log says {derived}", nid)

    def end(self) -> DerivedCheck:
        if self.mismatch is None:
            self._extra_before(self.upto + 1)
        self._stored, self._refs = iter(()), iter(())
        return DerivedCheck(self.label, self.rows, self.upto, self.mismatch)


class WorkflowCheck:
    """The workflow graph's node and edge rows, against a fresh view of the same class
    fed the same events on a scratch database (deleted afterwards)."""

    label = "workflow graph"

    def __init__(self, view: WorkflowView,
                 make_view: Callable[[ViewStorage], WorkflowView]) -> None:
        self.view = view
        self.make_view = make_view
        self.upto = 0
        self._stored: dict[str, list[tuple[Any, ...]]] = {}
        self._scratch: _Scratch | None = None
        self._batch: list[tuple[Notification, Any]] = []
        self._done = 0

    def begin(self) -> int:
        view = self.view
        view.ensure()
        with view.engine.connect() as conn, conn.begin():
            # Held until the rows are read: no batch of this view commits meanwhile.
            self.upto = view.tracking.lock_tracking(conn, view.name) or 0
            self._stored = {t.name: _all_rows(conn, t) for t in _tables(view)}
        self._close_scratch()
        self._scratch = _Scratch()
        self._scratch.view = self.make_view(self._scratch)
        self._scratch.create_tables(self._scratch.view.metadata)
        self._batch, self._done = [], 0
        return self.upto

    def handles(self, topic: str) -> bool:
        return is_event(topic, *self.view.handled_classes())

    def feed(self, record: LogRecord, event: Any) -> None:
        if record.notification_id > self.upto:
            return
        note = Notification(id=record.notification_id, originator_id=record.originator_id,
                            originator_version=record.originator_version,
                            topic=record.topic, state=b"")
        self._batch.append((note, event))
        if len(self._batch) >= BATCH:
            self._apply()

    def _apply(self) -> None:
        scratch = self._scratch
        assert scratch is not None and scratch.view is not None
        batch, self._batch = self._batch, []
        if not batch:
            return
        view = scratch.view
        with scratch.engine.begin() as conn:
            view.open_batch(conn, self._done, batch)
            for note, event in batch:
                view.process_event(event, Tracking(view.name, note.id))
            view.close_batch(conn)
        view.abandoned()  # nothing of this batch is kept in memory: the tables hold it
        self._done = batch[-1][0].id

    def end(self) -> DerivedCheck:
        try:
            self._apply()
            scratch = self._scratch
            assert scratch is not None and scratch.view is not None
            with scratch.engine.connect() as conn:
                derived = {t.name: _all_rows(conn, t) for t in _tables(scratch.view)}
            rows = sum(len(r) for r in self._stored.values())
            mismatch = None
            for table in _tables(self.view):
                mismatch = _first_difference(table, self._stored.get(table.name, []),
                                             derived.get(table.name, []))
                if mismatch is not None:
                    break
            return DerivedCheck(self.label, rows, self.upto, mismatch)
        finally:
            self._close_scratch()
            self._stored = {}

    def _close_scratch(self) -> None:
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None


class _Scratch:
    """A :class:`ViewStorage` on a temporary SQLite file: where a view is recomputed."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="annoledger-verify-")
        self.engine: Engine = sa.create_engine(
            f"sqlite:///{Path(self._dir.name) / 'scratch.db'}", poolclass=sa.pool.NullPool)
        self.tracking = _NoTracking()
        self.view: TrackedView | None = None

    def create_tables(self, metadata: sa.MetaData | None) -> None:
        if metadata is not None:
            metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        self._dir.cleanup()


class _NoTracking:
    """A recomputed view records no position: the check feeds it every event itself."""

    def max_tracking_id(self, application_name: str) -> int | None:
        return None

    def lock_tracking(self, conn: Connection, application_name: str) -> int | None:
        return None

    def record_tracking(self, conn: Connection, tracking: Tracking) -> None:
        raise RuntimeError("a recomputed view records no position")

    def forget_tracking(self, conn: Connection, application_name: str) -> None:
        raise RuntimeError("a recomputed view records no position")


# -- comparing rows -----------------------------------------------------------------------

SHOWN = 4
"""Differences named per row at most (the rest are counted)."""
TIMES = frozenset({"time", "valid_from", "valid_to"})
"""Columns holding epoch seconds, shown as ISO times."""


def differences(stored: Mapping[str, Any], derived: Mapping[str, Any],
                columns: Sequence[str]) -> str:
    """``column stored, log says derived`` for each column that differs ("" if none);
    JSON objects are compared key by key (``attrs.name 'x', log says 'y'``)."""
    parts = []
    for column in columns:
        a, b = stored.get(column), derived.get(column)
        if a == b:
            continue
        if column in TIMES:
            a, b = _when(a), _when(b)
        parts.extend(_json_differences(column, a, b) or
                     [f"{column} {show(a)}, log says {show(b)}"])
    if len(parts) > SHOWN:
        parts[SHOWN:] = [f"and {len(parts) - SHOWN} more"]
    return "; ".join(parts)


def _when(value: Any) -> Any:
    if isinstance(value, float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return value


def _json_differences(column: str, a: Any, b: Any) -> list[str]:
    try:
        da, db = json.loads(a), json.loads(b)
    except (TypeError, ValueError):
        return []
    if not isinstance(da, dict) or not isinstance(db, dict):
        return []
    return [f"{column}.{k} {show(da.get(k))}, log says {show(db.get(k))}"
            for k in sorted(da.keys() | db.keys()) if da.get(k) != db.get(k)]


def show(value: Any) -> str:
    """A value as a report names it: text quoted, nothing as ``none``."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _first_difference(table: sa.Table, stored: list[tuple[Any, ...]],
                      derived: list[tuple[Any, ...]]) -> RowMismatch | None:
    """The first row (by its first column, then the rest) that is not in both."""
    if stored == derived:
        return None
    columns = [c.name for c in _compared_columns(table)]
    by_id: dict[Any, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]] = {}
    for side, rows in enumerate((stored, derived)):
        for row in rows:
            by_id.setdefault(row[0], ([], []))[side].append(row)
    for row_id in sorted(by_id, key=_order):
        mine, theirs = by_id[row_id]
        if mine == theirs:
            continue
        for i in range(max(len(mine), len(theirs))):
            a = mine[i] if i < len(mine) else None
            b = theirs[i] if i < len(theirs) else None
            if a == b:
                continue
            key = _row_key(table, columns, a or b)
            if a is None:
                return RowMismatch(key, "missing (the log gives it)")
            if b is None:
                return RowMismatch(key, "not derived from the log")
            return RowMismatch(key, differences(dict(zip(columns, a, strict=True)),
                                                dict(zip(columns, b, strict=True)), columns))
    return None


def _row_key(table: sa.Table, columns: list[str], row: tuple[Any, ...] | None) -> str:
    assert row is not None
    values = dict(zip(columns, row, strict=True))
    key = f"{table.name} {show(row[0])}"
    if isinstance(values.get("valid_from"), float):
        key += f" (from {datetime.fromtimestamp(values['valid_from'], UTC).isoformat()})"
    return key


def _tables(view: TrackedView) -> list[sa.Table]:
    return list(view.metadata.sorted_tables) if view.metadata is not None else []


def _compared_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """Every column but a surrogate key the database numbers (its values may differ)."""
    return [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]


def _all_rows(conn: Connection, table: sa.Table) -> list[tuple[Any, ...]]:
    rows = [tuple(r) for r in conn.execute(sa.select(*_compared_columns(table)))]
    rows.sort(key=lambda r: tuple(_order(v) for v in r))
    return rows


def _order(value: Any) -> tuple[bool, str, Any]:
    """Sorts values of any column the same way on every database (None first)."""
    if value is None:
        return (False, "", 0)
    if isinstance(value, int | float):
        return (True, "n", value)
    return (True, type(value).__name__, str(value))


def _pages(engine: Engine, table: sa.Table, order: tuple[sa.Column[Any], ...],
           upto: int) -> Iterator[Mapping[str, Any]]:
    """Rows of events up to ``upto`` in ``order`` (notification id first), page by page
    (no cursor is held open between pages)."""
    nid = table.c.notification_id
    after: tuple[Any, ...] | None = None
    while True:
        q = sa.select(table).where(nid <= upto).order_by(*order).limit(PAGE)
        if after is not None:
            q = q.where(sa.tuple_(*order) > sa.tuple_(*after))
        with engine.connect() as conn:
            page = [dict(r._mapping) for r in conn.execute(q)]
        yield from page
        if len(page) < PAGE:
            return
        after = tuple(page[-1][c.name] for c in order)


def _event_key(record: LogRecord) -> str:
    return f"event {record.notification_id} (position {record.position})"
