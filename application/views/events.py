"""The project log as the API shows it: every event with its stream, version and data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class EventView:
    position: int
    time: str
    actor: str
    type: str
    stream: UUID
    version: int
    session: UUID | None
    data: dict[str, Any]
