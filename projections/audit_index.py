"""The audit index: every event as an indexed SQL row, kept up to date from the log.

A :class:`~projections.runner.TrackedView` that handles the events of every aggregate
(items, projects, app sessions, tokens, data nodes, media uploads), dispatched by class;
each batch's rows, the briefs it folded and its tracking record are written in one
transaction that holds the view's tracking row, so two processes catching up at once
never apply an event twice. A batch costs a fixed number of statements: one lookup of
project and log position in the events table, one read of the briefs it needs, bulk
inserts.

What a row says is derived by one function, :func:`derive_row` (over
:func:`domain.audit_entry.audit_entry`): the projection writes what it returns, and a
verifier that replays the log through it (:func:`derive_rows`) must find the same rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Tracking
from sqlalchemy import Connection

from application.views.audit import AuditFilter, AuditRow
from domain.audit_entry import audit_entry, brief_keys
from domain.data_node import DataNode
from domain.item import Item
from domain.media_upload import MediaUpload
from domain.project import Project
from domain.session import AppSession
from domain.token import Token
from projections.audit_schema import MAX_PATH, SCHEMA_KEY, VERSION, audit_tables
from projections.audit_state import BriefStore
from projections.runner import Decoded, Progress, TrackedView, ViewStorage, catch_up

if TYPE_CHECKING:
    from application.core.ledger_core import LedgerCore


@dataclass
class _Batch:
    """What one batch reads before its events and collects from them."""

    where: dict[int, tuple[UUID, int]]
    state: dict[str, Any]
    dirty: set[str] = field(default_factory=set)
    rows: list[dict[str, Any]] = field(default_factory=list)
    refs: list[dict[str, int]] = field(default_factory=list)
    written: dict[str, Any] = field(default_factory=dict)


Row = dict[str, Any]
"""An ``events`` row of the index, by column."""
Ref = dict[str, int]
"""An ``objects`` row: an object an event touched."""


def derive_row(notification_id: int, event: Any, project_id: UUID | None, position: int,
               briefs: Mapping[str, Any]) -> tuple[Row, list[Ref], dict[str, Any]]:
    """The index's row for one event (recorded at ``position`` of project
    ``project_id``), the objects it touched, and the briefs it changed (by key), given the
    briefs before it: the one derivation the projection stores and a verifier recomputes."""
    entry, updates = audit_entry(event, project_id, briefs)
    target = entry.target
    row = {
        "notification_id": notification_id, "time": event.timestamp.timestamp(),
        "actor": _text(entry.actor), "type": entry.type[:100], "event": entry.event[:64],
        "target_kind": target.kind[:16], "target_id": _text(target.id[:64]),
        "project_id": project_id, "project_name": _text(entry.project_name[:255]),
        "position": position, "item_id": entry.item_id,
        "item_path": _text(entry.item_path[:MAX_PATH]), "object_id": target.object_id,
        "object_class": _text(entry.object_class[:255]), "session_id": entry.session_id,
        "bookkeeping": entry.bookkeeping, "summary": _text(entry.summary),
    }
    return row, [{"object_id": o, "notification_id": notification_id}
                 for o in entry.touched], updates


def derive_rows(events: Iterable[tuple[int, Any, UUID | None, int]]
                ) -> Iterator[tuple[Row, list[Ref]]]:
    """Rows of a whole log replayed from its first event: ``events`` are (notification
    id, domain event, project id, position) in notification order. What the index must
    hold, for a verifier to compare."""
    briefs: dict[str, Any] = {}
    for nid, event, project_id, position in events:
        row, refs, updates = derive_row(nid, event, project_id, position, briefs)
        briefs.update(updates)
        yield row, refs


class AuditIndex(TrackedView):
    name = "audit_index"

    def __init__(self, storage: ViewStorage, app_name: str = "annoledger") -> None:
        super().__init__(storage)
        self.t = audit_tables(app_name)
        self.metadata = self.t.metadata
        self.briefs = BriefStore(self.t.state)
        self._batch: _Batch | None = None

    def catch_up(self, core: LedgerCore, progress: Progress | None = None) -> int:
        return catch_up(core, self, progress=progress)

    def ensure(self) -> None:
        """Tables and position as every view's; then rows derived by another version of
        this index (older code, older tables) are thrown away and rebuilt from the log."""
        if self._ready:
            return
        super().ensure()
        try:
            self._rebuild_if_outdated()
        except BaseException:
            self._ready = False
            raise

    def _rebuild_if_outdated(self) -> None:
        state = self.t.state
        with self._applying, self.writing() as conn:
            self.tracking.lock_tracking(conn, self.name)
            found = conn.execute(sa.select(state.c.data).where(
                state.c.key == SCHEMA_KEY)).scalar()
            if found == str(VERSION):
                return
            for retired in self.t.retired:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{retired}"'))
            self.clear(conn)
            self.tracking.forget_tracking(conn, self.name)
            self.tracking.record_tracking(conn, Tracking(self.name, 0))
            conn.execute(state.delete().where(state.c.key == SCHEMA_KEY))
            conn.execute(state.insert().values(key=SCHEMA_KEY, data=str(VERSION)))
        self.briefs.forget()

    # -- the tracked view ----------------------------------------------------------------

    def open_batch(self, conn: Connection, position: int, batch: Sequence[Decoded]) -> None:
        where = self._positions(conn, batch[0][0].id, batch[-1][0].id)
        keys = {k for n, e in batch if self.handles(e)
                for k in brief_keys(e, where.get(n.id, (None, 0))[0])}
        self._batch = _Batch(where, self.briefs.load(conn, keys, position))

    @functools.singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        """An event of no aggregate annoledger knows: not indexed."""

    @process_event.register(Item.Event)
    @process_event.register(Project.Event)
    @process_event.register(AppSession.Event)
    @process_event.register(Token.Event)
    @process_event.register(DataNode.Event)
    @process_event.register(MediaUpload.Event)
    def _indexed(self, e: Any, tracking: Tracking) -> None:
        b = self._open()
        nid = tracking.notification_id
        project_id, position = b.where.get(nid, (None, 0))
        row, refs, updates = derive_row(nid, e, project_id, position, b.state)
        b.state.update(updates)
        b.dirty.update(updates)
        b.rows.append(row)
        b.refs.extend(refs)

    def close_batch(self, conn: Connection) -> None:
        b = self._open()
        if b.rows:
            conn.execute(self.t.rows.insert(), b.rows)
        if b.refs:
            conn.execute(self.t.objects.insert(), b.refs)
        b.written = {k: b.state[k] for k in b.dirty}
        self.briefs.store(conn, b.written)

    def committed(self, before: int, after: int) -> None:
        if self._batch is not None:
            self.briefs.remember(self._batch.written, after)
        self._batch = None

    def abandoned(self) -> None:
        self._batch = None
        self.briefs.forget()

    def clear(self, conn: Connection) -> None:
        """Every row and brief (the schema version stays: the rows are gone, not stale)."""
        for table in (self.t.rows, self.t.objects):
            conn.execute(table.delete())
        conn.execute(self.t.state.delete().where(self.t.state.c.key != SCHEMA_KEY))

    def _open(self) -> _Batch:
        if self._batch is None:
            raise RuntimeError("audit index events are processed only inside a batch")
        return self._batch

    def _positions(self, conn: Connection, first: int, last: int) -> dict[int, tuple[UUID, int]]:
        ev = self.t.events
        q = sa.select(ev.c.notification_id, ev.c.project_id, ev.c.position).where(
            ev.c.notification_id.between(first, last))
        return {r[0]: (r[1], r[2]) for r in conn.execute(q)}

    # -- queries -------------------------------------------------------------------------

    def query(self, where: AuditFilter, limit: int, offset: int) -> list[AuditRow]:
        self.ensure()
        r = self.t.rows
        q = sa.select(r)
        for column, value in ((r.c.actor, where.actor), (r.c.project_id, where.project_id),
                              (r.c.item_id, where.item_id), (r.c.session_id, where.session_id)):
            if value is not None:
                q = q.where(column == value)
        if where.item_path is not None:
            # Every event of every item that had this path at some time (a path is
            # recorded as of each event, so a moved item is found by its old path too).
            had = sa.select(r.c.item_id).where(r.c.item_path == where.item_path[:MAX_PATH],
                                                r.c.item_id.is_not(None))
            if where.project_id is not None:
                had = had.where(r.c.project_id == where.project_id)
            q = q.where(r.c.item_id.in_(had.distinct()))
        if where.type:
            q = q.where(r.c.event == where.type.rpartition(".")[2])
            if "." in where.type:
                q = q.where(r.c.type == where.type)
        if not where.include_sessions:
            q = q.where(r.c.bookkeeping.is_(False))
        if where.object_id is not None:
            o = self.t.objects
            q = q.where(r.c.notification_id.in_(
                sa.select(o.c.notification_id).where(o.c.object_id == where.object_id)))
        if where.since is not None:
            q = q.where(r.c.time >= where.since)
        if where.until is not None:
            q = q.where(r.c.time <= where.until)
        q = q.order_by(r.c.time.desc(), r.c.notification_id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_view(row) for row in conn.execute(q)]


def _view(r: Any) -> AuditRow:
    when = datetime.fromtimestamp(r.time, UTC).isoformat()
    return AuditRow(r.notification_id, when, r.actor, r.type, r.target_kind, r.target_id,
                    r.project_id, r.position, r.item_id, r.object_id, r.session_id, r.summary,
                    r.project_name, r.item_path, r.object_class, r.bookkeeping)


def _text(value: str) -> str:
    """Text as every database stores it: PostgreSQL refuses NUL in text columns, and one
    event carrying it (a client's name, a lineage job) must not stop the index for all."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value
