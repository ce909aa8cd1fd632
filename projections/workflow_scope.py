"""The part of a workflow graph a caller may read: one filter, applied before every view.

Given a predicate on project ids, :func:`readable_subgraph` keeps

* the readable projects and their versions;
* the sessions that read or wrote one of those (a session touching only other
  projects disappears, with its edges);
* the data nodes (datasets, files, models, jobs...) those sessions read or wrote;

and the edges among what is kept. Nothing else survives: not another project's node,
version or name, not a model only its sessions produced, not an edge leading there.
A kept project restored from another project's version loses that reference too.

Queries (upstream, provenance, trained-on...), drawings and exports then run on this
graph, so none of them can reach what was left out.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from projections.workflow_ids import kind_of, ref_of
from projections.workflow_queries import induced

Readable = Callable[[str], bool]
"""Whether the caller may read the project with this id (as the graph spells it)."""


def project_of(g: nx.MultiDiGraph, node: str) -> str | None:
    """The project a project or version node belongs to; None for other nodes."""
    kind = kind_of(node)
    if kind == "project":
        return ref_of(node)
    if kind == "version":
        return str(g.nodes[node].get("project") or ref_of(node).rpartition("@")[0])
    return None


def readable_subgraph(g: nx.MultiDiGraph, readable: Readable) -> nx.MultiDiGraph:
    """The induced sub-graph of what a caller who may read these projects may see."""
    owned = {n: project_of(g, n) for n in g.nodes if kind_of(n) in ("project", "version")}
    keep = {n for n, p in owned.items() if p is not None and readable(p)}
    sessions = {s for n in keep for s in (*g._pred[n], *g._succ[n]) if kind_of(s) == "session"}
    keep |= sessions
    keep |= {d for s in sessions for d in (*g._pred[s], *g._succ[s])
             if d not in owned and kind_of(d) != "session"}
    out = induced(g, keep)
    for node in keep:
        source = out.nodes[node].get("restored_from")
        if kind_of(node) == "project" and source and not readable(
                str(source).rpartition("@")[0]):
            del out.nodes[node]["restored_from"]
    return out
