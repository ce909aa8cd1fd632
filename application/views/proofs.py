"""What a proof returns: a digest of the log's head, or the problems found checking it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProofReport:
    digest: str | None = None
    projects: int = 0
    events: int = 0
    snapshots: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "digest": self.digest, "projects": self.projects,
                "events": self.events, "snapshots": self.snapshots, "problems": self.problems}
