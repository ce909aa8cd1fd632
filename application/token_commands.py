"""API tokens: issue (the secret is shown once), list, revoke, authenticate.

Tokens are :class:`domain.token.Token` aggregates saved in the system log, so issuing
and revoking are audited like every other change. Only a secret's sha256 is stored; the
aggregate id is derived from it, so authenticating is one stream read, never a scan.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from application.base import LedgerBase
from application.ports import SYSTEM_PROJECT, ProjectWrite
from application.topics import is_event
from domain.errors import NotFoundError
from domain.token import MANAGE, READ, ROLES, Token
from domain.values import Context

PREFIX = "al_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a valid token's role and project scope."""

    token_id: UUID
    role: str
    project_id: UUID | None
    name: str

    @property
    def actor(self) -> str:
        """What events record as their actor."""
        return self.name or f"token:{str(self.token_id)[:8]}"

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())

    def covers(self, project_id: UUID) -> bool:
        return self.project_id is None or self.project_id == project_id

    def reads(self, project_id: UUID) -> bool:
        """May see the project (a project it may not see is, to it, a missing one)."""
        return self.can(READ) and self.covers(project_id)

    def manages(self, project_id: UUID) -> bool:
        """May change the project's meta and create its versions."""
        return self.can(MANAGE) and self.covers(project_id)


@dataclass(frozen=True, slots=True)
class TokenView:
    id: UUID
    role: str
    project_id: UUID | None
    name: str
    issued_by: str
    issued_at: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class IssuedToken:
    secret: str
    """The bearer token itself: shown once, never stored."""
    view: TokenView


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class TokenCommands(LedgerBase):
    def issue_token(self, role: str, ctx: Context, *, project_id: UUID | None = None,
                    name: str = "") -> IssuedToken:
        if project_id is not None and (project_id == SYSTEM_PROJECT
                                       or self.store.head(project_id) is None):
            raise NotFoundError("project", project_id)
        secret = PREFIX + secrets.token_urlsafe(32)
        token = Token.issue(secret_hash(secret), role, project_id, name, ctx)
        self._save(token, project=ProjectWrite(SYSTEM_PROJECT))
        return IssuedToken(secret, _view(token))

    def tokens(self) -> list[TokenView]:
        """Every token ever issued, oldest first (found in the system log)."""
        ids = [r.originator_id for r in self.store.log(SYSTEM_PROJECT, with_state=False)
               if is_event(r.topic, Token.Event) and r.originator_version == 1]
        return [_view(self._token(i)) for i in ids]

    def revoke_token(self, token_id: UUID, ctx: Context) -> None:
        token = self._token(token_id)
        token.revoke(ctx)
        self._save(token, project=ProjectWrite(SYSTEM_PROJECT))

    def authenticate(self, secret: str) -> Principal | None:
        """The principal a bearer token stands for; None if unknown or revoked."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        digest = secret_hash(secret)
        try:
            token = self._token(Token.create_id(digest))
        except NotFoundError:
            return None
        if token.revoked or not secrets.compare_digest(token.secret_hash, digest):
            return None
        return Principal(token.id, token.role, token.project_id, token.name)

    def _token(self, token_id: UUID) -> Token:
        return self._get(token_id, Token, "token")


def _view(token: Token) -> TokenView:
    return TokenView(token.id, token.role, token.project_id, token.name, token.issued_by,
                     token.created_on.isoformat(), token.revoked)
