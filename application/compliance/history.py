"""Per-item and per-object history, and blame, folded from the item's own event stream.

An item is one stream, so its whole history is one indexed read plus decoding its own
events: O(item history), whatever the size of the log. Class titles and tag names are
today's (a class renamed since shows its new title). The project log (each event with its
data, or one line per event) is read by position.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.core.events import event_view, project_events
from application.core.ledger_core import LedgerCore
from application.core.states import States
from application.ports import LogRecord, StreamLog
from application.views.events import EventView
from application.views.history import BlameLine, HistoryEntry, ObjectChange, ObjectState, Touch
from application.views.projects import LogEntry
from domain.changes import ItemBrief, Names, brief, describe_item, event_kind
from domain.errors import NotFoundError
from domain.item import Item
from domain.state import MetaState
from domain.values import AnnotationObject, Tag

_Head = tuple[str, int, tuple[Tag, ...], bool]
"""An item's name, dataset, tags and removed flag at one version."""


@dataclass(frozen=True, slots=True)
class _Step:
    record: LogRecord
    event: Any
    before: dict[int, AnnotationObject]
    after: dict[int, AnnotationObject]
    head_before: _Head | None
    head_after: _Head

    def describe(self, names: Names) -> str:
        """The summary (briefs are built only for the steps shown)."""
        before = None if self.head_before is None else _brief(self.head_before, self.before)
        return describe_item(self.event, before, _brief(self.head_after, self.after), names)


class History:
    """The project log, an item's history and blame, read from the log's streams."""

    def __init__(self, core: LedgerCore, states: States, log: StreamLog) -> None:
        self.core = core
        self.states = states
        self.log = log

    def events(self, project_id: UUID, *, after: int = 0, limit: int = 100) -> list[EventView]:
        """Events at positions after ``after``, oldest first, at most ``limit``."""
        return project_events(self.core, project_id, after=after, limit=limit)

    def log_entries(self, project_id: UUID, *, limit: int = 100, gt: int = 0,
                    lte: int | None = None, newest: bool = True) -> list[LogEntry]:
        """The project log between positions ``gt`` (exclusive) and ``lte``, oldest first:
        the newest ``limit`` of them, or with ``newest=False`` the first."""
        records = self.core.store.log(project_id, gt=gt, lte=lte, limit=limit, desc=newest)
        if newest:
            records.reverse()
        entries = []
        for rec in records:
            v = event_view(self.core, rec, data=False)
            target = v.type.split(".")[0].lower() + ":" + str(v.stream)
            entries.append(LogEntry(v.position, v.time, v.actor, v.type, target,
                                    str(v.session) if v.session else None))
        return entries

    def item(self, project_id: UUID, item_id: UUID,
             object_id: int | None = None) -> list[HistoryEntry]:
        """Every change to the item (or only those to one of its objects), oldest first."""
        meta = self.core.get_project(project_id).meta
        names = names_of(meta)
        entries = []
        for s in self._fold(project_id, item_id):
            changed = _changed(s.before, s.after)
            if object_id is not None and object_id not in changed:
                continue
            shown = [object_id] if object_id is not None else changed
            entries.append(HistoryEntry(
                s.record.originator_version, s.record.position, s.event.timestamp.isoformat(),
                getattr(s.event, "actor", ""), getattr(s.event, "session_id", None),
                event_kind(s.event), s.describe(names),
                tuple(ObjectChange(i, _view(meta, s.before.get(i)), _view(meta, s.after.get(i)))
                      for i in shown)))
        if object_id is not None and not entries:
            raise NotFoundError("object", f"{object_id} in item {item_id}")
        return entries

    def blame(self, project_id: UUID, item_id: UUID) -> list[BlameLine]:
        """For each current object: who added it (and its labeler), who changed it last."""
        meta = self.core.get_project(project_id).meta
        created: dict[int, Touch] = {}
        changed: dict[int, Touch] = {}
        current: dict[int, AnnotationObject] = {}
        for s in self._fold(project_id, item_id):
            touch = Touch(getattr(s.event, "actor", ""), s.event.timestamp.isoformat(),
                          s.record.position, event_kind(s.event))
            for i in _changed(s.before, s.after):
                if i not in s.after:
                    created.pop(i, None)
                    changed.pop(i, None)
                elif i not in s.before:
                    created[i] = touch
                    changed.pop(i, None)
                else:
                    changed[i] = touch
            current = s.after
        return [BlameLine(i, _title(meta, o.class_id), o.labeler, created[i], changed.get(i))
                for i, o in current.items()]

    def _fold(self, project_id: UUID, item_id: UUID) -> Iterator[_Step]:
        if self.core.store.project_of(item_id) != project_id:
            raise NotFoundError("item", item_id)
        agg: Item | None = None
        head: _Head | None = None
        for rec in self.log.item_log(item_id):
            event: Any = self.core.mapper.to_domain_event(rec.stored_event())
            before = {} if agg is None or agg.removed else dict(agg.objects)
            agg = event.mutate(agg)
            assert agg is not None
            after = {} if agg.removed else dict(agg.objects)
            head_after = (agg.name, agg.dataset_id, agg.tags, agg.removed)
            yield _Step(rec, event, before, after, head, head_after)
            head = head_after


def names_of(meta: MetaState) -> Names:
    return Names(meta.name, {c.id: c.title for c in meta.classes.values()},
                 {t.id: t.name for t in meta.tag_metas.values()},
                 {d.id: meta.dataset_path(d.id) for d in meta.datasets.values()})


def item_brief(item: Item) -> ItemBrief:
    return _brief((item.name, item.dataset_id, item.tags, item.removed), item.objects)


def _brief(head: _Head, objects: dict[int, AnnotationObject]) -> ItemBrief:
    name, dataset_id, tags, removed = head
    return ItemBrief(name, dataset_id, {i: brief(o) for i, o in objects.items()},
                     {t.meta_id: t.value for t in tags}, removed)


def _changed(before: dict[int, AnnotationObject], after: dict[int, AnnotationObject]
             ) -> list[int]:
    return [i for i in sorted(before.keys() | after.keys()) if before.get(i) != after.get(i)]


def _title(meta: MetaState, class_id: int) -> str:
    cls = meta.classes.get(class_id)
    return cls.title if cls else f"#{class_id}"


def _tags(meta: MetaState, tags: Sequence[Tag]) -> tuple[tuple[str, Any], ...]:
    return tuple((meta.tag_metas[t.meta_id].name if t.meta_id in meta.tag_metas
                  else f"#{t.meta_id}", t.value) for t in tags)


def _view(meta: MetaState, obj: AnnotationObject | None) -> ObjectState | None:
    if obj is None:
        return None
    return ObjectState(_title(meta, obj.class_id), obj.class_id, obj.geometry,
                       _tags(meta, obj.tags), obj.labeler)
