"""/api/v1/workflow: the MLOps workflow graph, queried, drawn and exported, as of any time.

Nodes are named by id (``project:<uuid>``, ``version:<uuid>@<n>``, ``session:<uuid>``,
``model_weight:<ref>``...) or as users type them (a project name, ``cats@2``, a session
id). ``asOf`` (ISO 8601 or epoch seconds) answers with the graph as it stood then; every
route takes it. Upstream, downstream and provenance hold only what happened in time
(nothing after the node asked about upstream, nothing before it downstream), nodes
nearest first with their ``distance``, edges with the time they happened (``at``).

A token limited to one project gets every answer from the part of the graph it may read
(:mod:`projections.workflow_scope`): other projects, their versions, the sessions that
touch only them and what those produced are not there, not even as "not found".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from interfaces.http.deps import Access, Reader
from projections.workflow_export import export
from projections.workflow_lineage import to_ndjson
from projections.workflow_queries import graph_json
from projections.workflow_render import render_svg

router = APIRouter(prefix="/workflow", tags=["workflow"])
Node = Annotated[str, Query(min_length=1, max_length=2100, description="A node id or name")]
Depth = Annotated[int | None, Query(ge=0, le=1000, description="At most this many edges")]
AsOf = Annotated[str | None, Query(alias="asOf", max_length=64,
                                   description="ISO 8601 time or epoch seconds")]
Format = Literal["json", "graphml", "mermaid", "dot"]
MEDIA = {"json": "application/json", "graphml": "application/graphml+xml",
         "mermaid": "text/plain", "dot": "text/vnd.graphviz"}


@router.get("/upstream")
def upstream(access: Reader, node: Node, depth: Depth = None, as_of: AsOf = None) -> Any:
    """What the node came from: a sub-graph of nodes and edges."""
    return graph_json(access.ledger.workflow.upstream(node, depth, as_of, _only(access)))


@router.get("/downstream")
def downstream(access: Reader, node: Node, depth: Depth = None, as_of: AsOf = None) -> Any:
    """What came from the node."""
    return graph_json(access.ledger.workflow.downstream(node, depth, as_of, _only(access)))


@router.get("/trained-on")
def trained_on(
    access: Reader, project: Annotated[str, Query(max_length=255)],
    item: Annotated[str, Query(max_length=2000, description="Item id or dataset/name")],
    as_of: AsOf = None,
) -> Any:
    """Model weights trained on a version of the project that contained the item."""
    return {"data": access.ledger.workflow.trained_on(project, item, as_of, _only(access))}


@router.get("/provenance")
def provenance(access: Reader, node: Node, depth: Depth = None, as_of: AsOf = None) -> Any:
    """The versions and sessions that produced a node (a model), nearest first."""
    return access.ledger.workflow.provenance(node, depth, as_of, _only(access))


@router.get("/svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def svg(
    access: Reader, node: Annotated[str | None, Query(max_length=2100)] = None,
    direction: Literal["upstream", "downstream", "both"] = "both", depth: Depth = None,
    as_of: AsOf = None,
) -> Response:
    """The whole graph, or the part around a node, laid out left to right."""
    g = access.ledger.workflow.around(node, direction, depth, as_of,
                                           _only(access))
    return Response(render_svg(g, title=node or "workflow"), media_type="image/svg+xml")


@router.get("/export", response_class=PlainTextResponse, responses={200: {"content": {
    kind: {"schema": {"type": "string"}} for kind in sorted(set(MEDIA.values()))}}})
def export_graph(access: Reader, format: Format = "json", as_of: AsOf = None) -> Response:
    """Node-link JSON, GraphML, Mermaid or DOT."""
    g = access.ledger.workflow.graph(as_of, _only(access))
    return Response(export(g, format), media_type=MEDIA[format])


@router.get("/openlineage", response_class=PlainTextResponse, responses={200: {"content": {
    "application/x-ndjson": {"schema": {"type": "string"}}}}})
def openlineage(access: Reader, as_of: AsOf = None) -> Response:
    """Every session as OpenLineage RunEvents, one JSON object a line."""
    g = access.ledger.workflow.graph(as_of, _only(access))
    return Response(to_ndjson(g), media_type="application/x-ndjson")


def _only(access: Access) -> UUID | None:
    """The one project a limited token may read (None: every project)."""
    return access.principal.project_id
