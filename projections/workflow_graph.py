"""The MLOps workflow graph: a tracked view of the log, and networkx graphs from it.

:class:`WorkflowView` is a :class:`projections.runner.TrackedView`: the runner feeds it
events in log order, and it handles those of sessions, projects and data nodes; each
batch's node and edge rows and the tracking position are written in one transaction
(:mod:`projections.workflow_store`). After a restart a new view resumes from the stored
position, so no event is missed or applied twice; a view reset and caught up from 0
gives the same graph.

Folding a batch: the changes of every event are computed first (pure handlers,
:mod:`projections.workflow_events`), then the current rows of every node and edge they
touch are read in a few ``IN`` queries, then each change that alters a node's attributes
closes its row at the event's time and opens a new one. Unchanged attributes write
nothing, so a repeated mention of a node is not a duplicate. An edge is a fact that
happened once: drawn at its first mention, with the time it happened (``at``), and
never redrawn. (Rows written before edges carried ``at`` read it as their
``valid_from``, which is what the events they came from said.)

The current graph is kept in memory and updated by the batches this object applies
(copy-on-write once handed out, so readers never see a graph change under them); if
another process moved the position, it is reloaded from the tables. Graphs as of a
past time are always read from the tables.
"""

from __future__ import annotations

import functools
import gc
import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

import networkx as nx
from eventsourcing.persistence import Tracking
from sqlalchemy import Connection

from application.core.loading import gc_paused
from domain.data_node import DataNode
from domain.project import Project
from domain.session import AppSession
from projections.runner import Decoded, TrackedView, ViewStorage
from projections.workflow_events import Change, EdgeChange, changes_of
from projections.workflow_ids import kind_of
from projections.workflow_store import Row, WorkflowTables, edge_id

VIEW = "workflow_graph"
SHARED = ("kind", "type", "status", "session_kind", "app", "actor", "project")


