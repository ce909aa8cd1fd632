"""An item's history and blame: each change with the objects it touched, and for each
current object who added it and who changed it last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ObjectState:
    class_title: str
    class_id: int
    geometry: dict[str, Any]
    tags: tuple[tuple[str, Any], ...]
    labeler: str

    def as_json(self) -> dict[str, Any]:
        return {"class": self.class_title, "class_id": self.class_id, "geometry": self.geometry,
                "tags": [{"name": n, "value": v} for n, v in self.tags],
                "labeler": self.labeler}


@dataclass(frozen=True, slots=True)
class ObjectChange:
    object_id: int
    before: ObjectState | None
    after: ObjectState | None

    def as_json(self) -> dict[str, Any]:
        return {"object": self.object_id,
                "before": self.before.as_json() if self.before else None,
                "after": self.after.as_json() if self.after else None}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    version: int
    position: int
    time: str
    actor: str
    session: UUID | None
    type: str
    summary: str
    objects: tuple[ObjectChange, ...]

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "position": self.position, "time": self.time,
                "actor": self.actor, "session": str(self.session) if self.session else None,
                "type": self.type, "summary": self.summary,
                "objects": [o.as_json() for o in self.objects]}


@dataclass(frozen=True, slots=True)
class Touch:
    actor: str
    time: str
    position: int
    type: str


@dataclass(frozen=True, slots=True)
class BlameLine:
    object_id: int
    class_title: str
    labeler: str
    created: Touch
    """The event that added the object (an upload, an add, a replace or a revive)."""
    changed: Touch | None
    """The last event that changed it since (None when it is as it was added)."""

    def as_json(self) -> dict[str, Any]:
        def touch(t: Touch | None) -> dict[str, Any] | None:
            return None if t is None else {"actor": t.actor, "time": t.time,
                                           "position": t.position, "type": t.type}
        return {"object": self.object_id, "class": self.class_title, "labeler": self.labeler,
                "created": touch(self.created), "changed": touch(self.changed)}
