"""Per-item and per-object history, and blame, folded from the item's own event stream.

An item is one stream, so its whole history is one indexed read plus decoding its own
events: O(item history), whatever the size of the log. A restored project's item
follows its reference: the source item's history up to the version restored, then its
own events. Class titles and tag names are
today's (a class renamed since shows its new title). The project log (each event with its
data, or one line per event) is read by position; each line says what the event changed
as the audit index says it, derived by the same function
(:func:`domain.audit_entry.audit_entry`) from the briefs before its first position.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.core.events import project_events
from application.core.ledger_core import LedgerCore
from application.core.loading import load_items
from application.core.states import States
from application.ports import LogRecord, StreamLog
from application.views.events import EventView
from application.views.history import BlameLine, HistoryEntry, ObjectChange, ObjectState, Touch
from application.views.projects import LogEntry
from domain.audit_entry import audit_entry
from domain.changes import ItemBrief, Names, describe_item, event_kind, fold_item
from domain.errors import NotFoundError
from domain.item import Item
from domain.meta_changes import fold_names
from domain.state import MetaState
from domain.values import AnnotationObject, Tag


@dataclass(frozen=True, slots=True)
class _Step:
    record: LogRecord
    event: Any
    before: dict[int, AnnotationObject]
    after: dict[int, AnnotationObject]
    brief_before: ItemBrief | None
    brief_after: ItemBrief

    def describe(self, names: Names) -> str:
        return describe_item(self.event, self.brief_before, self.brief_after, names)


class History:
    """The project log, an item's history and blame, read from the log's streams."""

    def __init__(self, core: LedgerCore, states: States, log: StreamLog) -> None:
        self.core = core
        self.states = states
        self.log = log

    def events(self, project_id: UUID, *, after: int = 0, limit: int = 100) -> list[EventView]:
        """Events at positions after ``after``, oldest first, at most ``limit``."""
        return project_events(self.core, project_id, after=after, limit=limit)

    def log_entries(self, project_id: UUID, *, limit: int | None = 100, gt: int = 0,
                    lte: int | None = None, newest: bool = True) -> list[LogEntry]:
        """The project log between positions ``gt`` (exclusive) and ``lte``, oldest first:
        the newest ``limit`` of them, or with ``newest=False`` the first; each entry with
        its item's path, its object's class and what it changed, as the audit index says."""
        records = self.core.store.log(project_id, gt=gt, lte=lte, limit=limit, desc=newest)
        if newest:
            records.reverse()
        if not records:
            return []
        briefs = self._briefs_before(project_id, records)
        entries = []
        for rec in records:
            event: Any = self.core.mapper.to_domain_event(rec.stored_event())
            entry, updates = audit_entry(event, project_id, briefs)
            briefs.update(updates)
            t = entry.target
            entries.append(LogEntry(
                rec.position, event.timestamp.isoformat(), entry.actor, entry.type,
                f"{t.kind}:{t.id}", str(entry.session_id) if entry.session_id else None,
                entry.summary, entry.item_path, entry.object_class))
        return entries

    def _briefs_before(self, project_id: UUID, records: Sequence[LogRecord]
                       ) -> dict[str, Any]:
        """The briefs :func:`audit_entry` needs before the first of ``records``: the
        project's names folded from its own stream, each item as it stood before."""
        first = records[0].position
        names: Names | None = None
        for rec in self.log.item_log(project_id):
            if rec.position >= first:
                break
            names = fold_names(names, self.core.mapper.to_domain_event(rec.stored_event()))
        briefs: dict[str, Any] = {f"p:{project_id}": names} if names else {}
        firsts: dict[UUID, int] = {}
        for rec in records:
            firsts.setdefault(rec.originator_id, rec.originator_version)
        wanted = {i: v - 1 for i, v in firsts.items() if i != project_id and v > 1}
        for item in load_items(self.core.store, self.core.mapper, wanted,
                               self.core.item_snapshot_every):
            briefs[f"i:{item.id}"] = item_brief(item)
        return briefs

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
        brief: ItemBrief | None = None
        for rec, event in self._events(item_id):
            if isinstance(event, Item.Restored) and agg is not None:
                # The source's history was followed up to this state: the restored
                # project's own stream goes on from it.
                agg, brief = event.mutate(None), fold_item(brief, event)
                continue
            before = {} if agg is None or agg.removed else dict(agg.objects)
            agg = event.mutate(agg)
            assert agg is not None
            after = {} if agg.removed else dict(agg.objects)
            brief_after = fold_item(brief, event)
            yield _Step(rec, event, before, after, brief, brief_after)
            brief = brief_after

    def _events(self, item_id: UUID, upto: int | None = None
                ) -> Iterator[tuple[LogRecord, Any]]:
        """The item's events up to version ``upto``, a restored item's preceded by its
        source's up to the version its restore referred to (references followed)."""
        records = self.log.item_log(item_id)
        if not records:
            ref = self.core.store.sources([item_id]).get(item_id)
            if ref is not None:
                yield from self._events(ref.source_id, ref.source_version)
            return
        for rec in records:
            if upto is not None and rec.originator_version > upto:
                return
            event: Any = self.core.mapper.to_domain_event(rec.stored_event())
            if isinstance(event, Item.Restored):
                yield from self._events(*event.restored_from)
            yield rec, event


def names_of(meta: MetaState) -> Names:
    return Names(meta.name, {c.id: c.title for c in meta.classes.values()},
                 {t.id: t.name for t in meta.tag_metas.values()},
                 {d.id: d.name for d in meta.datasets.values()},
                 {c.id: c.shape for c in meta.classes.values()},
                 {d.id: d.parent_id for d in meta.datasets.values() if d.parent_id is not None})


def item_brief(item: Item) -> ItemBrief:
    """The brief of an item as it stands: equal to the brief folded over its events."""
    state = item.to_state()
    return ItemBrief.of_fields({f.name: getattr(state, f.name)
                                for f in dataclasses.fields(state)}, item.removed)


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
