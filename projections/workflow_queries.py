"""Questions asked of a workflow graph: upstream, downstream, training data, provenance.

Every function takes the graph to ask (the current one or one as of a past time, see
:meth:`projections.workflow_graph.WorkflowView.graph`), so every answer can be had
"as of". Traversals are breadth-first over networkx's adjacency dicts with a depth
limit, so their cost follows the part of the graph they reach, never its size.

Lineage is true in time. Every edge says when it happened (``at``), and a walk follows
only paths whose times agree where a node changes over time (a project, a dataset, a
model file): upstream, an edge into such a node is followed only if it happened no later
than the edge the walk arrived by (a project read at 04:14 came from what was written
into it by 04:14, not from a revert at 04:19); downstream, an edge out of it only if it
happened no earlier (a project written at 04:19 fed the version taken at 04:20, not the
one taken at 04:14). Elsewhere every edge is followed: a version never changes, so what
it came from and what read it do not depend on when the walk reached it; a session (or
a declared job) is one run, so all it read fed all it wrote, in whatever order its
inputs and outputs were reported. The walk keeps, for each node, the best time it was
reached by (the latest upstream, the earliest downstream) and walks on from a node again
only when it reaches it by a better one, so each node's distance is the fewest edges of
a path in time.

Answers are sorted nearest first; ties by the node's time (a session's start, a
version's or project's creation, else the first edge touching it), then by id.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import networkx as nx

from domain.errors import ValidationError
from domain.times import parse_time
from projections.workflow_ids import kind_of

UNTIMED = ("version:", "session:", "job:")
"""Node id prefixes of nodes a walk passes whatever the time it reached them by: versions
(immutable) and runs (sessions, jobs: what they read fed what they wrote)."""


class ManifestSource(Protocol):
    """What the item question needs from the ledger: a project's state at a position."""

    def manifest_at(self, project_id: UUID, position: int) -> Any: ...


@dataclass(frozen=True, slots=True)
class Walk:
    """What a walk reached: each node's distance in edges, and the time it was reached by
    (upstream the latest, downstream the earliest; the start: unbounded)."""

    start: str
    downstream: bool
    distance: dict[str, int]
    time: dict[str, float]


def walk(g: nx.MultiDiGraph, start: str, depth: int | None = None, *, downstream: bool = True,
         stop: Callable[[str], bool] | None = None) -> Walk:
    """The nodes reachable from ``start`` along paths in time, up to ``depth`` edges;
    nodes for which ``stop`` holds are reached but not walked through."""
    if start not in g:
        return Walk(start, downstream, {}, {})
    adjacency = g._succ if downstream else g._pred  # plain dicts: the fastest walk
    unbounded = -math.inf if downstream else math.inf
    distance, time = {start: 0}, {start: unbounded}
    frontier = {start: unbounded}
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt: dict[str, float] = {}
        for node, bound in frontier.items():
            free = node.startswith(UNTIMED)
            for other, keyed in adjacency[node].items():
                t = _passable(keyed, bound, free, downstream)
                if t is None:
                    continue
                known = time.get(other)
                if known is not None and (t >= known if downstream else t <= known):
                    continue  # reached before by a time as good: nothing new beyond it
                time[other] = t
                distance.setdefault(other, level)
                if stop is None or not stop(other):
                    nxt[other] = t
        frontier = nxt
    return Walk(start, downstream, distance, time)


def _passable(keyed: dict[str, dict[str, Any]], bound: float, free: bool,
              downstream: bool) -> float | None:
    """The best time among parallel edges the walk may take from a node reached by
    ``bound``; None if none. An edge without a time keeps the walk's."""
    best: float | None = None
    for attrs in keyed.values():
        t = attrs.get("at", bound)
        if downstream:
            if (free or t >= bound) and (best is None or t < best):
                best = t
        elif (free or t <= bound) and (best is None or t > best):
            best = t
    return best


def reach(g: nx.MultiDiGraph, start: str, depth: int | None = None, *,
          downstream: bool = True) -> dict[str, int]:
    """Nodes reachable from ``start`` in time (itself included) with their distance."""
    return walk(g, start, depth, downstream=downstream).distance


def upstream(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> nx.MultiDiGraph:
    """What ``node`` came from, up to ``depth`` edges back, as a subgraph (each node with
    its ``distance``)."""
    return lineage(g, walk(g, node, depth, downstream=False))


def downstream(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> nx.MultiDiGraph:
    """What came from ``node``, up to ``depth`` edges on, as a subgraph."""
    return lineage(g, walk(g, node, depth, downstream=True))


def around(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> nx.MultiDiGraph:
    """Upstream and downstream together; a node's distance is the nearer one."""
    up, down = upstream(g, node, depth), downstream(g, node, depth)
    both = nx.compose(up, down)
    for n, attrs in both.nodes(data=True):
        attrs["distance"] = min(x.nodes[n]["distance"] for x in (up, down) if n in x)
    return both


def lineage(g: nx.MultiDiGraph, w: Walk) -> nx.MultiDiGraph:
    """The walk's nodes (with their distance) and the edges among them that agree with
    the times the walk reached them by: no edge from after (upstream) or before
    (downstream) what it shows."""
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, {**g._node[n], "distance": d}) for n, d in w.distance.items())
    for n, attrs in out.nodes(data=True):
        if kind_of(n) == "version":  # its card names its project, which may lie outside
            attrs["label"] = label(g, n)
    time = w.time

    def in_time(u: str, v: str, at: float) -> bool:
        if w.downstream:
            return u.startswith(UNTIMED) or at >= time[u]
        return v.startswith(UNTIMED) or at <= time[v]

    out.add_edges_from((u, v, k, d) for u in time for v, keyed in g._succ[u].items()
                       if v in time for k, d in keyed.items()
                       if in_time(u, v, d.get("at", time[u if w.downstream else v])))
    return out


def induced(g: nx.MultiDiGraph, nodes: Iterable[str]) -> nx.MultiDiGraph:
    """The nodes and the edges among them, copied (networkx's subgraph views filter every
    edge on each access: ten times slower for this)."""
    keep = set(nodes)
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, g._node[n]) for n in keep)
    out.add_edges_from((u, v, k, d) for u in keep for v, keyed in g._succ[u].items()
                       if v in keep for k, d in keyed.items())
    return out


