"""A project's stored version roots, each read back through the rows it is stored against.

A row of ``<name>_manifest_roots`` holds a root whole, or the changes from the root of
its ``base`` version (:mod:`infrastructure.persistence.manifest_codec`). Reading one
reads its chain of rows back to a whole root (or to a root already read and checked) in
one query, applies the changes in order and checks the result against the row's digest.
Roots read are kept, so reading every version's in order (as ``verify`` does) decodes
each row once, and a compare's second root starts from its first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Connection

from application.ports import ManifestRoot
from infrastructure.persistence.manifest_codec import (
    UNREADABLE,
    Resolving,
    key_of,
    pack_root,
    unpack_root,
)
from infrastructure.persistence.schema import Tables


class Unreadable(Exception):
    """A stored root that does not read back (the message says which and why)."""


@dataclass(frozen=True, slots=True)
class RootRow:
    number: int
    position: int
    base: int | None
    digest: bytes
    size: int
    """Bytes of its ``data``."""


class RootRows:
    """The roots stored for one project's versions, as one connection sees them."""

    def __init__(self, conn: Connection, tables: Tables, project_id: UUID,
                 known: Mapping[int, tuple[bytes, ManifestRoot]] | None = None) -> None:
        """``known``: roots read before (version -> digest, root), used where the row
        still holds that digest."""
        t = self.table = tables.manifest_roots
        self.conn, self.project_id = conn, project_id
        self.rows = {r.number: RootRow(r.number, r.position, r.base, bytes(r.digest), r.size)
                     for r in conn.execute(sa.select(
                         t.c.number, t.c.position, t.c.base, t.c.digest,
                         sa.func.length(t.c.data).label("size")).where(
                         t.c.project_id == project_id))}
        self.roots: dict[int, ManifestRoot] = {
            n: root for n, (digest, root) in (known or {}).items()
            if n in self.rows and self.rows[n].digest == digest}
        """Roots read that matched their row's digest."""

    def latest_first(self, lte: int) -> list[int]:
        """The versions with a stored root at or before position ``lte``, latest first."""
        return [r.number for r in sorted(self.rows.values(), reverse=True,
                                         key=lambda r: (r.position, r.number))
                if r.position <= lte]

    def readable(self, number: int) -> ManifestRoot | None:
        try:
            return self.get(number)
        except Unreadable:
            return None

    def get(self, number: int) -> ManifestRoot:
        """Version ``number``'s root, checked against its digest."""
        if number in self.roots:
            return self.roots[number]
        chain = self._chain(number)
        data = self._data([n for n in chain if n not in self.roots])
        n = chain[0]
        try:
            reading = Resolving(self.roots[n] if n in self.roots else unpack_root(data[n]))
            for n in chain[1:]:
                reading.apply(data[n])
            root = reading.root()
        except UNREADABLE as exc:
            raise Unreadable(f"root of version {n} cannot be decoded: {exc!r}") from exc
        if key_of(pack_root(root)) != self.rows[number].digest:
            raise Unreadable(f"root of version {number} does not match its digest")
        self.roots[number] = root
        return root

    def holds(self, number: int, root: ManifestRoot) -> bool:
        """Whether ``root`` is the one stored for version ``number``."""
        row = self.rows.get(number)
        return row is not None and row.digest == key_of(pack_root(root))

    def changes_since_whole(self, number: int) -> float:
        """Bytes of the changes stored from the last whole root up to version ``number``'s
        (infinite when the chain is broken)."""
        total, n = 0, number
        while (row := self.rows.get(n)) is not None:
            if row.base is None:
                return total
            if row.base >= n:
                break
            total, n = total + row.size, row.base
        return float("inf")

    def _chain(self, number: int) -> list[int]:
        """The versions to read, from one whole or already read up to ``number``."""
        chain, n = [], number
        while True:
            row = self.rows.get(n)
            if row is None:
                raise Unreadable(f"root of version {number} is stored against version {n}, "
                                 "which has none")
            chain.append(n)
            if n in self.roots or row.base is None:
                return chain[::-1]
            if row.base >= n:
                raise Unreadable(f"root of version {n} is stored against a later version")
            n = row.base

    def _data(self, numbers: list[int]) -> dict[int, bytes]:
        if not numbers:
            return {}
        t = self.table
        return {n: bytes(d) for n, d in self.conn.execute(sa.select(t.c.number, t.c.data).where(
            t.c.project_id == self.project_id, t.c.number.in_(numbers)))}
