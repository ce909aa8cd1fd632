"""The workflow graph in OpenLineage's terms: NDJSON run events out, Marquez's lineage shape.

Export: each session becomes a ``START`` event (its inputs) and, once finished, a
``COMPLETE`` / ``FAIL`` / ``ABORT`` event (inputs and outputs), ``runId`` = session id,
job = the OpenLineage job it was ingested from or ``annoledger`` / its app, ``jobType``
= its kind. Datasets are named as :func:`application.sessions.openlineage.dataset_name`
says, so our own export fed back to ``POST /api/v1/lineage`` links to the same nodes.

Marquez's ``GET /api/v1/lineage`` answers with jobs and datasets: sessions of the same
job are one ``job:<namespace>:<name>`` node (as Marquez folds runs into their job), data
nodes are ``dataset:<namespace>:<name>``; the answer holds every node within ``depth``
edges of the asked one, either way, each with its in- and out-edges.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import networkx as nx

from application.sessions.openlineage import NAMESPACE, dataset_name
from domain.errors import NotFoundError
from projections.workflow_ids import TYPE_OF_KIND, kind_of, ref_of

PRODUCER = "urn:annoledger"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
JOB_TYPE_SCHEMA = "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
ENDING = {"succeeded": "COMPLETE", "failed": "FAIL", "cancelled": "ABORT"}


def job_of(g: nx.MultiDiGraph, node: str) -> tuple[str, str]:
    a = g.nodes[node]
    if kind_of(node) == "job":
        namespace, _, name = ref_of(node).partition("#")
        return (namespace, name) if name else (NAMESPACE, namespace)
    job = ((a.get("parameters") or {}).get("openlineage") or {}).get("job") or {}
    if job.get("namespace") and job.get("name"):
        return str(job["namespace"]), str(job["name"])
    return NAMESPACE, str(a.get("app") or ref_of(node))


def marquez_id(g: nx.MultiDiGraph, node: str) -> str:
    if kind_of(node) in ("session", "job"):
        return "job:{}:{}".format(*job_of(g, node))
    return "dataset:{}:{}".format(*_dataset(node))


def marquez_lineage(g: nx.MultiDiGraph, node_id: str, depth: int = 20) -> dict[str, Any]:
    ids = {n: marquez_id(g, n) for n in g.nodes}
    members: dict[str, list[str]] = defaultdict(list)
    for n, m in ids.items():
        members[m].append(n)
    if node_id not in members:
        raise NotFoundError("lineage node", node_id)
    out_edges: dict[str, set[str]] = defaultdict(set)
    in_edges: dict[str, set[str]] = defaultdict(set)
    for u, v in g.edges():
        a, b = ids[u], ids[v]
        if a != b:
            out_edges[a].add(b)
            in_edges[b].add(a)
    seen, frontier = {node_id}, [node_id]
    for _ in range(max(depth, 0)):
        frontier = [m for n in frontier for m in (*out_edges[n], *in_edges[n]) if m not in seen]
        seen.update(frontier)
        if not frontier:
            break
    graph = []
    for m in sorted(seen):
        graph.append({
            "id": m, "type": "JOB" if m.startswith("job:") else "DATASET",
            "data": _data(g, m, members[m]),
            "inEdges": [{"origin": o, "destination": m} for o in sorted(in_edges[m])],
            "outEdges": [{"origin": m, "destination": d} for d in sorted(out_edges[m])],
        })
    return {"graph": graph}


def _data(g: nx.MultiDiGraph, marquez: str, nodes: list[str]) -> dict[str, Any]:
    first = sorted(nodes)[0]
    if marquez.startswith("job:"):
        namespace, name = job_of(g, first)
        sessions = sorted((n for n in nodes if kind_of(n) == "session"),
                          key=lambda n: str(g.nodes[n].get("started_at", "")))
        latest = g.nodes[sessions[-1]] if sessions else {}
        return {"id": {"namespace": namespace, "name": name}, "type": "BATCH",
                "name": name, "namespace": namespace,
                "latestRun": {"id": ref_of(sessions[-1]), "state": ENDING.get(
                    str(latest.get("status")), "RUNNING"),
                    "startedAt": latest.get("started_at"),
                    "endedAt": latest.get("finished_at")} if sessions else None}
    namespace, name = _dataset(first)
    a = g.nodes[first]
    return {"id": {"namespace": namespace, "name": name}, "type": "DB_TABLE", "name": name,
            "namespace": namespace, "description": a.get("description") or None,
            "facets": {"annoledger": {"nodeId": first, "kind": kind_of(first)}}}


def _dataset(node: str) -> tuple[str, str]:
    return dataset_name(TYPE_OF_KIND.get(kind_of(node), kind_of(node)), ref_of(node))


def run_events(g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """OpenLineage RunEvents for every session, in the order the sessions started."""
    sessions = sorted((n for n in g.nodes if kind_of(n) == "session"
                       and g.nodes[n].get("started_at")),
                      key=lambda n: (str(g.nodes[n]["started_at"]), n))
    events = []
    for s in sessions:
        a = g.nodes[s]
        namespace, name = job_of(g, s)
        inputs = [_ds(n) for n in sorted(g._pred[s]) if "input" in g._pred[s][n]]
        outputs = [_ds(n) for n in sorted(g._succ[s]) if "output" in g._succ[s][n]]
        job = {"namespace": namespace, "name": name, "facets": {"jobType": {
            "_producer": PRODUCER, "_schemaURL": JOB_TYPE_SCHEMA, "processingType": "BATCH",
            "integration": "ANNOLEDGER", "jobType": str(a.get("session_kind", "other")).upper()}}}
        run = {"runId": ref_of(s), "facets": {}}
        base = {"producer": PRODUCER, "schemaURL": RUN_SCHEMA, "job": job, "run": run}
        events.append(base | {"eventType": "START", "eventTime": a["started_at"],
                              "inputs": inputs, "outputs": []})
        ending = ENDING.get(str(a.get("status")))
        if ending and a.get("finished_at"):
            events.append(base | {"eventType": ending, "eventTime": a["finished_at"],
                                  "inputs": inputs, "outputs": outputs})
    return events


def to_ndjson(g: nx.MultiDiGraph) -> str:
    return "".join(json.dumps(e, sort_keys=True) + "\n" for e in run_events(g))


def _ds(node: str) -> dict[str, Any]:
    namespace, name = _dataset(node)
    return {"namespace": namespace, "name": name, "facets": {}}
