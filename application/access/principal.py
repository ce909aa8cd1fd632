"""Who is calling: the principal a valid API token stands for."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.token import MANAGE, READ, ROLES


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
