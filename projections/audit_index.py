"""The audit index: every event as an indexed SQL row, kept up to date from the log.

A :class:`~projections.runner.TrackedView` that handles the events of every aggregate
(items, projects, app sessions, tokens, data nodes, media uploads), dispatched by class;
each batch's rows, the briefs it folded and its tracking record are written in one
transaction that holds the view's tracking row, so two processes catching up at once
never apply an event twice. A batch costs a fixed number of statements: one lookup of
project and log position in the events table, one read of the briefs it needs, bulk
inserts.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Tracking
from sqlalchemy import Connection

from application.views.audit import AuditFilter, AuditRow
from domain.changes import Names, changed_objects, describe_item, fold_item
from domain.data_node import DataNode
from domain.item import Item
from domain.media_upload import MediaUpload
from domain.meta_changes import describe_other, describe_project, fold_names, session_of, target_of
from domain.project import Project
from domain.session import AppSession
from domain.token import Token
from projections.audit_schema import audit_tables
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

    # -- the tracked view ----------------------------------------------------------------

    def open_batch(self, conn: Connection, position: int, batch: Sequence[Decoded]) -> None:
        where = self._positions(conn, batch[0][0].id, batch[-1][0].id)
        keys = {f"p:{where[n.id][0]}" for n, _ in batch if n.id in where}
        keys |= {("i:" if isinstance(e, Item.Event) else "a:") + str(e.originator_id)
                 for _, e in batch if self.handles(e) and not isinstance(e, Project.Event)}
        self._batch = _Batch(where, self.briefs.load(conn, keys, position))

    @functools.singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        """An event of no aggregate annoledger knows: not indexed."""

    @process_event.register(Item.Event)
    def _item(self, e: Any, tracking: Tracking) -> None:
        b = self._open()
        key = f"i:{e.originator_id}"
        before = b.state.get(key)
        after = fold_item(before, e)
        project_id = b.where.get(tracking.notification_id, (None, 0))[0]
        summary = describe_item(e, before, after, b.state.get(f"p:{project_id}") or Names())
        b.state[key] = after
        b.dirty.add(key)
        actor = str(getattr(e, "actor", "") or "")
        self._row(tracking, e, summary, actor, item_id=e.originator_id,
                  touched=changed_objects(before, after))

    @process_event.register(Project.Event)
    def _project(self, e: Any, tracking: Tracking) -> None:
        b = self._open()
        project_id = b.where.get(tracking.notification_id, (None, 0))[0]
        key = f"p:{project_id}"
        after = fold_names(b.state.get(key), e)
        summary = describe_project(e, b.state.get(key), after)
        b.state[key] = after
        b.dirty.add(key)
        self._row(tracking, e, summary, str(getattr(e, "actor", "") or ""))

    @process_event.register(AppSession.Event)
    @process_event.register(Token.Event)
    @process_event.register(DataNode.Event)
    @process_event.register(MediaUpload.Event)
    def _other(self, e: Any, tracking: Tracking) -> None:
        b = self._open()
        actor = str(getattr(e, "actor", "") or "")
        # Later events of a session or token name no actor: the one who started it.
        key = f"a:{e.originator_id}"
        if actor:
            b.state[key] = actor[:255]
            b.dirty.add(key)
        else:
            actor = b.state.get(key, "")
        self._row(tracking, e, describe_other(e), actor)

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
        for table in (self.t.rows, self.t.objects, self.t.state):
            conn.execute(table.delete())

    def _open(self) -> _Batch:
        if self._batch is None:
            raise RuntimeError("audit index events are processed only inside a batch")
        return self._batch

    def _row(self, tracking: Tracking, e: Any, summary: str, actor: str, *,
             item_id: UUID | None = None, touched: Sequence[int] = ()) -> None:
        b = self._open()
        nid = tracking.notification_id
        project_id, position = b.where.get(nid, (None, 0))
        kind = type(e).__qualname__
        target = target_of(e)
        b.rows.append({
            "notification_id": nid, "time": e.timestamp.timestamp(),
            "actor": _text(actor[:255]), "type": kind[:100],
            "event": kind.rpartition(".")[2][:64], "target_kind": target.kind,
            "target_id": _text(target.id[:64]), "project_id": project_id,
            "position": position, "item_id": item_id, "object_id": target.object_id,
            "session_id": session_of(e), "summary": _text(summary),
        })
        b.refs.extend({"object_id": o, "notification_id": nid} for o in touched)

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
        if where.type:
            q = q.where(r.c.event == where.type.rpartition(".")[2])
            if "." in where.type:
                q = q.where(r.c.type == where.type)
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
                    r.project_id, r.position, r.item_id, r.object_id, r.session_id, r.summary)


def _text(value: str) -> str:
    """Text as every database stores it: PostgreSQL refuses NUL in text columns, and one
    event carrying it (a client's name, a lineage job) must not stop the index for all."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value
