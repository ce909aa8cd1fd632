"""A workflow graph in exchange formats: node-link JSON, GraphML, Mermaid, DOT.

JSON and GraphML come from networkx; GraphML holds scalars only, so nested attributes
(a session's parameters) travel as JSON strings. Mermaid and DOT are written here:
nodes get short stable names (``n0``, ``n1``... in node id order) with their full id
kept in a tooltip or comment, since ids hold characters neither format accepts. Every
piece of user text is escaped for its format (:mod:`projections.markup`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import networkx as nx

from projections.markup import dot_text, mermaid_name, mermaid_text, xml_chars
from projections.workflow_formats import FORMATS
from projections.workflow_ids import kind_of
from projections.workflow_queries import label


def export(g: nx.MultiDiGraph, fmt: str) -> str:
    writers: dict[str, Callable[[nx.MultiDiGraph], str]] = {
        "json": to_json, "graphml": to_graphml, "mermaid": to_mermaid, "dot": to_dot}
    try:
        return writers[fmt](g)
    except KeyError:
        from domain.errors import ValidationError

        raise ValidationError("format", f"unknown format '{fmt}' (one of "
                                        f"{', '.join(FORMATS)})") from None


def to_json(g: nx.MultiDiGraph) -> str:
    data = nx.node_link_data(_sorted(g), edges="edges")
    for node in data["nodes"]:
        node["label"] = label(g, node["id"])
    return json.dumps(data, indent=2, sort_keys=True)


def to_graphml(g: nx.MultiDiGraph) -> str:
    flat = nx.MultiDiGraph()
    for node, attrs in sorted(g.nodes(data=True)):
        flat.add_node(xml_chars(node), label=xml_chars(label(g, node)),
                      **{k: _scalar(v) for k, v in attrs.items()})
    for u, v, k, attrs in sorted(g.edges(keys=True, data=True)):
        flat.add_edge(xml_chars(u), xml_chars(v), key=k,
                      **{a: _scalar(x) for a, x in attrs.items()})
    return "\n".join(nx.generate_graphml(flat)) + "\n"


def to_mermaid(g: nx.MultiDiGraph) -> str:
    names = _names(g)
    lines = ["flowchart LR"]
    for node in sorted(g.nodes):
        text = mermaid_text(label(g, node))
        a = g.nodes[node]
        if kind_of(node) == "session":
            sub = mermaid_text(f"{a.get('session_kind', '')} · {a.get('status', '')}")
            lines.append(f'    {names[node]}["{text}<br/>{sub}"]')
        elif kind_of(node) in ("project", "version", "dataset"):
            lines.append(f'    {names[node]}[("{text}")]')
        else:
            lines.append(f'    {names[node]}(["{text}"])')
    for u, v, k in sorted(g.edges(keys=True)):
        lines.append(f"    {names[u]} -->|{mermaid_text(k)}| {names[v]}")
    for node in sorted(g.nodes):
        lines.append(f"    class {names[node]} {mermaid_name(kind_of(node))}")
    return "\n".join(lines) + "\n"


def to_dot(g: nx.MultiDiGraph) -> str:
    names = _names(g)
    lines = ["digraph workflow {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in sorted(g.nodes):
        a = g.nodes[node]
        text = dot_text(label(g, node))
        if kind_of(node) == "session":
            text += "\\n" + dot_text(f"{a.get('session_kind', '')} · {a.get('status', '')}")
            shape = "box, style=rounded"
        else:
            shape = "cylinder" if kind_of(node) in ("project", "version", "dataset") else "note"
        lines.append(f'  {names[node]} [label="{text}", shape={shape}, '
                     f'tooltip="{dot_text(node)}"];')
    for u, v, k in sorted(g.edges(keys=True)):
        lines.append(f'  {names[u]} -> {names[v]} [label="{dot_text(k)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _sorted(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    out = nx.MultiDiGraph()
    out.add_nodes_from(sorted(g.nodes(data=True)))
    out.add_edges_from(sorted(g.edges(keys=True, data=True)))
    return out


def _names(g: nx.MultiDiGraph) -> dict[str, str]:
    return {node: f"n{i}" for i, node in enumerate(sorted(g.nodes))}


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return xml_chars(value)
    if isinstance(value, int | float | bool):
        return value
    return xml_chars(json.dumps(value, sort_keys=True))
