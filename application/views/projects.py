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
    """What the event changed, as the audit index says it"""
    item: str = ""
    """The item's ``dataset/name`` when the event happened ("" for a project event)"""
    object_class: str = ""
    """The class title of the object the event is about, when it is about one"""

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
    """One log checked: its chain and (unless quick) every row derived from it."""

    project: UUID
    name: str
    ok: bool
    checked: int
    position: int | None
    reason: str
    head: str
    table: str = ""
    """Where the first mismatch is: ``events`` (the chain, the order), ``time index``,
    ``snapshots``, ``catalog``, ``heads``, ``audit index``, ``workflow graph``."""
    key: str = ""
    """Which row of that table (``position 9``, ``item <id> (ds/cat1.jpg)``...)."""

    @property
    def chain_broken(self) -> bool:
        """The hash chain breaks (``reason`` is then the chain's own, at ``position``)."""
        return not self.ok and self.table == "events" and not self.reason.startswith("events:")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["project"] = str(self.project)
        return data
