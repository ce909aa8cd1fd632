"""Restores by reference in SQL: items' catalog entries at given versions, the rows a
restore copies, and the references a restored project's items hold (see
:mod:`application.core.references`).

An item's entry at a version is its catalog row if the row is still at that version,
else the row kept in the item states table when a change superseded it; both are
found by ``(item id, version)`` on their primary keys, so the cost follows the items
asked for, never how often they changed since. The wanted pairs reach the database as
one parameter per statement (a JSON array read by ``json_each`` on SQLite, arrays read
by ``unnest`` on PostgreSQL), so a restore's rows are copied by the database itself;
only each new row's name, object count and content hash come back, to check the names
and to add the rows to the project's counts and digest.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import ARRAY

from application.ports import CatalogEntry, ItemReference, ReferenceCopy
from infrastructure.persistence.engine import reading
from infrastructure.persistence.schema import Tables
from infrastructure.persistence.store import catalog_entry_of, parse_classes

_BATCH = 500
_PAIRS = 10_000
"""Pairs looked up per statement."""
_COPY_CACHE_KIB = 64 * 1024
"""SQLite page cache while a restore's rows are copied."""
_COPIED = ("item_id", "project_id", "dataset_id", "name", "version", "objects", "state_hash",
           "classes", "tag_ids", "source_id", "source_version")


class Copied(NamedTuple):
    """What a copy added to the new project: rows, objects, and the sum of their
    content hashes (the project digest's item part)."""

    items: int
    objects: int
    hashes: int


class ReferenceQueries:
    engine: Engine
    tables: Tables

    def catalog_states(self, project_id: UUID, wanted: Mapping[UUID, int]
                       ) -> dict[UUID, CatalogEntry]:
        """Entries at the wanted versions, from the catalog rows still at them and the
        superseded rows of the items that have moved on since."""
        found: dict[UUID, CatalogEntry] = {}
        pairs = [(i, v, i) for i, v in wanted.items()]
        with reading(self.engine, consistent=True) as conn:
            for start in range(0, len(pairs), _PAIRS):
                w = wanted_table(conn, pairs[start:start + _PAIRS])
                for table in (self.tables.items, self.tables.item_states):
                    joined, row = _probe(conn, table, w)
                    # The project is checked here, not in SQL: a condition on the table's
                    # project column lets SQLite's planner scan the project's rows and
                    # the wanted list for each (quadratic) instead of probing each
                    # wanted row by key.
                    for r in conn.execute(sa.select(row).select_from(joined)):
                        if r.project_id == project_id:
                            found[r.item_id] = catalog_entry_of(r)
        return found

    def sources(self, item_ids: Collection[UUID]) -> dict[UUID, ItemReference]:
        t = self.tables.items
        ids = list(item_ids)
        found: dict[UUID, ItemReference] = {}
        with reading(self.engine) as conn:
            for start in range(0, len(ids), _BATCH):
                q = sa.select(t.c.project_id, t.c.item_id, t.c.source_id,
                              t.c.source_version).where(
                    t.c.item_id.in_(ids[start:start + _BATCH]), t.c.source_id.isnot(None))
                for r in conn.execute(q):
                    found[r.item_id] = ItemReference(*r)
        return found

    def references_of(self, project_id: UUID, *, counts: bool = True
                      ) -> dict[UUID, tuple[tuple[int, int], ...]]:
        """Rows that refer (the catalog's) or referred (superseded ones, at version 1)."""
        found: dict[UUID, tuple[tuple[int, int], ...]] = {}
        with reading(self.engine, consistent=True) as conn:
            for t in (self.tables.item_states, self.tables.items):
                q = sa.select(t.c.item_id, t.c.classes if counts else sa.literal("")).where(
                    t.c.project_id == project_id, t.c.source_id.isnot(None))
                for item_id, classes in conn.execute(q):
                    found[item_id] = parse_classes(classes)
        return found


