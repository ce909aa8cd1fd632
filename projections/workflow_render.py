"""An SVG of a workflow graph, laid out left to right in layers, drawn as plain text.

Layout, as Supervisely's workflow map reads: data flows left to right. Each node's
layer is the length of the longest path that reaches it (longest-path layering), after
breaking cycles (an import into an existing project reads and writes the same node)
by ignoring the edges a depth-first search finds pointing back. Within a layer, nodes
are ordered by the mean position of their neighbours in the previous layer (one
barycentre sweep each way), which removes most crossings on lineage graphs.

Sessions are cards (app, kind and status, coloured by status); data nodes are pills
coloured by kind; edges are curves labelled ``input``, ``output``, ``version``,
``restored``. No drawing library: the server builds the string, escaped.
"""

from __future__ import annotations

import networkx as nx

from projections.markup import xml_text as escape
from projections.workflow_ids import kind_of
from projections.workflow_queries import label

CARD_W, CARD_H, PILL_H, GAP_X, GAP_Y, MARGIN = 220, 64, 40, 90, 26, 90
STATUS_COLORS = {"running": "#2f6fde", "succeeded": "#1f9d55", "failed": "#d64545",
                 "cancelled": "#8a8f98"}
KIND_COLORS = {"project": "#6c4cd1", "version": "#9b6ce6", "dataset": "#0e8a9c",
               "file": "#b7791f", "folder": "#b7791f", "model_weight": "#c2410c",
               "report": "#4d7c0f", "task": "#64748b", "job": "#64748b"}


def layers(g: nx.MultiDiGraph) -> dict[str, int]:
    """Longest-path layer of every node, cycles broken by dropping DFS back edges."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in sorted(g.nodes):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(g._succ[root])))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(g._succ[child]))))
    dag = nx.DiGraph()
    dag.add_nodes_from(g.nodes)
    dag.add_edges_from((u, v) for u, v in g.edges() if (u, v) not in back and u != v)
    layer: dict[str, int] = {}
    for node in nx.lexicographical_topological_sort(dag):
        layer[node] = max((layer[p] + 1 for p in dag.pred[node]), default=0)
    return layer


def order(g: nx.MultiDiGraph, layer: dict[str, int]) -> list[list[str]]:
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in sorted(layer, key=lambda n: (kind_of(n) != "session", label(g, n), n)):
        columns[layer[node]].append(node)
    for sweep in (range(1, len(columns)), range(len(columns) - 2, -1, -1)):
        for i in sweep:
            near = columns[i - 1] if sweep.step == 1 else columns[i + 1]
            rank = {n: k for k, n in enumerate(near)}

            def centre(n: str, rank: dict[str, int] = rank) -> float:
                linked = [rank[m] for m in (*g._pred[n], *g._succ[n]) if m in rank]
                return sum(linked) / len(linked) if linked else float("inf")

            columns[i].sort(key=centre)
    return columns


def render_svg(g: nx.MultiDiGraph, title: str = "workflow") -> str:
    columns = order(g, layers(g))
    pos: dict[str, tuple[float, float, float]] = {}  # x, centre y, height
    tallest = max((sum(_height(n) + GAP_Y for n in col) for col in columns), default=0)
    for i, col in enumerate(columns):
        y = MARGIN + (tallest - sum(_height(n) + GAP_Y for n in col)) / 2
        for node in col:
            h = _height(node)
            pos[node] = (MARGIN + i * (CARD_W + GAP_X), y + h / 2, h)
            y += h + GAP_Y
    width = MARGIN * 2 + max(len(columns), 1) * (CARD_W + GAP_X) - GAP_X
    height = MARGIN * 2 + max(tallest - GAP_Y, PILL_H)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#7b8494"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#f7f8fa"/>',
    ]
    for u, v, key in sorted(g.edges(keys=True)):
        out.append(_edge(pos[u], pos[v], key))
    for node in sorted(g.nodes):
        out.append(_node(g, node, pos[node]))
    out.append("</svg>")
    return "\n".join(out)


def _height(node: str) -> float:
    return CARD_H if kind_of(node) == "session" else PILL_H


def _edge(a: tuple[float, float, float], b: tuple[float, float, float], key: str) -> str:
    """A curve from the right of ``a`` to the left of ``b``; long and backward edges arc
    above or below the cards they would cross."""
    x1, y1, x2, y2 = a[0] + CARD_W, a[1], b[0], b[1]
    span = x2 - x1
    lift = 0.0 if 0 < span <= GAP_X * 1.5 else (-70.0 if span > 0 else 70.0 + a[2])
    bend = max(40.0, abs(span) / 2) if span > 0 else 80.0
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2 + 0.75 * lift
    return (f'<g class="edge {escape(key)}"><path d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},'
            f'{y1 + lift:.1f} {x2 - bend:.1f},{y2 + lift:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="#7b8494" stroke-width="1.4" marker-end="url(#arrow)"/>'
            f'<text x="{mx:.1f}" y="{my - 4:.1f}" font-size="10" fill="#56606f" '
            f'text-anchor="middle" stroke="#f7f8fa" stroke-width="3" paint-order="stroke">'
            f"{escape(key)}</text></g>")


def _node(g: nx.MultiDiGraph, node: str, p: tuple[float, float, float]) -> str:
    x, cy, h = p
    y = cy - h / 2
    a = g.nodes[node]
    kind = kind_of(node)
    text = escape(_clip(label(g, node), 26))
    tip = f"<title>{escape(node)}</title>"
    if kind == "session":
        status = str(a.get("status", "running"))
        color = STATUS_COLORS.get(status, "#2f6fde")
        sub = escape(f"{a.get('session_kind', 'session')} · {status}")
        return (f'<g class="node session {escape(status)}">{tip}'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{CARD_W}" height="{h:.0f}" rx="8" '
                f'fill="#ffffff" stroke="{color}" stroke-width="1.6"/>'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="6" height="{h:.0f}" rx="3" '
                f'fill="{color}"/>'
                f'<text x="{x + 16:.1f}" y="{y + 26:.1f}" font-size="13" font-weight="bold" '
                f'fill="#1f2430">{text}</text>'
                f'<text x="{x + 16:.1f}" y="{y + 46:.1f}" font-size="11" fill="{color}">'
                f"{sub}</text></g>")
    color = KIND_COLORS.get(kind, "#64748b")
    return (f'<g class="node data {escape(kind)}">{tip}'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{CARD_W}" height="{h:.0f}" '
            f'rx="{h / 2:.0f}" fill="{color}" fill-opacity="0.12" stroke="{color}"/>'
            f'<text x="{x + 16:.1f}" y="{cy + 4:.1f}" font-size="10" fill="{color}" '
            f'font-weight="bold">{escape(kind.replace("_", " ").upper()[:12])}</text>'
            f'<text x="{x + CARD_W - 14:.1f}" y="{cy + 4:.1f}" font-size="12" fill="#1f2430" '
            f'text-anchor="end">{escape(_clip(label(g, node), 18))}</text></g>')


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
