"""Reads for history, replay and proofs: one stream with positions, chains with marks,
snapshots as stored (bypassing the caches' own fallbacks, which hide damage on purpose).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from typing import Any
from uuid import UUID

import msgpack
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy import Engine

from application.ports import ChainReport, ItemSnapshotRow, LogRecord, StoredManifest
from infrastructure.integrity import GENESIS, ChainRow, verify_chain
from infrastructure.persistence.engine import reading
from infrastructure.persistence.schema import Tables
from infrastructure.persistence.store import parse_classes
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

    def project_events(self, project_id: UUID) -> Iterator[LogRecord]:
        """A project's whole log in position order, streamed."""
        t = self.tables.events
        q = sa.select(*self._log_columns()).where(t.c.project_id == project_id).order_by(
            t.c.position)
        with reading(self.engine) as conn:
            for r in conn.execution_options(yield_per=2000).execute(q):
                yield _record(r)

    def chain_links(self, project_id: UUID, marks: Collection[int]
                    ) -> tuple[ChainReport, dict[int, bytes]]:
        """Recompute a project's chain (as ``verify``) and keep the links at ``marks``.

        Only links at positions the recomputation reached intact are returned.
        """
        t = self.tables.events
        wanted = set(marks)
        seen: dict[int, bytes] = {}
        q = sa.select(t.c.position, t.c.originator_id, t.c.originator_version, t.c.topic,
                      t.c.state, t.c.chain).where(t.c.project_id == project_id).order_by(
            t.c.position)
        with reading(self.engine) as conn:
            head = conn.execute(sa.select(self.tables.projects).where(
                self.tables.projects.c.project_id == project_id)).first()

            def rows() -> Iterator[ChainRow]:
                for r in conn.execution_options(yield_per=2000).execute(q):
                    row = ChainRow(*r)
                    if row.position in wanted:
                        seen[row.position] = row.chain
                    yield row

            result = verify_chain(project_id, rows(), head.position if head else 0,
                                  head.chain if head else GENESIS)
        report = ChainReport(project_id, result.ok, result.checked, result.position,
                             result.reason, result.head)
        limit = None if result.ok or result.position is None else result.position
        return report, {p: c for p, c in seen.items() if limit is None or p < limit}

    def item_snapshots(self, project_id: UUID) -> list[ItemSnapshotRow]:
        """Every stored snapshot of the project's items, with whether its checksum holds."""
        s, e = self.tables.snapshots, self.tables.events
        q = sa.select(s.c.originator_id, s.c.originator_version, s.c.topic, s.c.state,
                      s.c.checksum).select_from(s.join(e, sa.and_(
                          e.c.originator_id == s.c.originator_id,
                          e.c.originator_version == s.c.originator_version))).where(
            e.c.project_id == project_id)
        with reading(self.engine) as conn:
            return [ItemSnapshotRow(StoredEvent(r[0], r[1], r[2], r[3]),
                                    hashlib.sha256(r[3]).digest() == r[4])
                    for r in conn.execute(q)]

    def project_manifests(self, project_id: UUID) -> list[StoredManifest]:
        """Every project snapshot as stored; ``error`` names what cannot be read."""
        t, c = self.tables.project_snapshots, self.tables.chunks
        with reading(self.engine) as conn:
            records = conn.execute(sa.select(t).where(t.c.project_id == project_id).order_by(
                t.c.position)).all()
            out = []
            for r in records:
                def chunk(key: str) -> object:
                    return unpack(key, conn.execute(sa.select(c.c.data).where(
                        c.c.key == key)).scalar())
                try:
                    manifest = chunk(r.manifest)
                    assert isinstance(manifest, dict)
                    items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] = {}
                    for key in manifest["chunks"]:
                        entries = chunk(key)
                        assert isinstance(entries, list)
                        items.update((UUID(bytes=i), (v, parse_classes(k)))
                                     for i, v, k in entries)
                    if manifest.get("position") != r.position:
                        raise ValueError("the manifest names another position")
                    out.append(StoredManifest(r.position, r.meta_version, items, ""))
                except (ValueError, AssertionError, KeyError, TypeError,
                        msgpack.UnpackException) as exc:
                    out.append(StoredManifest(r.position, r.meta_version, None,
                                              str(exc) or type(exc).__name__))
        return out


def _record(row: Any) -> LogRecord:
    """A row of :meth:`AuditQueries._log_columns`, in that order."""
    return LogRecord(*row)
