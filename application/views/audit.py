"""Audit rows and pages, and the filter that selects them: who changed what, when."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID


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
