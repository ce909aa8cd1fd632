"""Reads for history, replay and proofs: one stream with positions; for proofs, each log
with its head, catalog rows and snapshots in one consistent read, the hash chain checked
row by row as the log is read (one pass), and snapshots as stored (bypassing the caches'
own fallbacks, which hide damage on purpose).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import msgpack
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, Engine

from application.ports import (
    CatalogEntry,
    ChainReport,
    ItemSnapshotRow,
    LogRecord,
    ProjectHead,
    StoredManifest,
    StoredVersionManifest,
)
from infrastructure.integrity import GENESIS, ChainRow, ChainWalk
from infrastructure.persistence.engine import reading
from infrastructure.persistence.manifest_store import stored_manifests
from infrastructure.persistence.schema import Tables
from infrastructure.persistence.store import catalog_entry_of, head_of, parse_classes
from infrastructure.snapshots import unpack


class AuditQueries:
    def __init__(self, engine: Engine, tables: Tables) -> None:
        self.engine = engine
        self.tables = tables

    def _log_columns(self) -> list[sa.ColumnElement[Any]]:
        t = self.tables.events
        return [t.c.position, t.c.notification_id, t.c.originator_id, t.c.originator_version,
                t.c.topic, t.c.state, t.c.chain]

    def item_log(self, stream_id: UUID) -> list[LogRecord]:
        t = self.tables.events
        q = sa.select(*self._log_columns()).where(t.c.originator_id == stream_id).order_by(
            t.c.originator_version)
        with reading(self.engine) as conn:
            return [_record(r) for r in conn.execute(q)]

    @contextmanager
    def reading(self, project_id: UUID, marks: Collection[int] = ()) -> Iterator[LogReading]:
        """One log and its derived rows in one consistent read transaction."""
        with reading(self.engine, consistent=True) as conn:
            yield LogReading(conn, self.tables, project_id, marks)

    def logged_projects(self) -> list[UUID]:
        t = self.tables.events
        with reading(self.engine) as conn:
            return list(conn.execute(sa.select(t.c.project_id).distinct()).scalars())

    def catalog_owners(self) -> list[UUID]:
        t = self.tables.items
        with reading(self.engine) as conn:
            return list(conn.execute(sa.select(t.c.project_id).distinct()).scalars())

    def log_in_order(self, upto: int) -> Iterator[LogRecord]:
        t = self.tables.events
        q = sa.select(*self._log_columns(), t.c.recorded_at, t.c.project_id).where(
            t.c.notification_id <= upto).order_by(t.c.notification_id)
        with reading(self.engine) as conn:
            for r in conn.execution_options(yield_per=2000).execute(q):
                yield _record(r)

    def log_of_event(self, notification_id: int) -> UUID | None:
        t = self.tables.events
        with reading(self.engine) as conn:
            return conn.execute(sa.select(t.c.project_id).where(
                t.c.notification_id == notification_id)).scalar()


class LogReading:
    """:class:`application.ports.ProjectReading` on one open read transaction."""

    def __init__(self, conn: Connection, tables: Tables, project_id: UUID,
                 marks: Collection[int]) -> None:
        self.conn, self.tables, self.project_id = conn, tables, project_id
        self.marks = set(marks)
        t = tables.projects
        row = conn.execute(sa.select(t).where(t.c.project_id == project_id)).first()
        self.head: ProjectHead | None = head_of(row) if row else None
        self._walk = ChainWalk(project_id, row.position if row else 0,
                               row.chain if row else GENESIS)
        self._links: dict[int, bytes] = {}
        self._chain: ChainReport | None = None

    def records(self) -> Iterator[LogRecord]:
        t = self.tables.events
        q = sa.select(t.c.position, t.c.notification_id, t.c.originator_id,
                      t.c.originator_version, t.c.topic, t.c.state, t.c.chain,
                      t.c.recorded_at).where(t.c.project_id == self.project_id).order_by(
            t.c.position)
        walk = self._walk
        for r in self.conn.execution_options(yield_per=2000).execute(q):
            rec = _record(r)
            if walk.step(ChainRow(rec.position, rec.originator_id, rec.originator_version,
                                  rec.topic, rec.state, rec.chain)) \
                    and rec.position in self.marks:
                self._links[rec.position] = rec.chain
            yield rec
        result = walk.finish()
        self._chain = ChainReport(self.project_id, result.ok, result.checked,
                                  result.position, result.reason, result.head)

    @property
    def chain(self) -> ChainReport:
        if self._chain is None:
            raise RuntimeError("the chain is known once every record was read")
        return self._chain

    @property
    def broken(self) -> ChainReport | None:
        found = self._walk.broken
        if found is None:
            return None
        return ChainReport(self.project_id, False, found.checked, found.position,
                           found.reason, found.head)

    @property
    def links(self) -> dict[int, bytes]:
        return self._links

    def catalog(self) -> list[CatalogEntry]:
        t = self.tables.items
        q = sa.select(t).where(t.c.project_id == self.project_id)
        return [catalog_entry_of(r) for r in self.conn.execute(q)]

    def item_snapshots(self) -> list[ItemSnapshotRow]:
        s, e = self.tables.snapshots, self.tables.events
        q = sa.select(s.c.originator_id, s.c.originator_version, s.c.topic, s.c.state,
                      s.c.checksum).select_from(s.join(e, sa.and_(
                          e.c.originator_id == s.c.originator_id,
                          e.c.originator_version == s.c.originator_version))).where(
            e.c.project_id == self.project_id)
        return [ItemSnapshotRow(StoredEvent(r[0], r[1], r[2], r[3]),
                                hashlib.sha256(r[3]).digest() == r[4])
                for r in self.conn.execute(q)]

    def version_manifests(self) -> list[StoredVersionManifest]:
        return stored_manifests(self.conn, self.tables, self.project_id)

    def manifests(self) -> list[StoredManifest]:
        t, c, conn = self.tables.project_snapshots, self.tables.chunks, self.conn
        records = conn.execute(sa.select(t).where(t.c.project_id == self.project_id)
                               .order_by(t.c.position)).all()

        def chunk(key: str) -> object:
            return unpack(key, conn.execute(sa.select(c.c.data).where(c.c.key == key)).scalar())

        out = []
        for r in records:
            try:
                manifest = chunk(r.manifest)
                assert isinstance(manifest, dict)
                items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] = {}
                for key in manifest["chunks"]:
                    entries = chunk(key)
                    assert isinstance(entries, list)
                    items.update((UUID(bytes=i), (v, parse_classes(k))) for i, v, k in entries)
                if manifest.get("position") != r.position:
                    raise ValueError("the manifest names another position")
                out.append(StoredManifest(r.position, r.meta_version, items, ""))
            except (ValueError, AssertionError, KeyError, TypeError,
                    msgpack.UnpackException) as exc:
                out.append(StoredManifest(r.position, r.meta_version, None,
                                          str(exc) or type(exc).__name__))
        return out


def _record(row: Any) -> LogRecord:
    """A row of :meth:`AuditQueries._log_columns`, in that order (then ``recorded_at`` and
    ``project_id`` when selected)."""
    return LogRecord(*row)
