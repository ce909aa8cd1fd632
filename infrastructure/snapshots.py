"""Project snapshots as manifests of chunks, addressed by their sha256.

A snapshot says which version of every item (and of the project's meta) stood at a
log position. Entries, sorted by item id, are packed 4,096 to a chunk with msgpack and
lz4; a chunk's key is the sha256 of its bytes, so consecutive snapshots share every
unchanged chunk (as git trees do) and a corrupt chunk is detected on read. Rows are
streamed from the catalog, so memory stays bounded by one chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from uuid import UUID

import lz4.block
import msgpack
import sqlalchemy as sa
from sqlalchemy import Engine

from application.ports import ProjectSnapshot, SnapshotRecord
from infrastructure.persistence.engine import reading
from infrastructure.persistence.schema import Tables
from infrastructure.persistence.store import LedgerQueries, parse_classes

CHUNK_ENTRIES = 4096


def pack(value: object) -> tuple[str, bytes]:
    data = lz4.block.compress(msgpack.packb(value), store_size=True)
    return hashlib.sha256(data).hexdigest(), data


def unpack(key: str, data: bytes | None) -> object:
    if data is None or hashlib.sha256(data).hexdigest() != key:
        raise ValueError(f"chunk {key[:12]} is missing or corrupt")
    return msgpack.unpackb(lz4.block.decompress(data), strict_map_key=False)


class ManifestSnapshots:
    def __init__(self, engine: Engine, tables: Tables, store: LedgerQueries) -> None:
        self.engine = engine
        self.tables = tables
        self.store = store

    def latest_position(self, project_id: UUID) -> int:
        record = self.store.latest_snapshot(project_id, lte=2**62)
        return record.position if record else 0

    def write(self, project_id: UUID) -> int | None:
        keys: list[str] = []
        with reading(self.engine, consistent=True) as conn:
            head = conn.execute(sa.select(self.tables.projects.c.position).where(
                self.tables.projects.c.project_id == project_id)).scalar()
            if not head:
                return None
            ev = self.tables.events
            meta_version = conn.execute(sa.select(sa.func.max(ev.c.originator_version)).where(
                ev.c.originator_id == project_id)).scalar() or 0
            for chunk in self._catalog_chunks(conn, project_id):
                key, data = pack(chunk)
                self.store.put_chunks({key: data})
                keys.append(key)
        manifest_key, manifest = pack({"position": head, "meta_version": meta_version,
                                       "chunks": keys})
        self.store.put_chunks({manifest_key: manifest})
        self.store.put_snapshot(SnapshotRecord(project_id, head, manifest_key, meta_version))
        return int(head)

    def _catalog_chunks(self, conn: sa.Connection, project_id: UUID) -> Iterator[list[object]]:
        t = self.tables.items
        q = sa.select(t.c.item_id, t.c.version, t.c.classes).where(
            t.c.project_id == project_id).order_by(t.c.item_id)
        chunk: list[object] = []
        for item_id, version, classes in conn.execution_options(
                yield_per=CHUNK_ENTRIES).execute(q):
            chunk.append([item_id.bytes, version, classes])
            if len(chunk) == CHUNK_ENTRIES:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def read(self, project_id: UUID, lte: int, *, counts: bool = True
             ) -> ProjectSnapshot | None:
        """Without ``counts`` the stored per-class counts are not parsed (a restore
        copies them as stored text; parsing them is most of a large snapshot's read)."""
        parse = parse_classes if counts else _no_counts
        while True:
            record = self.store.latest_snapshot(project_id, lte)
            if record is None:
                return None
            try:
                manifest = unpack(record.manifest, self.store.get_chunk(record.manifest))
                assert isinstance(manifest, dict)
                items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] = {}
                for key in manifest["chunks"]:
                    entries = unpack(key, self.store.get_chunk(key))
                    assert isinstance(entries, list)
                    items.update((UUID(bytes=i), (v, parse(c))) for i, v, c in entries)
            except (ValueError, AssertionError, KeyError, msgpack.UnpackException):
                # Never wrong data: forget the damaged snapshot and use an older one.
                self.store.drop_snapshot(project_id, record.position)
                continue
            return ProjectSnapshot(record.position, record.meta_version, items)


def _no_counts(_text: str) -> tuple[tuple[int, int], ...]:
    return ()