def when(g: nx.MultiDiGraph, node: str) -> float:
    """A node's time, for ordering: a session's start, a version's or a project's
    creation, else the first edge that touches it (epoch seconds)."""
    attrs = g._node[node]
    for key in ("started_at", "created_at"):
        value = attrs.get(key)
        if value:
            try:
                return parse_time(value) or 0.0
            except ValidationError:
                pass
    return min((d.get("at", math.inf) for nbrs in (g._pred[node], g._succ[node])
                for keyed in nbrs.values() for d in keyed.values()), default=math.inf)


def nearest_first(g: nx.MultiDiGraph, nodes: Iterable[str],
                  distance: dict[str, int] | None = None) -> list[str]:
    """``nodes`` by distance (given, or each node's ``distance``), then time, then id."""
    def key(n: str) -> tuple[int, float, str]:
        d = distance[n] if distance is not None else g._node[n].get("distance", 0)
        return d, when(g, n), n

    return sorted(nodes, key=key)


def trained_on_item(g: nx.MultiDiGraph, states: ManifestSource, project_id: UUID,
                    item_id: UUID) -> list[dict[str, Any]]:
    """Model weights trained on a version of the project that contained the item.

    A model was trained on the versions its training reached without passing through a
    project (a project is mutable: a version read before an augmentation is history,
    not training data): walking up from the model, versions end the walk, projects
    block it. Each such version of the project is checked once (its manifest at its
    position: nearest snapshot plus the log's tail) for the item's id.
    """
    holds: dict[str, bool] = {}
    wanted = str(project_id)
    found = []
    models = (n for n in g.nodes if kind_of(n) == "model_weight")
    for model in sorted(models, key=lambda n: (when(g, n), n)):
        versions = [v for v in trained_versions(g, model) if g.nodes[v].get("project") == wanted
                    and g.nodes[v].get("position") is not None]
        for v in versions:
            if v not in holds:
                manifest = states.manifest_at(project_id, int(g.nodes[v]["position"]))
                holds[v] = item_id in manifest.versions
        containing = [v for v in versions if holds[v]]
        if containing:
            found.append({"model": node_json(g, model), "versions": containing,
                          "sessions": _trainers(g, model)})
    return found


def trained_versions(g: nx.MultiDiGraph, model: str) -> list[str]:
    """The versions a model's training read, directly or through derived data (walked
    in time; versions end the walk, projects block it), nearest first."""
    w = walk(g, model, downstream=False, stop=lambda n: n.startswith(("version:", "project:")))
    return nearest_first(g, (n for n in w.distance if kind_of(n) == "version"), w.distance)


def provenance(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> dict[str, Any]:
    """The versions and sessions a node (a model) came from, nearest first: together
    (``came_from``) and apart (``versions``, ``sessions``)."""
    above = walk(g, node, depth, downstream=False).distance
    pick = [node_json(g, n) | {"distance": above[n]}
            for n in nearest_first(g, (n for n in above if n != node), above)
            if kind_of(n) in ("version", "session")]
    return {
        "node": node_json(g, node) if node in g else None,
        "trained_on": trained_versions(g, node) if node in g else [],
        "came_from": pick,
        "versions": [n for n in pick if n["kind"] == "version"],
        "sessions": [n for n in pick if n["kind"] == "session"],
    }


def node_json(g: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    return {"id": node, "label": label(g, node), **g.nodes[node]}


def graph_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes nearest first (by their ``distance`` in an upstream or downstream answer),
    and edges in the order they happened, each with its time (``at``, ISO 8601)."""
    edges = sorted(g.edges(keys=True, data=True),
                   key=lambda e: (e[3].get("at", 0.0), e[0], e[1], e[2]))
    return {
        "nodes": [node_json(g, n) for n in nearest_first(g, g.nodes)],
        "edges": [{"source": u, "target": v, "key": k, "at": iso(d["at"]) if "at" in d
                   else None} for u, v, k, d in edges],
    }


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def label(g: nx.MultiDiGraph, node: str) -> str:
    """A card's title: app name, project name, ``<project> v<n>``, or the node's title."""
    a = g.nodes[node]
    kind = kind_of(node)
    if kind == "session":
        return str(a.get("app") or node)
    if kind == "project":
        return str(a.get("name") or a.get("ref") or node)
    if kind == "version":
        if a.get("label"):
            return str(a["label"])
        project = f"project:{a.get('project', '')}"
        owner = g.nodes[project].get("name") if project in g else None
        return f"{owner or 'project'} v{a.get('number', '?')}"
    ref = str(a.get("ref") or node.partition(":")[2])
    return str(a.get("title") or ref.rstrip("/").rsplit("/", 1)[-1] or ref)


def _trainers(g: nx.MultiDiGraph, model: str) -> list[str]:
    trainers = (s for s in g._pred[model]
                if kind_of(s) == "session" and g.nodes[s].get("session_kind") == "training")
    return sorted(trainers, key=lambda s: (when(g, s), s))