def copy_references(conn: Connection, tables: Tables, project_id: UUID,
                    copy: ReferenceCopy) -> Copied:
    """Write ``project_id``'s rows for ``copy.items`` as copies of the rows holding each
    source item at its version, flattened (a row that itself refers passes on what it
    refers to). Sets ``copy.written`` and ``copy.missing``.

    The rows are gathered in a temporary table first (the catalog's pages are then only
    read, in the order of the source ids), then inserted in the order of the new ids, so
    each page of the catalog's indexes is written once: inserting while reading the same
    table, SQLite took twice as long."""
    t = tables.items
    w = wanted_table(conn, copy.items)

    def rows_of(table: sa.Table) -> sa.Select[Any]:
        joined, row = _probe(conn, table, w)
        q = sa.select(
            w.c.new_id, sa.literal(project_id, sa.Uuid()), row.c.dataset_id, row.c.name,
            sa.literal(1), row.c.objects, row.c.state_hash, row.c.classes, row.c.tag_ids,
            sa.func.coalesce(row.c.source_id, row.c.item_id),
            sa.func.coalesce(row.c.source_version, row.c.version),
        ).select_from(joined)
        return q if copy.datasets is None else q.where(
            row.c.dataset_id.in_(sorted(copy.datasets)))

    staged = sa.Table(f"{t.name}_copied", sa.MetaData(),
                      *(sa.Column(c, t.c[c].type) for c in _COPIED), prefixes=["TEMPORARY"])
    with _page_cache(conn, _COPY_CACHE_KIB):
        staged.create(conn)
        conn.execute(staged.insert().from_select(
            list(_COPIED), sa.union_all(rows_of(t), rows_of(tables.item_states))))
        conn.execute(t.insert().from_select(
            list(_COPIED), sa.select(staged).order_by(staged.c.item_id)))
        rows = conn.execute(sa.select(staged.c.dataset_id, staged.c.name, staged.c.objects,
                                      staged.c.state_hash)).all()
        staged.drop(conn)
    copy.written = [(d, n) for d, n, _, _ in rows]
    if len(rows) < len(copy.items):
        copy.missing = _missing(conn, tables, w)
    return Copied(len(rows), sum(r[2] for r in rows), sum(int(r[3], 16) for r in rows))


@contextmanager
def _page_cache(conn: Connection, kib: int) -> Iterator[None]:
    """SQLite: page caches of ``kib`` for this connection's database and its temporary
    tables meanwhile. A copy touches pages all over the catalog's indexes and stages
    every row in a temporary table: with the default 2 MiB each, the connection writes
    pages out and reads them back many times within one transaction (a restore of
    100,000 items took a third longer)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    schemas = ("main", "temp")
    before = {s: conn.exec_driver_sql(f"PRAGMA {s}.cache_size").scalar() for s in schemas}
    for schema in schemas:
        conn.exec_driver_sql(f"PRAGMA {schema}.cache_size=-{kib}")
    try:
        yield
    finally:
        for schema, size in before.items():
            conn.exec_driver_sql(f"PRAGMA {schema}.cache_size={int(size or 0)}")


def _missing(conn: Connection, tables: Tables, w: sa.FromClause
             ) -> list[tuple[UUID, int, UUID]]:
    """The wanted rows that neither the catalog nor the item states hold."""
    joined, now = _probe(conn, tables.items, w, outer=True)
    joined, before = _probe(conn, tables.item_states, w, outer=True, onto=joined)
    q = sa.select(sa.type_coerce(w.c.source_id, sa.Uuid()), w.c.version,
                  sa.type_coerce(w.c.new_id, sa.Uuid())).select_from(joined).where(
        now.c.item_id.is_(None), before.c.item_id.is_(None))
    return [(s, v, n) for s, v, n in conn.execute(q)]


def _probe(conn: Connection, table: sa.Table, w: sa.FromClause, *, outer: bool = False,
           onto: sa.FromClause | None = None) -> tuple[sa.FromClause, sa.FromClause]:
    """``w`` (or ``onto``, a join holding it) joined with the row of ``table`` holding
    each wanted item at its version (``outer``: or with nothing), and that row's
    columns. Each wanted row looks its row up by primary key, so the cost follows the
    rows wanted, never the table. SQLite's planner probes so by itself; PostgreSQL's
    hashes the whole table (every project's rows, every superseded one) unless each
    lookup is a ``LATERAL`` subquery it cannot flatten into a join (``LIMIT 1``: the
    key holds one row at most)."""
    at = sa.and_(table.c.item_id == w.c.source_id, table.c.version == w.c.version)
    left = w if onto is None else onto
    if conn.dialect.name == "postgresql":
        row = sa.select(table).where(at).limit(1).lateral(f"{table.name}_at")
        return left.join(row, sa.true(), isouter=outer), row
    return left.join(table, at, isouter=outer), table


def wanted_table(conn: Connection, rows: Sequence[tuple[UUID, int, UUID]]) -> sa.FromClause:
    """``rows`` as a table ``w(source_id, version, new_id)`` passed in one parameter."""
    if conn.dialect.name == "postgresql":
        ids = sa.Uuid()
        return sa.func.unnest(
            sa.bindparam("w_source", [r[0] for r in rows], type_=ARRAY(ids)),
            sa.bindparam("w_version", [r[1] for r in rows], type_=ARRAY(sa.Integer())),
            sa.bindparam("w_new", [r[2] for r in rows], type_=ARRAY(ids)),
        ).table_valued(sa.column("source_id", ids), sa.column("version", sa.Integer()),
                       sa.column("new_id", ids)).render_derived(name="w")
    # SQLite stores UUIDs as 32 hex digits: the JSON holds them so.
    payload = orjson.dumps([[s.hex, v, n.hex] for s, v, n in rows]).decode()
    each = sa.func.json_each(sa.bindparam("w_rows", payload, type_=sa.Text())
                             ).table_valued("value").alias("w_rows")
    return sa.select(*(sa.func.json_extract(each.c.value, f"$[{i}]").label(name)
                       for i, name in enumerate(("source_id", "version", "new_id")))
                     ).subquery("w")
