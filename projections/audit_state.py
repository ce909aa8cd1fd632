"""The briefs the audit index folds (item briefs, project names, who started a session),
stored as JSON rows and cached in memory.

The cache is trusted only while this process is the index's sole writer: it remembers
the tracking position its entries stand at, and a batch that finds the tracking row
elsewhere (another process applied events meanwhile) starts from an empty cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from domain.changes import ItemBrief, Names

_CHUNK = 500
LIMIT = 100_000
"""Entries kept in memory at most (the cache is dropped whole beyond it): about 1.3 kB
each for an item of one box, so some 130 MB at most for such items."""


class BriefStore:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.cache: dict[str, Any] = {}
        self.valid_at: int | None = None

    def load(self, conn: Connection, keys: Iterable[str], tracked: int | None
             ) -> dict[str, Any]:
        if tracked is None or tracked != self.valid_at:
            self.cache.clear()
        wanted = set(keys)
        missing = sorted(wanted - self.cache.keys())
        for i in range(0, len(missing), _CHUNK):
            q = sa.select(self.table.c.key, self.table.c.data).where(
                self.table.c.key.in_(missing[i:i + _CHUNK]))
            for key, data in conn.execute(q):
                self.cache[key] = _decode(key, json.loads(data))
        return {k: self.cache[k] for k in wanted if k in self.cache}

    def store(self, conn: Connection, values: dict[str, Any]) -> None:
        if not values:
            return
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(self.table)
        stmt = stmt.on_conflict_do_update(index_elements=[self.table.c.key],
                                          set_={"data": stmt.excluded.data})
        conn.execute(stmt, [{"key": k, "data": json.dumps(_plain(v), separators=(",", ":"))}
                            for k, v in values.items()])

    def remember(self, values: dict[str, Any], tracked: int) -> None:
        """After a commit: the cache now stands at ``tracked``."""
        if len(self.cache) + len(values) > LIMIT:
            self.cache.clear()
        self.cache.update(values)
        self.valid_at = tracked

    def forget(self) -> None:
        self.cache.clear()
        self.valid_at = None


def _decode(key: str, value: Any) -> Any:
    if key[0] == "i":
        return ItemBrief.from_json(value)
    return Names.from_json(value) if key[0] == "p" else value


def _plain(value: Any) -> Any:
    return value if isinstance(value, str) else value.as_json()
