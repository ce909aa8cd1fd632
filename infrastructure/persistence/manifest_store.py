"""Version manifests on SQL (:class:`application.ports.ManifestStore`).

Chunks are rows of ``<name>_manifest_chunks`` under their key, stored once and shared by
every version and project holding the same entries; bytes that do not match their key
are never decoded. Each version's root is a row of ``<name>_manifest_roots``: whole, or
as what changed since an earlier version's root (its ``base``) when the changes since
the last whole root, this one's included, take fewer bytes than the root whole. A root
is then read through at most about twice its own size, and a version that changed 1%
of a project stores about a line per changed chunk. Each row keeps the digest of its
root whole: a root whose rows do not give it back is not read
(:mod:`infrastructure.persistence.manifest_codec` has the bytes).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from application.ports import ManifestAtHead, ManifestEntry, ManifestRoot, StoredVersionManifest
from infrastructure.persistence.engine import reading, writing
from infrastructure.persistence.manifest_codec import (
    ID,
    UNREADABLE,
    key_of,
    pack_changes,
    pack_chunk,
    pack_root,
    unpack_chunk,
)
from infrastructure.persistence.manifest_roots import RootRows, Unreadable
from infrastructure.persistence.schema import Tables

BATCH = 500
RECENT = 4
"""Roots kept once read (one of 100,000 items takes some 4 MB): a compare's two, and the
latest version's, which the next version is built from."""


class SqlManifestStore:
    def __init__(self, engine: Engine, tables: Tables) -> None:
        self.engine = engine
        self.tables = tables
        self.recent: dict[tuple[UUID, int], tuple[bytes, ManifestRoot]] = {}
        """(project, version) -> (digest, root): roots read or written lately, used while
        their row holds the same digest (``verify`` always reads the rows)."""
        self.lock = threading.Lock()

    def seal(self, entries: Sequence[ManifestEntry]) -> bytes:
        return key_of(pack_chunk(entries))

    def chunks(self, keys: Collection[bytes]) -> dict[bytes, list[ManifestEntry]]:
        with reading(self.engine) as conn:
            return dict(intact_chunks(conn, self.tables, keys))

    def root(self, project_id: UUID, number: int) -> ManifestRoot | None:
        with reading(self.engine, consistent=True) as conn:
            rows = self._rows(conn, project_id)
            root = rows.readable(number)
        self._keep(project_id, rows, number)
        return root

    def latest_root(self, project_id: UUID, lte: int) -> tuple[int, ManifestRoot] | None:
        with reading(self.engine, consistent=True) as conn:
            rows = self._rows(conn, project_id)
            for number in rows.latest_first(lte):
                root = rows.readable(number)
                if root is not None:
                    self._keep(project_id, rows, number)
                    return number, root
        return None

    def entries_at_head(self, project_id: UUID, position: int) -> ManifestAtHead:
        t, ev = self.tables.items, self.tables.events
        with reading(self.engine, consistent=True) as conn:
            head = conn.execute(sa.select(self.tables.projects.c.position).where(
                self.tables.projects.c.project_id == project_id)).scalar() or 0
            meta_version = conn.execute(sa.select(sa.func.max(ev.c.originator_version)).where(
                ev.c.originator_id == project_id, ev.c.position <= position)).scalar() or 0
            rows = conn.execution_options(yield_per=5000).execute(sa.select(
                t.c.item_id, t.c.version, t.c.state_hash, t.c.classes).where(
                t.c.project_id == project_id))
            entries, classes = [], {}
            for i, v, h, c in rows:
                entries.append(ManifestEntry(i.bytes, v, bytes.fromhex(h)[:ID]))
                classes[i.bytes] = _flat_classes(c)
        entries.sort()
        return ManifestAtHead(int(head), int(meta_version), entries, classes)

    def save(self, project_id: UUID, number: int, root: ManifestRoot,
             chunks: Mapping[bytes, Sequence[ManifestEntry]],
             base: tuple[int, ManifestRoot] | None = None) -> None:
        rows = {}
        for key, entries in chunks.items():
            data = pack_chunk(entries)
            if key_of(data) != key:
                raise ValueError(f"chunk {key.hex()[:12]} does not hold its entries")
            rows[key] = data
        whole = pack_root(root)
        t, c = self.tables.manifest_roots, self.tables.manifest_chunks
        with writing(self.engine) as conn:
            stored = self._rows(conn, project_id)
            if number in stored.rows:
                if stored.readable(number) is not None:
                    return
                conn.execute(t.delete().where(t.c.project_id == project_id,
                                              t.c.number == number))
            against, data = _smaller(stored, number, whole, root, base)
            keys = list(rows)
            for start in range(0, len(keys), BATCH):
                for key in conn.execute(sa.select(c.c.key).where(
                        c.c.key.in_(keys[start:start + BATCH]))).scalars():
                    del rows[bytes(key)]
            if rows:
                conn.execute(c.insert(), [{"key": k, "data": v} for k, v in rows.items()])
            conn.execute(t.insert().values(project_id=project_id, number=number,
                                           position=root.position, base=against,
                                           digest=key_of(whole), data=data))
        self._remember(project_id, number, key_of(whole), root)

    def _rows(self, conn: Connection, project_id: UUID) -> RootRows:
        with self.lock:
            known = {n: seen for (p, n), seen in self.recent.items() if p == project_id}
        return RootRows(conn, self.tables, project_id, known)

    def _keep(self, project_id: UUID, rows: RootRows, number: int) -> None:
        if number in rows.roots:
            self._remember(project_id, number, rows.rows[number].digest, rows.roots[number])

    def _remember(self, project_id: UUID, number: int, digest: bytes,
                  root: ManifestRoot) -> None:
        with self.lock:
            self.recent.pop((project_id, number), None)
            self.recent[project_id, number] = (digest, root)
            while len(self.recent) > RECENT:
                del self.recent[next(iter(self.recent))]


