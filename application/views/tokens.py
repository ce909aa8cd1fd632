"""API tokens as the token service returns them (a secret only once, when issued)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


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
