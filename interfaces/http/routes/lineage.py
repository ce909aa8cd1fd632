"""/api/v1/lineage: OpenLineage in (POST, as producers send it) and Marquez's lineage out.

POST takes a RunEvent, DatasetEvent or JobEvent (or a JSON array of them), plain or
``Content-Encoding: gzip``, with a bearer token allowed to write. Every event of an array
is checked before any is applied (422 naming ``[i].field``). Retries of an event already
received answer 201 again and change nothing (``applied: false``), since the official
client retries 5xx answers up to five times. A run's times are its events' ``eventTime``.

GET ``?nodeId=dataset:<namespace>:<name>|job:<namespace>:<name>&depth=N`` answers as
Marquez does (``{"graph": [{id, type, data, inEdges, outEdges}]}``), and also as of a
past time (``asOf``), which Marquez cannot; a token limited to one project reads only
its part of the graph. Runs follow the session rules: continued by the token that
started them, a manager of their projects or an admin; a training run that reads a
project creates a version of it, so it needs the manage right there.
"""

from __future__ import annotations

import json
import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from application import ingest_openlineage as ingest
from interfaces.http.deps import Reader, Uploader
from interfaces.http.errors import Problem
from interfaces.http.json_depth import check_depth
from interfaces.http.workflow_schemas import LineageAccepted
from projections.workflow_lineage import marquez_lineage

router = APIRouter(prefix="/lineage", tags=["lineage"])
MAX_INFLATED = 16 << 20


@router.post("", status_code=201)
async def post_lineage(access: Uploader, request: Request) -> list[LineageAccepted]:
    body = await request.body()
    if "gzip" in request.headers.get("content-encoding", "").lower():
        body = _gunzip(body)
    check_depth(request, body)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not JSON: {exc}", slug="bad-json") from None

    def run() -> list[LineageAccepted]:
        principal = access.principal
        done = ingest(access.ledger.sessions, data, principal.actor, principal)
        return [LineageAccepted(kind=d.kind, id=d.id, applied=d.applied) for d in done]

    return await run_in_threadpool(run)


@router.get("")
def get_lineage(
    access: Reader,
    node_id: Annotated[str, Query(alias="nodeId", min_length=5, max_length=4200)],
    depth: Annotated[int, Query(ge=0, le=100)] = 20,
    as_of: Annotated[str | None, Query(alias="asOf", max_length=64)] = None,
) -> dict[str, Any]:
    g = access.ledger.workflow.graph(as_of, access.principal.project_id)
    return marquez_lineage(g, node_id, depth)


def _gunzip(data: bytes) -> bytes:
    """Inflate, refusing more than 16 MiB (a small body may inflate to gigabytes)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_INFLATED)
    except zlib.error as exc:
        raise Problem(400, f"the gzip body is corrupt: {exc}", slug="bad-gzip") from None
    if inflater.unconsumed_tail:
        raise Problem(413, f"the body inflates beyond {MAX_INFLATED} bytes", slug="too-large")
    return out
