"""/api/v1/sessions: app sessions; start, inputs, outputs, progress, finish, read.

Sessions are append-only (no update or delete): each call records one event. A
training session (or one started with ``auto_version``) given a project as input reads
a version of it: the answer shows the input as recorded (``project_version``), and needs
the manage right on that project, as creating a version directly does.

A token sees the sessions touching a project it may read (and those it started); a
session's inputs, outputs, progress and finish are posted by the token that started it,
a manager of the projects it touches, or an admin (:mod:`application.access.authorization`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from interfaces.http.deps import Limit, Reader, Uploader
from interfaces.http.workflow_schemas import (
    FinishIn,
    Kind,
    NodeIn,
    ProgressIn,
    SessionCreate,
    SessionPublic,
    SessionsPublic,
)

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", status_code=201)
def start_session(access: Uploader, body: SessionCreate) -> SessionPublic:
    session_id = access.ledger.sessions.start(
        body.app, body.kind, access.ctx, parameters=body.parameters,
        auto_version=body.auto_version, inputs=[n.node() for n in body.inputs],
        by=access.principal)
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))


@router.get("")
def list_sessions(
    access: Reader, limit: Limit = 100, kind: Kind | None = None,
    status: Annotated[str | None, Query(pattern="^(running|succeeded|failed|cancelled)$")] = None,
) -> SessionsPublic:
    """Newest first."""
    views = access.ledger.sessions.list(limit=limit, kind=kind, status=status, by=access.principal)
    return SessionsPublic(data=[SessionPublic.of(v) for v in views], count=len(views))


@router.get("/{session_id}")
def read_session(access: Reader, session_id: UUID) -> SessionPublic:
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))


@router.post("/{session_id}/inputs", status_code=201)
def add_input(access: Uploader, session_id: UUID, body: NodeIn) -> SessionPublic:
    access.ledger.sessions.add_input(session_id, body.node(), access.ctx, by=access.principal)
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))


@router.post("/{session_id}/outputs", status_code=201)
def add_output(access: Uploader, session_id: UUID, body: NodeIn) -> SessionPublic:
    access.ledger.sessions.add_output(session_id, body.node(), by=access.principal)
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))


@router.post("/{session_id}/progress")
def report_progress(access: Uploader, session_id: UUID, body: ProgressIn) -> SessionPublic:
    access.ledger.sessions.progress(session_id, body.done, body.total, body.message,
                                    by=access.principal)
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))


@router.post("/{session_id}/finish")
def finish_session(access: Uploader, session_id: UUID, body: FinishIn) -> SessionPublic:
    access.ledger.sessions.finish(session_id, body.status, by=access.principal)
    return SessionPublic.of(access.ledger.sessions.view(session_id, access.principal))
