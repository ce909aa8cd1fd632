"""Views of projects, their logs, imports and verification: what interfaces show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProjectView:
    id: UUID
    name: str
    items: int
    objects: int
    position: int
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "items": self.items,
                "objects": self.objects}


@dataclass(frozen=True, slots=True)
class LogEntry:
    position: int
    time: str
    actor: str
    type: str
    target: str
    session: str | None
    summary: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ImportResult:
    project: UUID
    items: int
    objects: int
    events: int

    def as_json(self) -> dict[str, Any]:
        return {"project": str(self.project), "items": self.items, "objects": self.objects,
                "events": self.events}


@dataclass(frozen=True, slots=True)
class VerifyView:
    project: UUID
    name: str
    ok: bool
    checked: int
    position: int | None
    reason: str
    head: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["project"] = str(self.project)
        return data
