"""Response bodies of the audit, history and blame endpoints."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from interfaces.http.schemas import Schema


class AuditRowPublic(Schema):
    notification_id: int = Field(description="The event's place in the whole log")
    time: str
    actor: str
    type: str = Field(description="Aggregate and event, e.g. Item.ObjectClassChanged")
    target_kind: str = Field(description="project, dataset, item, object, class, tag, "
                                         "version, session...")
    target_id: str
    project_id: UUID | None
    position: int = Field(description="The event's position in its project's log")
    item_id: UUID | None
    object_id: int | None
    session_id: UUID | None = Field(description="The app session that caused it")
    summary: str = Field(description="What changed, before → after")
    project_name: str = Field(description="The project's name when it happened")
    item_path: str = Field(description="The item's dataset/name when it happened")
    object_class: str = Field(description="The object's class title when it happened")
    bookkeeping: bool = Field(description="Session bookkeeping (app session, upload "
                                          "grant, token), not a change to a project")


class AuditRowsPublic(Schema):
    data: list[AuditRowPublic]
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null if none")


class ObjectStatePublic(Schema):
    class_title: str = Field(serialization_alias="class")
    class_id: int
    geometry: dict[str, Any]
    tags: list[dict[str, Any]]
    labeler: str


class ObjectChangePublic(Schema):
    object: int
    before: ObjectStatePublic | None
    after: ObjectStatePublic | None


class HistoryEntryPublic(Schema):
    version: int = Field(description="The item's stream version after the event")
    position: int
    time: str
    actor: str
    session: UUID | None
    type: str
    summary: str
    objects: list[ObjectChangePublic]


class TouchPublic(Schema):
    actor: str
    time: str
    position: int
    type: str


class BlamePublic(Schema):
    object: int
    class_title: str = Field(serialization_alias="class")
    labeler: str = Field(description="The labeler recorded with the object")
    created: TouchPublic = Field(description="The event that added it")
    changed: TouchPublic | None = Field(description="The last event that changed it since")
