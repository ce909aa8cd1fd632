"""What replay returns: the state at a position, and where a bisect found a predicate
turn true."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.views.projects import LogEntry


@dataclass(frozen=True, slots=True)
class ReplayView:
    project_id: UUID
    position: int
    time: str
    items: int
    objects: int
    empty_items: int
    classes: dict[str, int]
    datasets: list[str]
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {"project": str(self.project_id), "position": self.position, "time": self.time,
                "items": self.items, "objects": self.objects, "empty_items": self.empty_items,
                "classes": self.classes, "datasets": self.datasets, "digest": self.digest}


@dataclass(frozen=True, slots=True)
class BisectResult:
    predicate: str
    position: int | None
    """The first position at which the predicate holds (None: not even at the head)."""
    head: int
    probes: tuple[tuple[int, bool], ...]
    event: LogEntry | None
    """The event at ``position``; None when there is none or it held from the start."""
    from_start: bool = False
    """It already holds at the first position searched (by default the new, empty
    project): no event searched made it true, so the answer points at no change."""

    def as_json(self) -> dict[str, Any]:
        return {"predicate": self.predicate, "position": self.position, "head": self.head,
                "holds_from_start": self.from_start,
                "probes": [{"position": p, "holds": h} for p, h in self.probes],
                "event": self.event.as_json() if self.event else None}
