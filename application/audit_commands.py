"""Audit queries: who changed what, when, through which app session.

Answered from the audit index, a projection the bootstrap plugs in
(:class:`AuditIndexPort`): it is caught up with the log before every query, so an
answer always includes the last committed event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from application.states import StateQueries
from domain.errors import ValidationError

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    project_id: UUID | None = None
    item_id: UUID | None = None
    object_id: int | None = None
    type: str | None = None
    """``Item.ObjectClassChanged``, or ``ObjectClassChanged`` for that event of any aggregate"""
    session_id: UUID | None = None
    since: float | None = None
    until: float | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    notification_id: int
    time: str
    actor: str
    type: str
    target_kind: str
    target_id: str
    project_id: UUID | None
    position: int
    item_id: UUID | None
    object_id: int | None
    session_id: UUID | None
    summary: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("project_id", "item_id", "session_id"):
            data[key] = str(data[key]) if data[key] is not None else None
        return data


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    limit: int
    offset: int
    next_offset: int | None

    def as_json(self) -> dict[str, Any]:
        return {"data": [r.as_json() for r in self.rows], "count": len(self.rows),
                "limit": self.limit, "offset": self.offset, "next_offset": self.next_offset}


class AuditIndexPort(Protocol):
    """The audit projection: kept up to date from the log, queried by filters."""

    def catch_up(self, app: Any, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply every event after the index's tracked position; returns how many."""

    def query(self, where: AuditFilter, limit: int, offset: int) -> Sequence[AuditRow]:
        """Rows newest first (by time, then log order)."""


class ProjectionsPort(Protocol):
    """Every read model of the application, followed from its log."""

    def catch_up(self, *views: Any, progress: Callable[[int, int], None] | None = None,
                 batch: int = 1000) -> int:
        """Bring the given views (every view if none) up to date; returns events read."""

    def start(self) -> None:
        """Follow the log in the background until :meth:`stop`."""

    def stop(self, timeout: float = 10) -> None:
        """Stop following."""


class AuditCommands(StateQueries):
    audit_index: AuditIndexPort | None = None
    projections: ProjectionsPort | None = None
    """The runner that keeps every read model (audit index, workflow graph) up to date."""
    workflow: object | None = None
    """The workflow graph's read model (``projections.workflow.Workflow``)."""

    def _audit(self) -> AuditIndexPort:
        if self.audit_index is None:
            raise RuntimeError("no audit index is configured")
        return self.audit_index

    def catch_up_audit(self, progress: Callable[[int, int], None] | None = None) -> int:
        return self._audit().catch_up(self, progress)

    def audit(self, where: AuditFilter | None = None, *, limit: int = 100,
              offset: int = 0) -> AuditPage:
        """A page of audit rows matching every given filter, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise ValidationError("offset", "must not be negative")
        where = where or AuditFilter()
        if where.since is not None and where.until is not None and where.since > where.until:
            raise ValidationError("since", "is after until")
        self.catch_up_audit()
        rows = list(self._audit().query(where, limit + 1, offset))
        more = len(rows) > limit
        return AuditPage(rows[:limit], limit, offset, offset + limit if more else None)


def parse_time(text: str | float | None, field: str = "time") -> float | None:
    """ISO 8601 (a date, or a date and time; UTC unless an offset is given) or epoch seconds."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)):
        return float(text)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(field, f"'{text}' is not an ISO 8601 time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
