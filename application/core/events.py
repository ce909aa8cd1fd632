"""The project log as the API shows it: every event with its stream, version and data."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from application.core.ledger_core import LedgerCore
from application.ports import LogRecord
from application.views.events import EventView

_BOOKKEEPING = frozenset({"originator_id", "originator_version", "timestamp", "actor",
                          "session_id", "originator_topic"})


def project_events(core: LedgerCore, project_id: UUID, *, after: int = 0,
                   limit: int = 100) -> list[EventView]:
    """Events at positions after ``after``, oldest first, at most ``limit``."""
    return [event_view(core, rec) for rec in core.store.log(project_id, gt=after, limit=limit)]


def event_view(core: LedgerCore, rec: LogRecord, *, data: bool = True) -> EventView:
    """One log record decoded: who, when, what type, through which session (and its data)."""
    event: Any = core.mapper.to_domain_event(rec.stored_event())
    fields = {k: plain(v) for k, v in vars(event).items()
              if k not in _BOOKKEEPING} if data else {}
    return EventView(rec.position, event.timestamp.isoformat(), getattr(event, "actor", ""),
                     rec.topic.rpartition(":")[2], rec.originator_id, rec.originator_version,
                     getattr(event, "session_id", None), fields)


def plain(value: Any) -> Any:
    """Value objects, tuples, UUIDs and times as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, UUID | datetime):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    return value
