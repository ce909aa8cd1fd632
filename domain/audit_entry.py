"""The audit entry of one event: the one derivation behind the audit index's rows, the
project log and replay steps, and what a verifier recomputes to check the index.

:func:`audit_entry` reads the briefs an event needs (:func:`brief_keys`) from a mapping
and returns the entry with the briefs it changed, so a caller that applies those updates
in log order (the index, over its stored briefs; the log, over briefs built from the
aggregates before its first position) derives the same entries. Keys of the mapping:

``p:<project id>``: the project's :class:`~domain.changes.Names`;
``i:<item id>``: an :class:`~domain.changes.ItemBrief`;
``a:<stream id>``: who started an app session, a token or an upload (their later events
name no actor).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.changes import Names, changed_objects, describe_item, event_kind, fold_item
from domain.item import Item
from domain.meta_changes import (
    Target,
    describe_other,
    describe_project,
    fold_names,
    session_of,
    target_of,
)
from domain.project import Project

BOOKKEEPING = ("AppSession", "MediaUpload", "Token")
"""Aggregates whose events are bookkeeping (sessions opened around every command, upload
grants, tokens): left out of audit answers unless asked for."""
MAX_ACTOR = 255


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which project, item and object, and what it changed."""

    actor: str
    type: str
    """``Item.ObjectClassChanged``"""
    target: Target
    project_name: str
    """The project's name when the event happened"""
    item_id: UUID | None
    item_path: str
    """``dataset/name`` of the item when the event happened (after a move: the new one)"""
    object_class: str
    """The title of the object's class when the event happened (before a removal)"""
    session_id: UUID | None
    summary: str
    touched: tuple[int, ...]
    """Every object the event added, removed or changed"""
    bookkeeping: bool

    @property
    def event(self) -> str:
        return self.type.rpartition(".")[2]


def brief_keys(event: Any, project_id: UUID | None) -> tuple[str, ...]:
    """The keys :func:`audit_entry` reads for ``event``."""
    own = ("i:" if isinstance(event, Item.Event) else "a:") + str(event.originator_id)
    return (f"p:{project_id}",) if isinstance(event, Project.Event) else (
        f"p:{project_id}", own)


def audit_entry(event: Any, project_id: UUID | None, briefs: Mapping[str, Any]
                ) -> tuple[AuditEntry, dict[str, Any]]:
    """The entry of ``event`` (recorded in project ``project_id``), given the briefs before
    it; and the briefs it changed, by key. ``briefs`` is not modified."""
    kind = event_kind(event)
    pkey = f"p:{project_id}"
    names: Names = briefs.get(pkey) or Names()
    actor = str(getattr(event, "actor", "") or "")[:MAX_ACTOR]
    target = target_of(event)
    updates: dict[str, Any] = {}
    item_id, path, object_class = None, "", ""
    touched: tuple[int, ...] = ()
    if isinstance(event, Item.Event):
        key = f"i:{event.originator_id}"
        before = briefs.get(key)
        after = fold_item(before, event)
        updates[key] = after
        summary = describe_item(event, before, after, names)
        item_id, path = event.originator_id, names.item_path(after)
        if target.object_id is not None:
            obj = after.objects.get(target.object_id) or (
                before.objects.get(target.object_id) if before else None)
            object_class = names.cls(obj.class_id) if obj else ""
        touched = tuple(changed_objects(before, after))
    elif isinstance(event, Project.Event):
        updates[pkey] = names = fold_names(briefs.get(pkey), event)
        summary = describe_project(event, briefs.get(pkey), names)
    else:
        key = f"a:{event.originator_id}"
        if actor:
            if briefs.get(key) != actor:
                updates[key] = actor
        else:
            actor = briefs.get(key, "")
        summary = describe_other(event)
    return AuditEntry(actor, kind, target, names.project, item_id, path, object_class,
                      session_of(event), summary, touched,
                      kind.partition(".")[0] in BOOKKEEPING), updates
