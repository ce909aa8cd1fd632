"""Questions asked of a workflow graph: upstream, downstream, training data, provenance.

Every function takes the graph to ask (the current one or one as of a past time, see
:meth:`projections.workflow_graph.WorkflowView.graph`), so every answer can be had
"as of". Traversals are breadth-first over networkx's adjacency dicts with a depth
limit, so their cost follows the part of the graph they reach, never its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol
from uuid import UUID

import networkx as nx

from projections.workflow_ids import kind_of


class ManifestSource(Protocol):
    """What the item question needs from the ledger: a project's state at a position."""

    def manifest_at(self, project_id: UUID, position: int) -> Any: ...


def reach(g: nx.MultiDiGraph, start: str, depth: int | None = None, *,
          downstream: bool = True) -> dict[str, int]:
    """Nodes reachable from ``start`` (itself included) with their distance in edges."""
    if start not in g:
        return {}
    adjacency = g._succ if downstream else g._pred  # plain dicts: the fastest walk
    seen = {start: 0}
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt = []
        for node in frontier:
            for other in adjacency[node]:
                if other not in seen:
                    seen[other] = level
                    nxt.append(other)
        frontier = nxt
    return seen


def upstream(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> nx.MultiDiGraph:
    """What ``node`` came from, up to ``depth`` edges back, as a subgraph."""
    return induced(g, reach(g, node, depth, downstream=False))


def downstream(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> nx.MultiDiGraph:
    """What came from ``node``, up to ``depth`` edges on, as a subgraph."""
    return induced(g, reach(g, node, depth, downstream=True))


def induced(g: nx.MultiDiGraph, nodes: Iterable[str]) -> nx.MultiDiGraph:
    """The nodes and the edges among them, copied (networkx's subgraph views filter every
    edge on each access: ten times slower for this)."""
    keep = set(nodes)
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, g._node[n]) for n in keep)
    out.add_edges_from((u, v, k, d) for u in keep for v, keyed in g._succ[u].items()
                       if v in keep for k, d in keyed.items())
    return out


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
    for model in sorted(n for n in g.nodes if kind_of(n) == "model_weight"):
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
    """The versions a model's training read, directly or through derived data."""
    seen, frontier, versions = {model}, [model], []
    while frontier:
        nxt = []
        for node in frontier:
            for up in g._pred[node]:
                if up in seen:
                    continue
                seen.add(up)
                kind = kind_of(up)
                if kind == "version":
                    versions.append(up)
                elif kind != "project":
                    nxt.append(up)
        frontier = nxt
    return sorted(versions)


def provenance(g: nx.MultiDiGraph, node: str, depth: int | None = None) -> dict[str, Any]:
    """The versions and sessions a node (a model) came from, nearest first."""
    above = reach(g, node, depth, downstream=False)
    order: Callable[[str], tuple[int, str]] = lambda n: (above[n], n)  # noqa: E731
    pick = sorted((n for n in above if n != node), key=order)
    return {
        "node": node_json(g, node) if node in g else None,
        "trained_on": trained_versions(g, node) if node in g else [],
        "versions": [node_json(g, n) | {"distance": above[n]} for n in pick
                     if kind_of(n) == "version"],
        "sessions": [node_json(g, n) | {"distance": above[n]} for n in pick
                     if kind_of(n) == "session"],
    }


def node_json(g: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    return {"id": node, "label": label(g, node), **g.nodes[node]}


def graph_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes and edges in a plain form (the HTTP and CLI answers)."""
    return {
        "nodes": [node_json(g, n) for n in sorted(g.nodes)],
        "edges": [{"source": u, "target": v, "key": k} for u, v, k in sorted(g.edges(keys=True))],
    }


def label(g: nx.MultiDiGraph, node: str) -> str:
    """A card's title: app name, project name, ``<project> v<n>``, or the node's title."""
    a = g.nodes[node]
    kind = kind_of(node)
    if kind == "session":
        return str(a.get("app") or node)
    if kind == "project":
        return str(a.get("name") or a.get("ref") or node)
    if kind == "version":
        project = f"project:{a.get('project', '')}"
        owner = g.nodes[project].get("name") if project in g else None
        return f"{owner or 'project'} v{a.get('number', '?')}"
    ref = str(a.get("ref") or node.partition(":")[2])
    return str(a.get("title") or ref.rstrip("/").rsplit("/", 1)[-1] or ref)


def _trainers(g: nx.MultiDiGraph, model: str) -> list[str]:
    return [s for s in g._pred[model]
            if kind_of(s) == "session" and g.nodes[s].get("session_kind") == "training"]
