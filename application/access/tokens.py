"""API tokens: issue (the secret is shown once), list, revoke, authenticate.

Tokens are :class:`domain.token.Token` aggregates saved in the system log, so issuing
and revoking are audited like every other change. Only a secret's sha256 is stored; the
aggregate id is derived from it, so authenticating is one stream read, never a scan.
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID

from application.access.principal import Principal
from application.core.ledger_core import LedgerCore
from application.core.topics import is_event
from application.ports import SYSTEM_PROJECT
from application.views.tokens import IssuedToken, TokenView
from domain.errors import NotFoundError
from domain.token import Token
from domain.values import Context

PREFIX = "al_"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class Tokens:
    """API tokens, saved as aggregates in the system log."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def issue(self, role: str, ctx: Context, *, project_id: UUID | None = None,
              name: str = "") -> IssuedToken:
        if project_id is not None and (project_id == SYSTEM_PROJECT
                                       or self.core.store.head(project_id) is None):
            raise NotFoundError("project", project_id)
        secret = PREFIX + secrets.token_urlsafe(32)
        token = Token.issue(secret_hash(secret), role, project_id, name, ctx)
        self.core.save_system(token)
        return IssuedToken(secret, _view(token))

    def all(self) -> list[TokenView]:
        """Every token ever issued, oldest first (found in the system log)."""
        ids = [r.originator_id for r in self.core.store.log(SYSTEM_PROJECT, with_state=False)
               if is_event(r.topic, Token.Event) and r.originator_version == 1]
        return [_view(self._token(i)) for i in ids]

    def revoke(self, token_id: UUID, ctx: Context) -> None:
        token = self._token(token_id)
        token.revoke(ctx)
        self.core.save_system(token)

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
        return self.core.get(token_id, Token, "token")


def _view(token: Token) -> TokenView:
    return TokenView(token.id, token.role, token.project_id, token.name, token.issued_by,
                     token.created_on.isoformat(), token.revoked)
