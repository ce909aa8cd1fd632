"""The audit index: every event as an indexed SQL row, kept up to date from the log.

A :class:`~projections.runner.TrackedView`: :func:`~projections.runner.catch_up` feeds it
decoded notifications in log order, and each batch's rows, the briefs it folded and its
tracking record are written in one transaction. The tracking row is read (locked on
PostgreSQL) inside that transaction, so two processes catching up at once never apply an
event twice. A batch costs a fixed number of statements: one lookup of project and log
position in the events table, one read of the briefs it needs, bulk inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from application.audit_commands import AuditFilter, AuditRow
from domain.changes import Names, changed_objects, describe_item, event_kind, fold_item
from domain.meta_changes import describe_other, describe_project, fold_names, session_of, target_of
from infrastructure.persistence.engine import create_tables
from projections.audit_schema import audit_tables
from projections.audit_state import BriefStore
from projections.runner import Decoded, catch_up


class AuditIndex:
    name = "audit"

    def __init__(self, engine: Engine, app_name: str = "annoledger") -> None:
        self.engine = engine
        self.t = audit_tables(app_name)
        self.briefs = BriefStore(self.t.state)
        self._ready = False

    def _ensure(self) -> None:
        if not self._ready:
            create_tables(self.engine, self.t.metadata)
            self._ready = True

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        self._ensure()
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                yield conn

    # -- the tracked view ----------------------------------------------------------------

    def catch_up(self, app: Any, progress: Callable[[int, int], None] | None = None) -> int:
        return catch_up(app, self, progress=progress)

    def position(self) -> int:
        self._ensure()
        tr = self.t.tracking
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(tr.c.notification_id).where(
                tr.c.name == self.name)).scalar()
        return int(value or 0)

    def apply(self, batch: Sequence[Decoded]) -> None:
        try:
            with self._writing() as conn:
                written = self._apply(conn, batch)
        except sa_exc.IntegrityError:
            self.briefs.forget()
            return  # another process recorded the same batch first
        except BaseException:
            self.briefs.forget()
            raise
        if written is not None:
            self.briefs.remember(*written)

    def _apply(self, conn: Connection, batch: Sequence[Decoded]
               ) -> tuple[dict[str, Any], int] | None:
        tr = self.t.tracking
        done = conn.execute(sa.select(tr.c.notification_id).where(
            tr.c.name == self.name).with_for_update()).scalar()
        todo = [(n, e) for n, e in batch if done is None or n.id > done]
        if not todo:
            return None
        where = self._positions(conn, todo[0][0].id, todo[-1][0].id)
        keys = {f"p:{where[n.id][0]}" for n, _ in todo if n.id in where}
        keys |= {("i:" if event_kind(e).startswith("Item.") else "a:") + str(e.originator_id)
                 for _, e in todo if not event_kind(e).startswith("Project.")}
        state = self.briefs.load(conn, keys, done)
        dirty: set[str] = set()
        rows: list[dict[str, Any]] = []
        refs: list[dict[str, int]] = []
        for n, e in todo:
            project_id, position = where.get(n.id, (None, 0))
            row, touched = self._row(n.id, e, project_id, position, state, dirty)
            rows.append(row)
            refs.extend({"object_id": o, "notification_id": n.id} for o in touched)
        conn.execute(self.t.rows.insert(), rows)
        if refs:
            conn.execute(self.t.objects.insert(), refs)
        written = {k: state[k] for k in dirty}
        self.briefs.store(conn, written)
        last = todo[-1][0].id
        if done is None:
            conn.execute(tr.insert().values(name=self.name, notification_id=last))
        else:
            conn.execute(tr.update().where(tr.c.name == self.name).values(notification_id=last))
        return written, last

    def _row(self, nid: int, e: Any, project_id: UUID | None, position: int,
             state: dict[str, Any], dirty: set[str]) -> tuple[dict[str, Any], list[int]]:
        kind = event_kind(e)
        target = target_of(e)
        pkey = f"p:{project_id}"
        names = state.get(pkey) or Names()
        touched: list[int] = []
        item_id = None
        if kind.startswith("Item."):
            key, item_id = f"i:{e.originator_id}", e.originator_id
            before = state.get(key)
            after = fold_item(before, e)
            summary = describe_item(e, before, after, names)
            touched = changed_objects(before, after)
            state[key] = after
            dirty.add(key)
        elif kind.startswith("Project."):
            after_names = fold_names(state.get(pkey), e)
            summary = describe_project(e, state.get(pkey), after_names)
            state[pkey] = after_names
            dirty.add(pkey)
        else:
            summary = describe_other(e)
        actor = str(getattr(e, "actor", "") or "")[:255]
        if not item_id and kind.split(".")[0] not in ("Item", "Project"):
            # Later events of a session or token name no actor: the one who started it.
            key = f"a:{e.originator_id}"
            if actor:
                state[key] = actor
                dirty.add(key)
            else:
                actor = state.get(key, "")
        row = {
            "notification_id": nid, "time": e.timestamp.timestamp(), "actor": actor,
            "type": kind[:100], "event": kind.rpartition(".")[2][:64],
            "target_kind": target.kind, "target_id": target.id[:64],
            "project_id": project_id, "position": position, "item_id": item_id,
            "object_id": target.object_id, "session_id": session_of(e), "summary": summary,
        }
        return row, touched

    def _positions(self, conn: Connection, first: int, last: int) -> dict[int, tuple[UUID, int]]:
        ev = self.t.events
        q = sa.select(ev.c.notification_id, ev.c.project_id, ev.c.position).where(
            ev.c.notification_id.between(first, last))
        return {r[0]: (r[1], r[2]) for r in conn.execute(q)}

    # -- queries -------------------------------------------------------------------------

    def query(self, where: AuditFilter, limit: int, offset: int) -> list[AuditRow]:
        self._ensure()
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

    def reset(self) -> None:
        """Forget every row: the next catch-up rebuilds the index from the first event."""
        with self._writing() as conn:
            for table in (self.t.rows, self.t.objects, self.t.state, self.t.tracking):
                conn.execute(table.delete())
        self.briefs.forget()


def _view(r: Any) -> AuditRow:
    when = datetime.fromtimestamp(r.time, UTC).isoformat()
    return AuditRow(r.notification_id, when, r.actor, r.type, r.target_kind, r.target_id,
                    r.project_id, r.position, r.item_id, r.object_id, r.session_id, r.summary)
