"""``annoledger workflow ...``: the MLOps workflow graph, queried, drawn, exported.

NODE is a node id (``project:<id>``, ``version:<id>@<n>``, ``session:<id>``,
``model_weight:<ref>``...), a project name, ``<project>@<n>`` or a session id.
``--as-of`` (ISO 8601 or epoch seconds) asks the graph as it stood then; every question
takes it. Answers are nearest first (distance in edges, then time, then id), and hold
only what happened in time: nothing after the node asked about upstream, nothing before
it downstream (:mod:`projections.workflow_queries`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from interfaces.cli.runtime import out_console, print_json, runtime
from projections.workflow_formats import FORMATS

if TYPE_CHECKING:
    import networkx as nx

    from application import WorkflowPort

app = typer.Typer(no_args_is_help=True, help="The MLOps workflow graph.")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
Depth = Annotated[int | None, typer.Option("--depth", min=0, help="At most this many edges")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="ISO 8601 time or epoch seconds")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not to stdout")]


def _workflow(ctx: typer.Context) -> WorkflowPort:
    return runtime(ctx).ledger.workflow


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        out_console.print(f"wrote {out}", markup=False, highlight=False)


def _table(g: nx.MultiDiGraph) -> None:
    """An upstream or downstream answer, nearest first."""
    from rich.table import Table

    from projections.workflow_queries import label, nearest_first

    table = Table("distance", "kind", "label", "node")
    for node in nearest_first(g, g.nodes):
        a = g.nodes[node]
        kind = a.get("kind", "")
        if kind == "session":
            kind = f"session ({a.get('session_kind', '')}, {a.get('status', '')})"
        table.add_row(str(a.get("distance", "")), kind, label(g, node), node)
    out_console.print(table)


@app.command("upstream")
def upstream(ctx: typer.Context, node: str, depth: Depth = None, as_of: AsOf = None,
             json: Json = False) -> None:
    """What NODE came from."""
    from projections.workflow_queries import graph_json

    g = _workflow(ctx).upstream(node, depth, as_of)
    if json:
        print_json(graph_json(g))
    else:
        _table(g)


@app.command("downstream")
def downstream(ctx: typer.Context, node: str, depth: Depth = None, as_of: AsOf = None,
               json: Json = False) -> None:
    """What came from NODE."""
    from projections.workflow_queries import graph_json

    g = _workflow(ctx).downstream(node, depth, as_of)
    if json:
        print_json(graph_json(g))
    else:
        _table(g)


@app.command("trained-on")
def trained_on(ctx: typer.Context, project: str, item: str, as_of: AsOf = None,
               json: Json = False) -> None:
    """Model weights trained on a version of PROJECT that contained ITEM (id or ds/name)."""
    found = _workflow(ctx).trained_on(project, item, as_of)
    if json:
        print_json(found)
        return
    if not found:
        out_console.print("no model weights were trained on a version holding that item")
    for entry in found:
        model: dict[str, Any] = entry["model"]
        out_console.print(f"{model['label']} ({model['id']})\n  versions: "
                          f"{', '.join(entry['versions'])}\n  training sessions: "
                          f"{', '.join(entry['sessions']) or '-'}", markup=False,
                          highlight=False)


@app.command("provenance")
def provenance(ctx: typer.Context, node: str, depth: Depth = None, as_of: AsOf = None,
               json: Json = False) -> None:
    """The versions and sessions that produced NODE (a model), nearest first."""
    found = _workflow(ctx).provenance(node, depth, as_of)
    if json:
        print_json(found)
        return
    from rich.table import Table

    table = Table("distance", "what", "label", "node")
    for n in found["came_from"]:
        table.add_row(str(n["distance"]), n["kind"], n["label"], n["id"])
    out_console.print(table)


@app.command("svg")
def svg(
    ctx: typer.Context, node: Annotated[str | None, typer.Argument()] = None,
    direction: Annotated[str, typer.Option("--direction",
                                           help="upstream, downstream or both")] = "both",
    depth: Depth = None, as_of: AsOf = None, out: Out = None,
) -> None:
    """Draw the graph (or the part around NODE) left to right, as SVG."""
    from projections.workflow_render import render_svg

    g = _workflow(ctx).around(node, direction, depth, as_of)
    _emit(render_svg(g, title=node or "workflow"), out)


@app.command("export")
def export_graph(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "json",
    openlineage: Annotated[bool, typer.Option(
        "--openlineage", help="Sessions as OpenLineage RunEvents (NDJSON)")] = False,
    as_of: AsOf = None, out: Out = None,
) -> None:
    """The whole graph as node-link JSON, GraphML, Mermaid or DOT (or OpenLineage)."""
    from projections.workflow_export import export
    from projections.workflow_lineage import to_ndjson

    g = _workflow(ctx).graph(as_of)
    _emit(to_ndjson(g) if openlineage else export(g, format), out)


@app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """Drop the graph's tables' rows and replay the whole log into them."""
    events = _workflow(ctx).rebuild()
    out_console.print(f"workflow graph rebuilt from {events} events")
