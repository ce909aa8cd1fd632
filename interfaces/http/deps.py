"""Dependencies, declared once as ``Annotated`` aliases: the ledger, who calls, what they
may do on which project, and the version a change expects (``If-Match``).

Checks run in this order: a valid token (401), the role's permission (403), the
project exists among those the token may read (404). A token limited to one project gets
the same 404 for every other project, existing or not, so it cannot learn which exist.
Nothing is read or written for a request that fails them. Rules that depend on what a
use case does (a version created through a session...) are the application's
(:mod:`application.access.authorization`); routes pass it the principal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application import Ledger, Principal
from application import resolve_project as readable_project
from domain.token import ADMIN, ANNOTATE, MANAGE, READ
from domain.values import Context
from interfaces.http.errors import Problem

_VERBS = {READ: "read", ANNOTATE: "upload or annotate", MANAGE: "manage projects",
          ADMIN: "administer tokens"}


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A token from `annoledger tokens create` or POST /api/v1/tokens")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def current_principal(ledger: LedgerDep, creds: Credentials) -> Principal:
    if creds is None:
        raise Problem(401, "a bearer token is required (Authorization: Bearer <token>)",
                      headers={"WWW-Authenticate": "Bearer"}, slug="unauthenticated")
    principal = ledger.tokens.authenticate(creds.credentials)
    if principal is None:
        raise Problem(401, "the bearer token is unknown or revoked", slug="unauthenticated",
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True, slots=True)
class Access:
    """A caller allowed to act, and on which project (None: not project-bound)."""

    ledger: Ledger
    principal: Principal
    project: UUID | None = None

    @property
    def ctx(self) -> Context:
        return Context(self.principal.actor)

    @property
    def pid(self) -> UUID:
        assert self.project is not None
        return self.project


def resolve_project(ledger: Ledger, ref: str, by: Principal | None = None) -> UUID:
    """A project by id (one lookup) or by unique name, among those ``by`` may read."""
    return readable_project(ledger.projects, ref, by)


def _forbid(principal: Principal, detail: str) -> Problem:
    return Problem(403, detail, slug="forbidden", role=principal.role,
                   project_scope=str(principal.project_id) if principal.project_id else None)


def _require(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise _forbid(principal, f"role '{principal.role}' may not {_VERBS[permission]}")


def project_access(permission: str) -> Callable[..., Access]:
    def dependency(
        ledger: LedgerDep, principal: CurrentPrincipal,
        project: Annotated[str, Path(max_length=255, description="Project id or unique name")],
    ) -> Access:
        _require(principal, permission)
        return Access(ledger, principal, resolve_project(ledger, project, principal))

    return dependency


def global_access(permission: str, *, unscoped: bool = False) -> Callable[..., Access]:
    def dependency(ledger: LedgerDep, principal: CurrentPrincipal) -> Access:
        _require(principal, permission)
        if unscoped and principal.project_id is not None:
            raise _forbid(principal, "a token limited to one project cannot do this")
        return Access(ledger, principal)

    return dependency


def expected_version(
    if_match: Annotated[str | None, Header(
        alias="If-Match", description="The item's ETag as last read; '*' for any")] = None,
) -> int | None:
    """The version a change expects; -1 (never current) for a malformed value."""
    if if_match is None:
        raise Problem(428, "changes to an item need If-Match with its ETag (GET it first)",
                      slug="precondition-required", field="If-Match")
    value = if_match.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 19 else -1


ReadProject = Annotated[Access, Depends(project_access(READ))]
AnnotateProject = Annotated[Access, Depends(project_access(ANNOTATE))]
ManageProject = Annotated[Access, Depends(project_access(MANAGE))]
Reader = Annotated[Access, Depends(global_access(READ))]
Uploader = Annotated[Access, Depends(global_access(ANNOTATE))]
Manager = Annotated[Access, Depends(global_access(MANAGE, unscoped=True))]
Admin = Annotated[Access, Depends(global_access(ADMIN, unscoped=True))]
IfMatch = Annotated[int | None, Depends(expected_version)]
Offset = Annotated[int, Query(ge=0, lt=2**53, description="How many to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many")]
NameFilter = Annotated[str | None, Query(max_length=255, description="Names containing this")]
