"""Recorders on SQLAlchemy Core that pass the eventsourcing conformance suites.

The application recorder also keeps, in the same transaction as the events, each
project's log position and hash chain, its head row (digest, counts) and the item
catalog: see :mod:`application.ports`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from application.ports import SYSTEM_PROJECT, ProjectWrite
from domain.errors import DuplicateNameError, StaleVersionError
from infrastructure.integrity import GENESIS, link
from infrastructure.persistence import statements
from infrastructure.persistence.catalog import CatalogDelta, apply_catalog
from infrastructure.persistence.engine import create_tables, reading, writing
from infrastructure.persistence.schema import Tables, project_name_index, retired_indexes

log = logging.getLogger(__name__)


class SqlRecorder:
    def __init__(self, engine: Engine, tables: Tables) -> None:
        self.engine = engine
        self.tables = tables

    def create_table(self) -> None:
        create_tables(self.engine, self.tables.metadata)
        upgrade_schema(self.engine, self.tables)


def upgrade_schema(engine: Engine, tables: Tables) -> None:
    """Bring a database written by an earlier release to the current indexes."""
    prefix = tables.events.name.removesuffix("_events")
    with writing(engine) as conn:
        for name in retired_indexes(prefix):
            conn.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    ensure_name_index(engine, tables)


def ensure_name_index(engine: Engine, tables: Tables) -> None:
    """Create the unique index on project names in a database whose tables predate it.

    A database in which two projects already share a name (possible before the index
    existed) keeps working without it, and says which names to rename: the index is
    created at the next start after that.
    """
    index = _name_index(tables)
    try:
        with writing(engine) as conn:
            index.create(conn, checkfirst=True)
    except sa_exc.IntegrityError:
        t = tables.projects
        with reading(engine) as conn:
            shared = conn.execute(sa.select(t.c.name).where(t.c.name != "").group_by(
                t.c.name).having(sa.func.count() > 1)).scalars().all()
        log.warning("project names are not unique, so %s cannot be created: rename the "
                    "projects named %s", index.name, ", ".join(repr(n) for n in shared))


def _name_index(tables: Tables) -> sa.Index:
    wanted = project_name_index(tables.events.name.removesuffix("_events"))
    return next(i for i in tables.projects.indexes if i.name == wanted)


class SqlAggregateRecorder(SqlRecorder, AggregateRecorder):
    """Stores aggregate snapshots, each with a sha256 checksum checked on every read.

    A row whose checksum fails is skipped, so the repository falls back to an older
    snapshot or to replaying events: a corrupt snapshot never yields wrong state.
    """

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        table = self.tables.snapshots
        rows = [
            {"originator_id": _uuid(e.originator_id), "originator_version": e.originator_version,
             "topic": e.topic, "state": e.state, "checksum": hashlib.sha256(e.state).digest()}
            for e in stored_events
        ]
        try:
            with writing(self.engine) as conn:
                if rows:
                    conn.execute(table.insert(), rows)
        except sa_exc.IntegrityError as exc:
            raise IntegrityError(str(exc.orig)) from exc

    def select_events(
        self, originator_id: UUID | str, *, gt: int | None = None, lte: int | None = None,
        desc: bool = False, limit: int | None = None,
    ) -> list[StoredEvent]:
        q, params = _stream_query(self.tables.snapshots, _uuid(originator_id), gt, lte, desc,
                                  None, checksum=True)
        with reading(self.engine) as conn:
            rows = conn.execute(q, params).all()
        good = [
            StoredEvent(r.originator_id, r.originator_version, r.topic, r.state)
            for r in rows
            if hashlib.sha256(r.state).digest() == r.checksum
        ]
        return good[:limit] if limit is not None else good


class SqlApplicationRecorder(SqlRecorder, ApplicationRecorder):
    def insert_events(
        self, stored_events: Sequence[StoredEvent], *, project: ProjectWrite | None = None,
        tracking: Tracking | None = None, **kwargs: Any,
    ) -> Sequence[int]:
        write = project or ProjectWrite(SYSTEM_PROJECT)
        try:
            with writing(self.engine) as conn:
                ids = self._insert(conn, stored_events, write)
                if tracking is not None:
                    _insert_tracking(conn, self.tables, tracking)
        except sa_exc.IntegrityError as exc:
            raise IntegrityError(str(exc.orig)) from exc
        return ids

    def insert_stream(
        self, batches: Iterable[tuple[Sequence[StoredEvent], ProjectWrite]]
    ) -> int:
        """Write many batches in one transaction: all of them, or none."""
        count = 0
        try:
            with writing(self.engine) as conn:
                for stored_events, write in batches:
                    count += len(self._insert(conn, stored_events, write))
        except sa_exc.IntegrityError as exc:
            raise IntegrityError(str(exc.orig)) from exc
        return count

    def _insert(
        self, conn: Connection, stored_events: Sequence[StoredEvent], write: ProjectWrite
    ) -> list[int]:
        t = self.tables
        head = conn.execute(statements.project_head(t.projects),
                            {"pid": write.project_id}).first()
        position = head.position if head else 0
        if write.expect_position is not None and write.expect_position != position:
            raise StaleVersionError("project log", write.expect_position, position)
        chain = head.chain if head else GENESIS
        last_id = conn.execute(statements.last_notification_id(t.events)).scalar()
        next_id = (last_id or 0) + 1
        now = time.time()
        rows, ids = [], []
        for e in stored_events:
            position += 1
            oid = _uuid(e.originator_id)
            chain = link(chain, write.project_id, position, oid, e.originator_version,
                         e.topic, e.state)
            rows.append({
                "notification_id": next_id, "originator_id": oid,
                "originator_version": e.originator_version, "topic": e.topic,
                "state": e.state, "project_id": write.project_id, "position": position,
                "chain": chain, "recorded_at": now,
            })
            ids.append(next_id)
            next_id += 1
        if rows:
            conn.execute(statements.insert(t.events), rows)
        counts = apply_catalog(conn, t, write)
        write.position = position
        values: dict[str, Any] = {"position": position, "chain": chain}
        if write.meta_hash is not None:
            values["meta_hash"] = f"{write.meta_hash:064x}"
        if write.name is not None:
            values["name"] = write.name
        try:
            self._write_head(conn, head, write, values, counts, bool(rows))
        except sa_exc.IntegrityError as exc:
            reason = str(exc.orig)
            if write.name and (str(_name_index(t).name) in reason
                               or f"{t.projects.name}.name" in reason):
                raise DuplicateNameError(f"a project named '{write.name}' exists") from exc
            raise
        return ids

    def _write_head(self, conn: Connection, head: Any, write: ProjectWrite,
                    values: dict[str, Any], counts: CatalogDelta, wrote: bool) -> None:
        """Insert or update the project's head row; its name is unique among live ones."""
        t = self.tables
        if head is None:
            if wrote or write.items or write.meta_hash is not None:
                values.setdefault("meta_hash", "0" * 64)
                values.setdefault("name", "")
                conn.execute(t.projects.insert().values(
                    project_id=write.project_id, items_sum=counts.items_sum(0), items=counts.items,
                    objects=counts.objects, **values))
        else:
            values["items_sum"] = counts.items_sum(int(head.items_sum, 16))
            values["items"] = head.items + counts.items
            values["objects"] = head.objects + counts.objects
            conn.execute(statements.update_head(t.projects, frozenset(values)),
                         {"pid": write.project_id, **{f"v_{k}": v for k, v in values.items()}})

    def select_events(
        self, originator_id: UUID | str, *, gt: int | None = None, lte: int | None = None,
        desc: bool = False, limit: int | None = None,
    ) -> list[StoredEvent]:
        q, params = _stream_query(self.tables.events, _uuid(originator_id), gt, lte, desc, limit)
        with reading(self.engine) as conn:
            return [StoredEvent(*r) for r in conn.execute(q, params)]

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None,
        topics: Sequence[str] = (), *, inclusive_of_start: bool = True,
    ) -> list[Notification]:
        t = self.tables.events
        q = sa.select(t.c.notification_id, t.c.originator_id, t.c.originator_version,
                      t.c.topic, t.c.state)
        if start is not None:
            q = q.where(t.c.notification_id >= start if inclusive_of_start
                        else t.c.notification_id > start)
        if stop is not None:
            q = q.where(t.c.notification_id <= stop)
        if topics:
            q = q.where(t.c.topic.in_(list(topics)))
        q = q.order_by(t.c.notification_id).limit(limit)
        with reading(self.engine) as conn:
            return [
                Notification(id=r[0], originator_id=r[1], originator_version=r[2],
                             topic=r[3], state=r[4])
                for r in conn.execute(q)
            ]

    def max_notification_id(self) -> int | None:
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(sa.func.max(self.tables.events.c.notification_id))
            ).scalar()

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return PollingSubscription(self, gt=gt, topics=topics)


