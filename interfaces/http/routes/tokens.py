"""/api/v1/tokens (admin): issue, list, revoke bearer tokens; /api/v1/me: who am I."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from application import TokenView
from interfaces.http.deps import Admin, CurrentPrincipal, resolve_project
from interfaces.http.schemas import (
    PrincipalPublic,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    TokensPublic,
)

router = APIRouter(tags=["tokens"])


def token_public(v: TokenView) -> TokenPublic:
    return TokenPublic(id=v.id, role=v.role, project_id=v.project_id, name=v.name,
                       issued_by=v.issued_by, issued_at=v.issued_at, revoked=v.revoked)


@router.post("/tokens", status_code=201)
def issue_token(access: Admin, body: TokenCreate) -> TokenIssued:
    """The token is in this response only: it is stored hashed."""
    project = resolve_project(access.ledger, body.project) if body.project else None
    issued = access.ledger.tokens.issue(body.role, access.ctx, project_id=project, name=body.name)
    return TokenIssued(token=issued.secret, **token_public(issued.view).model_dump())


@router.get("/tokens")
def list_tokens(access: Admin) -> TokensPublic:
    views = access.ledger.tokens.all()
    return TokensPublic(data=[token_public(v) for v in views], count=len(views))


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(access: Admin, token_id: UUID) -> Response:
    access.ledger.tokens.revoke(token_id, access.ctx)
    return Response(status_code=204)


@router.get("/me")
def who_am_i(principal: CurrentPrincipal) -> PrincipalPublic:
    return PrincipalPublic(token_id=principal.token_id, role=principal.role,
                           project_id=principal.project_id, name=principal.name)
