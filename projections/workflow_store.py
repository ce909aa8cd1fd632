"""The workflow graph's tables: nodes and edges with validity times, and the tracking row.

Every node or edge is a series of rows; each row holds the attributes valid from
``valid_from`` until ``valid_to`` (``NULL`` while current). A change closes the current
row and opens a new one, so the graph as of any past time is one indexed scan
(``valid_from <= t < valid_to``), the time-travel that Marquez lacks. Validity times are
the events' own timestamps (when annoledger recorded the fact), as epoch seconds; when
a fact happened (an edge's ``at``) is an attribute (:mod:`projections.workflow_events`).

Tables are created on first use, named ``<app>_wf_*`` beside the application's own.
The view's position is kept with every other view's (:mod:`projections.runner`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

CHUNK = 500


@dataclass
class Row:
    """One validity interval of a node (``src``/``dst``/``key`` set for an edge)."""

    id: str
    attrs: dict[str, Any]
    valid_from: float
    valid_to: float | None = None
    row_id: int | None = None
    src: str = ""
    dst: str = ""
    key: str = ""
    closed: bool = field(default=False, repr=False)


def edge_id(src: str, key: str, dst: str) -> str:
    return f"{src}\n{key}\n{dst}"


class WorkflowTables:
    def __init__(self, engine: Engine, prefix: str = "annoledger") -> None:
        self.engine = engine
        md = sa.MetaData()
        self.nodes = sa.Table(
            f"{prefix}_wf_nodes", md,
            sa.Column("row_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                      primary_key=True, autoincrement=True),
            sa.Column("node_id", sa.Text, nullable=False),
            sa.Column("attrs", sa.Text, nullable=False),
            sa.Column("valid_from", sa.Float, nullable=False),
            sa.Column("valid_to", sa.Float, nullable=True),
            sa.Index(f"{prefix}_wf_nodes_id", "node_id", "valid_to"),
        )
        self.edges = sa.Table(
            f"{prefix}_wf_edges", md,
            sa.Column("row_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                      primary_key=True, autoincrement=True),
            sa.Column("edge_id", sa.Text, nullable=False),
            sa.Column("src", sa.Text, nullable=False),
            sa.Column("dst", sa.Text, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("attrs", sa.Text, nullable=False),
            sa.Column("valid_from", sa.Float, nullable=False),
            sa.Column("valid_to", sa.Float, nullable=True),
            sa.Index(f"{prefix}_wf_edges_id", "edge_id", "valid_to"),
        )
        self.metadata = md

    def clear(self, conn: Connection) -> None:
        conn.execute(self.nodes.delete())
        conn.execute(self.edges.delete())

    # -- rows ------------------------------------------------------------------------------

    def current_nodes(self, conn: Connection, ids: Iterable[str]) -> dict[str, Row]:
        t, found = self.nodes, {}
        for chunk in _chunks(sorted(set(ids))):
            q = sa.select(t.c.row_id, t.c.node_id, t.c.attrs, t.c.valid_from).where(
                t.c.node_id.in_(chunk), t.c.valid_to.is_(None))
            for r in conn.execute(q):
                found[r.node_id] = Row(r.node_id, json.loads(r.attrs), r.valid_from,
                                       row_id=r.row_id)
        return found

    def current_edges(self, conn: Connection, ids: Iterable[str]) -> dict[str, Row]:
        t, found = self.edges, {}
        for chunk in _chunks(sorted(set(ids))):
            q = sa.select(t.c.row_id, t.c.edge_id, t.c.src, t.c.dst, t.c.key, t.c.attrs,
                          t.c.valid_from).where(t.c.edge_id.in_(chunk), t.c.valid_to.is_(None))
            for r in conn.execute(q):
                found[r.edge_id] = Row(r.edge_id, json.loads(r.attrs), r.valid_from,
                                       row_id=r.row_id, src=r.src, dst=r.dst, key=r.key)
        return found

    def write(self, conn: Connection, nodes: list[Row], edges: list[Row]) -> None:
        """Close the stored rows that changed, insert the new ones."""
        for table, rows, cols in ((self.nodes, nodes, ("node_id",)),
                                  (self.edges, edges, ("edge_id", "src", "dst", "key"))):
            closes = [{"rid": r.row_id, "vt": r.valid_to} for r in rows
                      if r.row_id is not None and r.closed]
            if closes:
                conn.execute(table.update().where(table.c.row_id == sa.bindparam("rid"))
                             .values(valid_to=sa.bindparam("vt")), closes)
            inserts = [_insert_values(r, cols) for r in rows if r.row_id is None]
            if inserts:
                conn.execute(table.insert(), inserts)

    def read(self, conn: Connection, as_of: float | None) -> tuple[list[Any], list[Any]]:
        """Node rows ``(node_id, attrs)`` and edge rows ``(src, dst, key, attrs,
        valid_from)``."""
        n, e = self.nodes, self.edges
        nq = sa.select(n.c.node_id, n.c.attrs).where(_valid(n, as_of)).order_by(n.c.row_id)
        eq = sa.select(e.c.src, e.c.dst, e.c.key, e.c.attrs, e.c.valid_from).where(
            _valid(e, as_of)).order_by(e.c.row_id)
        return list(conn.execute(nq)), list(conn.execute(eq))


def _valid(t: sa.Table, as_of: float | None) -> sa.ColumnElement[bool]:
    if as_of is None:
        return t.c.valid_to.is_(None)
    return sa.and_(t.c.valid_from <= as_of,
                   sa.or_(t.c.valid_to.is_(None), t.c.valid_to > as_of))


def _insert_values(r: Row, cols: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {"attrs": json.dumps(r.attrs, sort_keys=True),
                              "valid_from": r.valid_from, "valid_to": r.valid_to}
    if cols == ("node_id",):
        values["node_id"] = r.id
    else:
        values.update(edge_id=r.id, src=r.src, dst=r.dst, key=r.key)
    return values


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
