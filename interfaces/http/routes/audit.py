"""/api/v1/audit (who changed what, when, through which session: paged, newest first) and
/api/v1/projects/{project}/items/{item}/history and /blame. Readable with the ``read``
permission (the auditor role); a project-scoped token sees only its project's rows, and
any other project it names is answered as a missing one."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from application import AuditFilter
from domain.times import parse_time
from interfaces import csv_cells
from interfaces.http.audit_schemas import (
    AuditRowPublic,
    AuditRowsPublic,
    BlamePublic,
    HistoryEntryPublic,
)
from interfaces.http.deps import Limit, Offset, Reader, ReadProject, resolve_project

router = APIRouter(tags=["audit"])
Text = Annotated[str | None, Query(max_length=255)]
CSV_PAGE = 1000
MAX_CSV_ROWS = 1_000_000
"""A CSV download stops after this many rows; narrow the filters for more."""


def audit_filter(
    access: Reader, actor: Text = None,
    project: Annotated[str | None, Query(max_length=255, description="Id or name")] = None,
    item: Annotated[str | None, Query(
        max_length=1024, description="Item id, or dataset/name: every event of each item "
                                     "that had this path when one of its events happened"),
    ] = None,
    object: Annotated[int | None, Query(
        ge=0, lt=2**63, description="Every event that touched this object")] = None,
    type: Annotated[str | None, Query(
        max_length=100, description="ObjectClassChanged or Item.ObjectClassChanged")] = None,
    session: UUID | None = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO 8601")] = None,
    until: Annotated[str | None, Query(max_length=40, description="ISO 8601")] = None,
    include_sessions: Annotated[bool, Query(
        description="Session bookkeeping too (app sessions, upload grants, tokens); left "
                    "out by default unless session or a bookkeeping type is given")] = False,
) -> AuditFilter:
    """The filters of an audit query; a project-scoped token is held to its project."""
    ledger, scope = access.ledger, access.principal.project_id
    pid = resolve_project(ledger, project, access.principal) if project else None
    item_id, item_path = AuditFilter.item_ref(item)
    return AuditFilter(actor, pid or scope, item_id, object, type, session,
                       parse_time(since, "since"), parse_time(until, "until"), item_path,
                       include_sessions)


Where = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/audit")
def audit(access: Reader, where: Where, offset: Offset = 0, limit: Limit = 100
          ) -> AuditRowsPublic:
    """Events matching every filter given, newest first. Each row names the project, the
    item by ``dataset/name`` and the object by id and class as they were when it happened,
    and says what changed."""
    page = access.ledger.audit.query(where, limit=limit, offset=offset)
    return AuditRowsPublic(data=[AuditRowPublic(**r.as_json()) for r in page.rows],
                           limit=page.limit, offset=page.offset, next_offset=page.next_offset)


@router.get("/audit.csv", response_class=StreamingResponse, responses={200: {
    "content": {"text/csv": {}}, "description": "Every matching row, newest first"}})
def audit_csv(access: Reader, where: Where) -> StreamingResponse:
    """The same rows as ``/audit`` as one CSV file (at most ``MAX_CSV_ROWS``), for a
    spreadsheet: formula-like text is defused (:mod:`interfaces.csv_cells`)."""
    ledger = access.ledger

    def rows() -> Iterator[list[object]]:
        offset: int | None = 0
        while offset is not None and offset < MAX_CSV_ROWS:
            page = ledger.audit.query(where, limit=CSV_PAGE, offset=offset)
            for r in page.rows:
                data = r.as_json()
                yield [data[c] for c in csv_cells.AUDIT_COLUMNS]
            offset = page.next_offset

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        csv_cells.write_csv(buffer, csv_cells.AUDIT_COLUMNS, [])
        for n, row in enumerate(rows(), 1):
            csv_cells.write_rows(buffer, [row])
            if n % CSV_PAGE == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(chunks(), media_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"'})


@router.get("/projects/{project}/items/{item}/history", response_model_by_alias=True)
def history(access: ReadProject, item: UUID,
            object: Annotated[int | None, Query(ge=0, lt=2**63)] = None,
            ) -> list[HistoryEntryPublic]:
    """Every change to the item (or one of its objects), oldest first, with the class,
    geometry and tags before and after."""
    entries = access.ledger.history.item(access.pid, item, object)
    return [HistoryEntryPublic(**_renamed(e.as_json())) for e in entries]


@router.get("/projects/{project}/items/{item}/blame")
def blame(access: ReadProject, item: UUID) -> list[BlamePublic]:
    """For each current object: its labeler, who added it, who changed it last and when."""
    lines = access.ledger.history.blame(access.pid, item)
    return [BlamePublic(**_renamed(b.as_json())) for b in lines]


def _renamed(data: Any) -> Any:
    """``class`` (a Python keyword) travels as ``class_title`` inside the models."""
    if isinstance(data, dict):
        return {("class_title" if k == "class" else k): _renamed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_renamed(v) for v in data]
    return data