class PollingSubscription(Subscription[ApplicationRecorder]):
    """Catch-up subscription by polling: works the same on SQLite and PostgreSQL."""

    interval = 0.05

    def __init__(self, recorder: ApplicationRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        super().__init__(recorder, gt=gt, topics=topics)
        self._buffer: list[Notification] = []

    def __next__(self) -> Notification:
        while not self._has_been_stopped:
            if self._buffer:
                n = self._buffer.pop(0)
                self._last_notification_id = n.id
                return n
            self._buffer = list(self._recorder.select_notifications(
                start=self._last_notification_id, limit=500, topics=self._topics,
                inclusive_of_start=False))
            if not self._buffer:
                time.sleep(self.interval)
        raise StopIteration


class SqlTrackingRecorder(SqlRecorder, TrackingRecorder):
    def insert_tracking(self, tracking: Tracking) -> None:
        try:
            with writing(self.engine) as conn:
                _insert_tracking(conn, self.tables, tracking)
        except sa_exc.IntegrityError as exc:
            raise IntegrityError(str(exc.orig)) from exc

    def max_tracking_id(self, application_name: str) -> int | None:
        t = self.tables.tracking
        with reading(self.engine) as conn:
            return conn.execute(sa.select(t.c.notification_id).where(
                t.c.application_name == application_name)).scalar()


    def lock_tracking(self, conn: Connection, application_name: str) -> int | None:
        """The position, its row held until ``conn``'s transaction ends.

        ``FOR UPDATE`` on PostgreSQL; SQLite ignores it, its ``BEGIN IMMEDIATE`` already
        holds the whole database.
        """
        t = self.tables.tracking
        return conn.execute(sa.select(t.c.notification_id).where(
            t.c.application_name == application_name).with_for_update()).scalar()

    def record_tracking(self, conn: Connection, tracking: Tracking) -> None:
        """Record ``tracking`` inside the caller's transaction (a view's rows commit with it)."""
        _insert_tracking(conn, self.tables, tracking)

    def forget_tracking(self, conn: Connection, application_name: str) -> None:
        t = self.tables.tracking
        conn.execute(t.delete().where(t.c.application_name == application_name))


class SqlViewStorage:
    """Where read models live: tables beside the log, positions in its tracking table."""

    def __init__(self, engine: Engine, tracking: SqlTrackingRecorder) -> None:
        self.engine = engine
        self.tracking = tracking

    def create_tables(self, metadata: sa.MetaData) -> None:
        create_tables(self.engine, metadata)


class SqlProcessRecorder(SqlApplicationRecorder, SqlTrackingRecorder, ProcessRecorder):
    pass


def _insert_tracking(conn: Connection, tables: Tables, tracking: Tracking) -> None:
    t = tables.tracking
    current = conn.execute(sa.select(t.c.notification_id).where(
        t.c.application_name == tracking.application_name)).scalar()
    if current is not None and tracking.notification_id <= current:
        msg = (f"tracking {tracking.application_name} {tracking.notification_id} "
               f"is not after {current}")
        raise IntegrityError(msg)
    if current is None:
        conn.execute(t.insert().values(application_name=tracking.application_name,
                                       notification_id=tracking.notification_id))
    else:
        conn.execute(t.update().where(t.c.application_name == tracking.application_name)
                     .values(notification_id=tracking.notification_id))


def _stream_query(t: sa.Table, oid: UUID, gt: int | None, lte: int | None, desc: bool,
                  limit: int | None, *, checksum: bool = False,
                  ) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The reused statement for these bounds, and its parameters."""
    q = statements.stream_events(t, gt is not None, lte is not None, desc, limit is not None,
                                 checksum)
    params = {"oid": oid, "gt": gt, "lte": lte, "limit": limit}
    return q, {k: v for k, v in params.items() if v is not None}


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