class WorkflowView(TrackedView):
    name = VIEW

    def __init__(self, storage: ViewStorage, prefix: str = "annoledger") -> None:
        super().__init__(storage)
        self.tables = WorkflowTables(storage.engine, prefix)
        self.metadata = self.tables.metadata
        self._lock = threading.RLock()
        self._graph: nx.MultiDiGraph | None = None
        self._graph_position = -1
        self._handed_out = False
        self._changes: list[Change] = []
        self._current: tuple[dict[str, Row], dict[str, Row]] = ({}, {})

    # -- the tracked view ------------------------------------------------------------------

    @functools.singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        """Items, tokens and media uploads are not drawn: skipped."""

    @process_event.register(AppSession.Event)
    @process_event.register(Project.Event)
    @process_event.register(DataNode.Event)
    def _draw(self, domain_event: Any, tracking: Tracking) -> None:
        self._changes.extend(changes_of(domain_event))

    def open_batch(self, conn: Connection, position: int, batch: Sequence[Decoded]) -> None:
        self._changes = []

    def close_batch(self, conn: Connection) -> None:
        changes, self._changes = self._changes, []
        nodes = {c.node for c in changes if not isinstance(c, EdgeChange)}
        edges = {edge_id(c.src, c.key, c.dst) for c in changes if isinstance(c, EdgeChange)}
        current = self.tables.current_nodes(conn, nodes)
        current_edges = self.tables.current_edges(conn, edges)
        node_rows: list[Row] = []
        edge_rows: list[Row] = []
        for c in changes:
            if isinstance(c, EdgeChange):
                eid = edge_id(c.src, c.key, c.dst)
                if eid not in current_edges:
                    _fold(current_edges, edge_rows, eid, {"label": c.key, "at": c.at}, c.time,
                          src=c.src, dst=c.dst, key=c.key)
            else:
                _fold(current, node_rows, c.node, {"kind": kind_of(c.node), **c.attrs},
                      c.time)
        self.tables.write(conn, node_rows, edge_rows)
        self._current = (current, current_edges)

    def committed(self, before: int, after: int) -> None:
        (nodes, edges), self._current = self._current, ({}, {})
        self._after_commit(before, after, nodes, edges)

    def abandoned(self) -> None:
        self._changes, self._current = [], ({}, {})
        with self._lock:
            self._graph = None

    def clear(self, conn: Connection) -> None:
        self.tables.clear(conn)

    # -- graphs ------------------------------------------------------------------------------

    def graph(self, as_of: float | None = None) -> nx.MultiDiGraph:
        """The graph now (or as of an epoch time); treat it as read-only."""
        self.ensure()
        if as_of is not None:
            return self._load(as_of)
        with self._lock:
            position = self.position()
            if self._graph is None or self._graph_position != position:
                self._graph, self._graph_position = self._load(None), position
            self._handed_out = True
            return self._graph

    def _load(self, as_of: float | None) -> nx.MultiDiGraph:
        """Read the rows valid now (or then) into a graph, compactly. As of a time, an
        edge known then but said to have happened later (a producer's clock ahead of
        ours) is left out: the graph then holds nothing that had not happened yet.

        All attributes are decoded by one ``json.loads`` (which shares equal keys across
        the whole array) and the values that repeat (kinds, types, statuses, apps) are
        interned (a sixth less memory at 100,000 nodes). The collector is paused while
        building, and the long-lived current graph is then frozen out of its scans
        (``gc.freeze``), so queries that allocate are not slowed by traversals of the
        whole graph; a frozen graph replaced later is still freed by reference counting.
        """
        with self.tables.engine.connect() as conn:
            nodes, edges = self.tables.read(conn, as_of)
        g = nx.MultiDiGraph()
        with gc_paused():
            attrs = json.loads("[" + ",".join(r.attrs for r in nodes) + "]")
            for a in attrs:
                for k in SHARED:
                    if isinstance(a.get(k), str):
                        a[k] = sys.intern(a[k])
            g.add_nodes_from(zip((sys.intern(r.node_id) for r in nodes), attrs, strict=True))
            timed = ((r, _timed(json.loads(r.attrs), r.valid_from)) for r in edges)
            g.add_edges_from((r.src, r.dst, sys.intern(r.key), a) for r, a in timed
                             if as_of is None or a["at"] <= as_of)
        if as_of is None:  # collect first: cyclic garbage frozen now would never be freed
            gc.collect()
            gc.freeze()
        return g

    def _after_commit(self, before: int, after: int, nodes: dict[str, Row],
                      edges: dict[str, Row]) -> None:
        """Bring the cached graph along when it stood at the batch's start."""
        with self._lock:
            if self._graph is None or self._graph_position != before:
                self._graph = None
                return
            g = self._graph.copy() if self._handed_out else self._graph
            for node, row in nodes.items():
                g.add_node(node, **_plain(row.attrs))
            for row in edges.values():
                g.add_edge(row.src, row.dst, key=row.key,
                           **_timed(_plain(row.attrs), row.valid_from))
            self._graph, self._graph_position, self._handed_out = g, after, False


def _fold(current: dict[str, Row], written: list[Row], row_key: str, attrs: dict[str, Any],
          time: float, **edge: str) -> None:
    """Apply one change to ``current[row_key]``: close its row, open one, if it changed."""
    row = current.get(row_key)
    merged = dict(row.attrs) if row else {}
    merged.update({k: v for k, v in attrs.items() if v is not None and v != ""})
    if row is not None and merged == row.attrs:
        return
    if row is not None:
        time = max(time, row.valid_from)
        if row.row_id is not None and not row.closed:
            written.append(row)
        row.valid_to, row.closed = time, True
    new = Row(row_key, merged, time, src=edge.get("src", ""), dst=edge.get("dst", ""),
              key=edge.get("key", ""))
    written.append(new)
    current[row_key] = new


def _timed(attrs: dict[str, Any], valid_from: float) -> dict[str, Any]:
    """An edge's attributes with the time it happened (rows from before ``at``: their
    ``valid_from``, the time of the event that drew them)."""
    attrs.setdefault("at", valid_from)
    return attrs


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """As the tables give it back (JSON): the cached graph equals a reloaded one."""
    return json.loads(json.dumps(attrs, sort_keys=True))  # type: ignore[no-any-return]
