"""Comparing two states of a project: items, objects, classes and tags.

Only items that may differ are passed in (the application skips items whose stream
version is the same on both sides); per-class counts come in whole, since they cover
every item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Tag


@dataclass
class ItemChanges:
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    modified: list[int] = field(default_factory=list)
    tags_changed: bool = False


@dataclass
class Comparison:
    items_added: list[str] = field(default_factory=list)
    items_removed: list[str] = field(default_factory=list)
    items_modified: list[str] = field(default_factory=list)
    per_item: dict[str, ItemChanges] = field(default_factory=dict)
    classes: dict[str, tuple[int, int]] = field(default_factory=dict)
    item_tags: Counter[str] = field(default_factory=Counter)
    object_tags_changed: int = 0
    meta: dict[str, list[str]] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(len(getattr(c, kind)) for c in self.per_item.values())

    def as_json(self, per_item: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "items": {"added": self.items_added, "removed": self.items_removed,
                      "modified": self.items_modified},
            "objects": {k: self.count(k) for k in ("added", "removed", "modified")},
            "classes": {k: list(v) for k, v in self.classes.items()},
            "tags": {"items": dict(self.item_tags), "objects": self.object_tags_changed},
            "meta": self.meta,
        }
        if per_item:
            data["objects"]["per_item"] = {
                path: {"added": c.added, "removed": c.removed, "modified": c.modified}
                for path, c in self.per_item.items()
            }
        return data


def compare(
    before_meta: MetaState, after_meta: MetaState,
    before: Mapping[str, ItemState], after: Mapping[str, ItemState],
    counts_before: Counter[int], counts_after: Counter[int],
) -> Comparison:
    """Items keyed by ``dataset/name``; counts keyed by class id on each side."""
    result = Comparison(meta=_meta_changes(before_meta, after_meta))
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old is None and new is not None:
            result.items_added.append(path)
            result.per_item[path] = ItemChanges(added=[o.id for o in new.objects])
        elif new is None and old is not None:
            result.items_removed.append(path)
            result.per_item[path] = ItemChanges(removed=[o.id for o in old.objects])
        elif old is not None and new is not None:
            changes = _item_changes(old, new, result)
            if changes is not None:
                result.items_modified.append(path)
                result.per_item[path] = changes
    titles = {c.id: c.title for c in before_meta.classes.values()}
    titles.update({c.id: c.title for c in after_meta.classes.values()})
    for class_id in sorted(set(counts_before) | set(counts_after) | set(titles)):
        title = titles.get(class_id, f"#{class_id}")
        result.classes[title] = (counts_before.get(class_id, 0), counts_after.get(class_id, 0))
    return result


def _item_changes(old: ItemState, new: ItemState, result: Comparison) -> ItemChanges | None:
    a = {o.id: o for o in old.objects}
    b = {o.id: o for o in new.objects}
    changes = ItemChanges(
        added=sorted(b.keys() - a.keys()),
        removed=sorted(a.keys() - b.keys()),
        modified=sorted(i for i in a.keys() & b.keys() if _differs(a[i], b[i])),
    )
    result.object_tags_changed += sum(1 for i in a.keys() & b.keys()
                                      if _tags(a[i].tags) != _tags(b[i].tags))
    old_tags, new_tags = _tags(old.tags), _tags(new.tags)
    if old_tags != new_tags:
        changes.tags_changed = True
        result.item_tags["added"] += len(new_tags.keys() - old_tags.keys())
        result.item_tags["removed"] += len(old_tags.keys() - new_tags.keys())
        result.item_tags["changed"] += sum(1 for k in old_tags.keys() & new_tags.keys()
                                           if old_tags[k] != new_tags[k])
    moved = (old.dataset_id, old.name, old.description) != (new.dataset_id, new.name,
                                                            new.description)
    described = old.info != new.info  # the format's data of the item (img_info, meta...)
    if (changes.added or changes.removed or changes.modified or changes.tags_changed or moved
            or described):
        return changes
    return None


def _differs(a: AnnotationObject, b: AnnotationObject) -> bool:
    return (a.class_id, a.geometry, _tags(a.tags), a.description, a.extra) != (
        b.class_id, b.geometry, _tags(b.tags), b.description, b.extra)


def _tags(tags: tuple[Tag, ...]) -> dict[int, object]:
    return {t.meta_id: t.value for t in tags}


def _meta_changes(a: MetaState, b: MetaState) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    pairs = (("classes", a.classes, b.classes, "title"),
             ("tag_metas", a.tag_metas, b.tag_metas, "name"),
             ("datasets", a.datasets, b.datasets, "name"))
    for label, old, new, attr in pairs:
        added = [getattr(new[i], attr) for i in sorted(new.keys() - old.keys())]
        removed = [getattr(old[i], attr) for i in sorted(old.keys() - new.keys())]
        changed = [getattr(new[i], attr) for i in sorted(old.keys() & new.keys())
                   if old[i] != new[i]]
        if added or removed or changed:
            out[label] = [f"+{x}" for x in added] + [f"-{x}" for x in removed] + [
                f"~{x}" for x in changed]
    if a.extra != b.extra:
        out["project"] = ["~meta.json fields"]
    return out
