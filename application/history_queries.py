"""Per-item and per-object history, and blame, folded from the item's own event stream.

An item is one stream, so its whole history is one indexed read plus decoding its own
events: O(item history), whatever the size of the log. Class titles and tag names are
today's (a class renamed since shows its new title).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from application.ports import LogRecord
from application.states import StateQueries
from domain.changes import ItemBrief, Names, brief, describe_item, event_kind
from domain.errors import NotFoundError
from domain.item import Item
from domain.state import MetaState
from domain.values import AnnotationObject, Tag


class StreamLog(Protocol):
    def item_log(self, stream_id: UUID) -> list[LogRecord]:
        """Every event of one stream, in stream order, with its project log position."""


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


class HistoryQueries(StateQueries):
    history_store: StreamLog | None = None

    def item_history(self, project_id: UUID, item_id: UUID,
                     object_id: int | None = None) -> list[HistoryEntry]:
        """Every change to the item (or only those to one of its objects), oldest first."""
        meta = self.get_project(project_id).meta
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
        meta = self.get_project(project_id).meta
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
        if self.history_store is None:
            raise RuntimeError("no history store is configured")
        if self.store.project_of(item_id) != project_id:
            raise NotFoundError("item", item_id)
        agg: Item | None = None
        head: _Head | None = None
        for rec in self.history_store.item_log(item_id):
            event: Any = self.mapper.to_domain_event(rec.stored_event())
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
