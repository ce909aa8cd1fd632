"""Project-level queries over the ledger's tables (the :class:`LedgerStore` port)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from application.ports import (
    CatalogEntry,
    ChainReport,
    LogRecord,
    ProjectHead,
    SnapshotRecord,
)
from domain.digest import combine
from infrastructure.integrity import GENESIS, ChainRow, verify_chain
from infrastructure.persistence.engine import reading, writing
from infrastructure.persistence.schema import Tables


class LedgerQueries:
    engine: Engine
    tables: Tables

    def head(self, project_id: UUID) -> ProjectHead | None:
        t = self.tables.projects
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(t).where(t.c.project_id == project_id)).first()
        return head_of(row) if row else None

    def heads(self) -> list[ProjectHead]:
        t = self.tables.projects
        with reading(self.engine) as conn:
            return [head_of(r) for r in conn.execute(sa.select(t).order_by(t.c.name))]

    def catalog(self, project_id: UUID) -> Iterator[CatalogEntry]:
        t = self.tables.items
        q = sa.select(t).where(t.c.project_id == project_id).order_by(t.c.dataset_id, t.c.name)
        with reading(self.engine) as conn:
            for r in conn.execute(q):
                yield catalog_entry_of(r)

    def catalog_page(
        self, project_id: UUID, *, dataset_id: int | None = None, name: str | None = None,
        offset: int = 0, limit: int = 100,
    ) -> tuple[list[CatalogEntry], int]:
        """A page of items by dataset then name, and how many match (name: contains)."""
        t = self.tables.items
        where = [t.c.project_id == project_id]
        if dataset_id is not None:
            where.append(t.c.dataset_id == dataset_id)
        if name:
            escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(sa.func.lower(t.c.name).like(f"%{escaped}%", escape="\\"))
        q = sa.select(t).where(*where).order_by(t.c.dataset_id, t.c.name)
        with reading(self.engine, consistent=True) as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar()
            rows = conn.execute(q.offset(offset).limit(limit)).all()
        return [catalog_entry_of(r) for r in rows], int(total or 0)

    def catalog_entry(self, item_id: UUID) -> CatalogEntry | None:
        t = self.tables.items
        with reading(self.engine) as conn:
            r = conn.execute(sa.select(t).where(t.c.item_id == item_id)).first()
        return catalog_entry_of(r) if r else None

    def find_item(self, project_id: UUID, dataset_id: int, name: str) -> UUID | None:
        t = self.tables.items
        with reading(self.engine) as conn:
            return conn.execute(sa.select(t.c.item_id).where(
                t.c.project_id == project_id, t.c.dataset_id == dataset_id, t.c.name == name
            )).scalar()

    def project_of(self, item_id: UUID) -> UUID | None:
        """The project whose log holds the item's first event; for a restored project's
        item without events yet, the project whose catalog refers to it."""
        t, c = self.tables.events, self.tables.items
        with reading(self.engine) as conn:
            return conn.execute(sa.select(t.c.project_id).where(
                t.c.originator_id == item_id, t.c.originator_version == 1)).scalar() \
                or conn.execute(sa.select(c.c.project_id).where(
                    c.c.item_id == item_id, c.c.source_id.isnot(None))).scalar()

    def log(
        self, project_id: UUID, *, gt: int = 0, lte: int | None = None,
        limit: int | None = None, desc: bool = False, with_state: bool = True,
    ) -> list[LogRecord]:
        t = self.tables.events
        cols = [t.c.position, t.c.notification_id, t.c.originator_id,
                t.c.originator_version, t.c.topic,
                t.c.state if with_state else sa.literal(b"").label("state"), t.c.chain]
        q = sa.select(*cols).where(t.c.project_id == project_id, t.c.position > gt)
        if lte is not None:
            q = q.where(t.c.position <= lte)
        q = q.order_by(t.c.position.desc() if desc else t.c.position)
        if limit is not None:
            q = q.limit(limit)
        with reading(self.engine) as conn:
            return [LogRecord(*r) for r in conn.execute(q)]

    def position_at_time(self, project_id: UUID, timestamp: float) -> int:
        """The last position recorded at or before a time (0 if none).

        Positions are recorded in time order (the writer stamps each batch while it
        holds the project's log; ``verify`` reports a time that goes back), so the
        answer is found by bisecting positions on the (project, position) index: about
        twenty lookups at a million events, and no index on times to write per event.
        """
        t = self.tables.events
        probe = sa.select(t.c.position, t.c.recorded_at).where(
            t.c.project_id == project_id, t.c.position <= sa.bindparam("at")).order_by(
            t.c.position.desc()).limit(1)
        best = 0
        with reading(self.engine, consistent=True) as conn:
            lo, hi = 1, int(conn.execute(sa.select(sa.func.max(t.c.position)).where(
                t.c.project_id == project_id)).scalar() or 0)
            while lo <= hi:
                mid = (lo + hi) // 2
                row = conn.execute(probe, {"at": mid}).first()
                if row is not None and row.recorded_at <= timestamp:
                    best, lo = max(best, int(row.position)), mid + 1
                elif row is None:
                    lo = mid + 1
                else:
                    hi = mid - 1
        return best

    def stream_events(self, ids: Sequence[UUID], gt: int) -> list[StoredEvent]:
        """Events of many streams after a version, ordered by stream then version."""
        t = self.tables.events
        q = sa.select(t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state).where(
            t.c.originator_id.in_(list(ids)), t.c.originator_version > gt
        ).order_by(t.c.originator_id, t.c.originator_version)
        with reading(self.engine) as conn:
            return [StoredEvent(*r) for r in conn.execute(q)]

    def stream_snapshots(self, pairs: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The named aggregate snapshots that exist and pass their checksum."""
        t = self.tables.snapshots
        wanted = set(pairs)
        q = sa.select(t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state,
                      t.c.checksum).where(
            t.c.originator_id.in_({i for i, _ in pairs}),
            t.c.originator_version.in_({v for _, v in pairs}))
        with reading(self.engine) as conn:
            rows = conn.execute(q).all()
        return [StoredEvent(r[0], r[1], r[2], r[3]) for r in rows
                if (r[0], r[1]) in wanted and hashlib.sha256(r[3]).digest() == r[4]]

    def verify(self, project_id: UUID) -> ChainReport:
        """Recompute the project's chain row by row (streamed) and check it against its head."""
        t = self.tables.events
        q = sa.select(t.c.position, t.c.originator_id, t.c.originator_version, t.c.topic,
                      t.c.state, t.c.chain).where(t.c.project_id == project_id).order_by(
            t.c.position)
        with reading(self.engine, consistent=True) as conn:
            head = conn.execute(sa.select(self.tables.projects).where(
                self.tables.projects.c.project_id == project_id)).first()
            rows = (ChainRow(*r) for r in conn.execution_options(yield_per=2000).execute(q))
            result = verify_chain(project_id, rows, head.position if head else 0,
                                  head.chain if head else GENESIS)
        return ChainReport(project_id, result.ok, result.checked, result.position,
                           result.reason, result.head)

    def put_chunks(self, chunks: dict[str, bytes]) -> None:
        t = self.tables.chunks
        with writing(self.engine) as conn:
            have = set(conn.execute(sa.select(t.c.key).where(t.c.key.in_(list(chunks)))).scalars())
            rows = [{"key": k, "data": v} for k, v in chunks.items() if k not in have]
            if rows:
                conn.execute(t.insert(), rows)

    def get_chunk(self, key: str) -> bytes | None:
        t = self.tables.chunks
        with reading(self.engine) as conn:
            return conn.execute(sa.select(t.c.data).where(t.c.key == key)).scalar()

    def put_snapshot(self, record: SnapshotRecord) -> None:
        t = self.tables.project_snapshots
        try:
            with writing(self.engine) as conn:
                conn.execute(t.insert().values(
                    project_id=record.project_id, position=record.position,
                    manifest=record.manifest, meta_version=record.meta_version))
        except sa_exc.IntegrityError:
            pass  # a snapshot at that position exists already: snapshots are caches

    def latest_snapshot(self, project_id: UUID, lte: int) -> SnapshotRecord | None:
        t = self.tables.project_snapshots
        q = sa.select(t).where(t.c.project_id == project_id, t.c.position <= lte).order_by(
            t.c.position.desc()).limit(1)
        with reading(self.engine) as conn:
            r = conn.execute(q).first()
        return SnapshotRecord(r.project_id, r.position, r.manifest, r.meta_version) if r else None

    def drop_snapshot(self, project_id: UUID, position: int) -> None:
        t = self.tables.project_snapshots
        with writing(self.engine) as conn:
            conn.execute(t.delete().where(t.c.project_id == project_id, t.c.position == position))


def head_of(r: Any) -> ProjectHead:
    digest = combine(int(r.meta_hash, 16), int(r.items_sum, 16))
    return ProjectHead(r.project_id, r.name, r.position, r.chain, digest, r.items, r.objects)


def catalog_entry_of(r: Any) -> CatalogEntry:
    source = (r.source_id, r.source_version) if r.source_id is not None else None
    return CatalogEntry(r.item_id, r.dataset_id, r.name, r.version, r.objects,
                        int(r.state_hash, 16), parse_classes(r.classes), _ints(r.tag_ids),
                        source=source)


def parse_classes(text: str) -> tuple[tuple[int, int], ...]:
    """``c:n,c:n`` as pairs; split and converted at C speed (read for every item)."""
    numbers = map(int, text.replace(":", ",").split(",")) if text else iter(())
    return tuple(zip(numbers, numbers, strict=True))


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(c) for c in text.split(",") if c)
