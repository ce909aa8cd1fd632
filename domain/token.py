"""API tokens: who may call the HTTP API, with which role, on which project.

A token's secret is never stored: the aggregate holds only its sha256, and its id is
derived from that hash, so a presented token is found without a scan. Issuing and
revoking are events like any other, so they are audited in the system log.

Roles grant permissions cumulatively::

    auditor    read
    annotator  read, annotate          (upload items, edit annotations)
    manager    read, annotate, manage  (classes, tags, datasets, versions, projects)
    admin      everything, including tokens
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ConflictError, ValidationError
from domain.values import Context

READ, ANNOTATE, MANAGE, ADMIN = "read", "annotate", "manage", "admin"

ROLES: dict[str, frozenset[str]] = {
    "auditor": frozenset({READ}),
    "annotator": frozenset({READ, ANNOTATE}),
    "manager": frozenset({READ, ANNOTATE, MANAGE}),
    "admin": frozenset({READ, ANNOTATE, MANAGE, ADMIN}),
}

_NAMESPACE = UUID("4f1d3c7e-2a0b-4e55-9c61-7b3a8e0d2f19")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("role", f"unknown role '{role}'; expected one of {', '.join(ROLES)}")
    return role


class Token(Aggregate):
    """An issued bearer token: its secret's hash, role, project scope and name."""

    @event("Issued")
    def __init__(self, secret_hash: str, role: str, project_id: UUID | None, name: str,
                 actor: str, session_id: UUID | None) -> None:
        self.secret_hash = secret_hash
        self.role = role
        self.project_id = project_id
        self.name = name
        self.issued_by = actor
        self.revoked = False

    @staticmethod
    def create_id(secret_hash: str) -> UUID:
        return uuid5(_NAMESPACE, secret_hash)

    @classmethod
    def issue(cls, secret_hash: str, role: str, project_id: UUID | None, name: str,
              ctx: Context) -> Token:
        check_role(role)
        if len(name) > 255:
            raise ValidationError("name", "may not exceed 255 characters")
        return cls(secret_hash, role, project_id, name, ctx.actor, ctx.session_id)

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset() if self.revoked else ROLES[self.role]

    def revoke(self, ctx: Context) -> None:
        if self.revoked:
            raise ConflictError(f"token {self.id} is already revoked")
        self._revoked(ctx.actor, ctx.session_id)

    @event("Revoked")
    def _revoked(self, actor: str, session_id: UUID | None) -> None:
        self.revoked = True
