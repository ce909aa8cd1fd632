"""Audit rows and pages, and the filter that selects them: who changed what, when."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from domain.errors import ValidationError


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
    item_path: str | None = None
    """``dataset/name``: every event of each item that had this path when an event happened"""
    include_sessions: bool = False
    """Session bookkeeping (app sessions, upload grants, tokens) too; without it they are
    left out unless the filter names a session or such an event type"""

    @staticmethod
    def item_ref(value: str | None) -> tuple[UUID | None, str | None]:
        """An item named by a user (``--item``, ``?item=``): its id, or its
        ``dataset/name`` path (then every name it had at the time of an event finds it)."""
        if value is None:
            return None, None
        if "/" in value:
            return None, value
        try:
            return UUID(value), None
        except ValueError:
            raise ValidationError(
                "item", f"'{value}' is neither an item id nor a dataset/name path") from None


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
    project_name: str
    """The project's name when the event happened"""
    item_path: str
    """The item's ``dataset/name`` when the event happened"""
    object_class: str
    """The object's class title when the event happened"""
    bookkeeping: bool
    """Session bookkeeping rather than a change to a project"""

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