def _smaller(stored: RootRows, number: int, whole: bytes, root: ManifestRoot,
             base: tuple[int, ManifestRoot] | None) -> tuple[int | None, bytes]:
    """``(base number, changes)`` when the changes since the last whole root, these
    included, are smaller than ``whole``; else ``(None, whole)``."""
    if base is None or base[0] >= number or not stored.holds(base[0], base[1]):
        return None, whole
    changes = pack_changes(root, base[1])
    if stored.changes_since_whole(base[0]) + len(changes) < len(whole):
        return base[0], changes
    return None, whole


def stored_manifests(conn: Connection, tables: Tables, project_id: UUID
                     ) -> list[StoredVersionManifest]:
    """Every version manifest of a project as stored, each root's digest and each
    chunk's key checked (for ``verify``, on the reading's own connection)."""
    rows = RootRows(conn, tables, project_id)
    roots: dict[int, tuple[ManifestRoot | None, str]] = {}
    for number in sorted(rows.rows):
        try:
            roots[number] = (rows.get(number), "")
        except Unreadable as exc:
            roots[number] = (None, str(exc))
    keys = {key for root, _ in roots.values() if root for _, key in root.chunks}
    intact = dict(intact_chunks(conn, tables, keys))
    out = []
    for number, (root, error) in roots.items():
        lost = [] if root is None else [k for _, k in root.chunks if k not in intact]
        if lost:
            error = f"chunk {lost[0].hex()[:12]} is missing or does not match its key"
        chunks = {} if root is None else {k: intact[k] for _, k in root.chunks if k in intact}
        out.append(StoredVersionManifest(number, rows.rows[number].position, root, chunks,
                                         error))
    return out


def intact_chunks(conn: Connection, tables: Tables, keys: Collection[bytes]
                  ) -> Iterator[tuple[bytes, list[ManifestEntry]]]:
    """The chunks among ``keys`` that are stored and match their key; the others are
    left out (the caller rebuilds from the log, verify reports them)."""
    c, ordered = tables.manifest_chunks, list(keys)
    for start in range(0, len(ordered), BATCH):
        q = sa.select(c.c.key, c.c.data).where(c.c.key.in_(ordered[start:start + BATCH]))
        for key, data in conn.execute(q):
            if key_of(data) != key:
                continue
            try:
                yield bytes(key), unpack_chunk(data)
            except UNREADABLE:
                continue


def _flat_classes(text: str) -> tuple[int, ...]:
    """The catalog's ``class:count,...`` as ``(class, count, ...)``."""
    return tuple(map(int, text.replace(":", ",").split(","))) if text else ()
