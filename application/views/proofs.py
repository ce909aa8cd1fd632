"""What a proof returns: a digest of the log's head, or the problems found checking it;
what ``verify`` returns: each log and each read model checked against the log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.views.projects import VerifyView


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


@dataclass(frozen=True, slots=True)
class ViewReport:
    """A read model recomputed from the log and compared with its rows."""

    label: str
    rows: int
    upto: int
    """The last event it had applied (what was recomputed)."""
    behind: int
    """Events after that one, not applied yet (applied at its next catch-up)."""
    reason: str = ""
    """The first row that differs (``event 31 (position 9): actor ...``); "" if none."""

    @property
    def ok(self) -> bool:
        return not self.reason

    def as_json(self) -> dict[str, Any]:
        return {"view": self.label, "ok": self.ok, "rows": self.rows, "upto": self.upto,
                "behind": self.behind, "reason": self.reason}


@dataclass
class VerifyReport:
    """Every log checked (each with its first mismatch) and every read model."""

    logs: list[VerifyView] = field(default_factory=list)
    views: list[ViewReport] = field(default_factory=list)
    quick: bool = False
    found_across: set[UUID] = field(default_factory=set)
    """Logs whose mismatch was found across logs (a read model's row, the time index in
    notification order), not replaying the log alone."""

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.logs) and all(v.ok for v in self.views)

    @property
    def first(self) -> VerifyView | None:
        """The first log that does not verify: one whose own replay fails, else one named
        by a check across logs (a read model's mismatch is named in the log of the event
        its row derives from)."""
        failing = [v for v in self.logs if not v.ok]
        return next((v for v in failing if v.project not in self.found_across),
                    failing[0] if failing else None)
