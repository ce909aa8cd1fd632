"""What an event changed, in a few words: the summaries of audit rows, history and replay.

An item is reduced to a :class:`ItemBrief` (per object: class, a geometry summary such as
``4 pts``, tags; the item's own name, dataset and tags) and a project's meta to its
:class:`Names`. Folding an event over a brief gives the next brief, so a reader that keeps
briefs (the audit index) can say what each event changed without loading any aggregate::

    class cat → dog          geometry: 4 pts → 5 pts        tags: none → cat
    added dog (2 pts)        +2 -1 ~3 objects; tags 0 → 1   version 3 'first pass'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.values import AnnotationObject, Tag

KINDS = {"Project": "project", "Item": "item", "AppSession": "session"}
"""Target kind by aggregate class; any other class is named in lower case."""
SAFE_FIELDS = ("name", "title", "app", "kind", "role", "status", "type", "ref", "done",
               "total")
"""Fields an unknown event may show in its summary (never secrets such as token hashes)."""


@dataclass(frozen=True, slots=True)
class ObjectBrief:
    class_id: int
    geometry: str
    tags: tuple[tuple[int, Any], ...] = ()


@dataclass(slots=True)
class ItemBrief:
    name: str = ""
    dataset_id: int = 0
    objects: dict[int, ObjectBrief] = field(default_factory=dict)
    tags: dict[int, Any] = field(default_factory=dict)
    removed: bool = False

    def as_json(self) -> list[Any]:
        objects = [[i, o.class_id, o.geometry, [list(t) for t in o.tags]]
                   for i, o in self.objects.items()]
        return [self.name, self.dataset_id, objects, list(self.tags.items()), self.removed]

    @classmethod
    def from_json(cls, data: list[Any]) -> ItemBrief:
        name, dataset_id, objects, tags, removed = data
        return cls(name, dataset_id, {
            i: ObjectBrief(c, g, tuple((m, v) for m, v in t)) for i, c, g, t in objects
        }, dict(tags), removed)


@dataclass(slots=True)
class Names:
    """Titles of a project's classes, tag metas and datasets, by id."""

    project: str = ""
    classes: dict[int, str] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    datasets: dict[int, str] = field(default_factory=dict)

    def cls(self, class_id: int) -> str:
        return self.classes.get(class_id, f"#{class_id}")

    def tag(self, meta_id: int) -> str:
        return self.tags.get(meta_id, f"#{meta_id}")

    def as_json(self) -> list[Any]:
        return [self.project, list(self.classes.items()), list(self.tags.items()),
                list(self.datasets.items())]

    @classmethod
    def from_json(cls, data: list[Any]) -> Names:
        return cls(data[0], dict(data[1]), dict(data[2]), dict(data[3]))


def event_kind(event: Any) -> str:
    """``Item.ObjectAdded``: the aggregate class and the event class."""
    return str(type(event).__qualname__)


def geometry_summary(geometry: dict[str, Any]) -> str:
    if "bitmap" in geometry:
        x, y = geometry["bitmap"].get("origin", (0, 0))
        return f"bitmap at ({x}, {y})"
    for key, word in (("nodes", "nodes"), ("vertices", "vertices")):
        if isinstance(geometry.get(key), dict):
            return f"{len(geometry[key])} {word}"
    points = geometry.get("points")
    if isinstance(points, dict):
        holes = len(points.get("interior") or ())
        text = f"{len(points.get('exterior') or ())} pts"
        return text + (f", {holes} hole{'s' * (holes > 1)}" if holes else "")
    return f"{len(points)} pts" if isinstance(points, list) else "geometry"


def _tags(tags: tuple[Tag, ...]) -> tuple[tuple[int, Any], ...]:
    return tuple(sorted(((t.meta_id, t.value) for t in tags), key=lambda p: p[0]))


def brief(obj: AnnotationObject) -> ObjectBrief:
    return ObjectBrief(obj.class_id, geometry_summary(obj.geometry), _tags(obj.tags))


def fold_item(before: ItemBrief | None, event: Any) -> ItemBrief:
    """The brief after an item event (a new brief; ``before`` is left as it was)."""
    name = event_kind(event).rpartition(".")[2]
    if name in ("Uploaded", "Revived") or before is None:
        return ItemBrief(getattr(event, "name", ""), getattr(event, "dataset_id", 0),
                         {o.id: brief(o) for o in getattr(event, "objects", ())},
                         dict(_tags(getattr(event, "tags", ()))))
    after = ItemBrief(before.name, before.dataset_id, dict(before.objects), dict(before.tags),
                      before.removed)
    objects = after.objects
    if name == "Moved":
        after.dataset_id, after.name = event.dataset_id, event.name
    elif name == "Removed":
        after.removed = True
    elif name == "AnnotationReplaced":
        after.objects = {o.id: brief(o) for o in event.objects}
        after.tags = dict(_tags(event.tags))
    elif name == "ObjectAdded":
        objects[event.obj.id] = brief(event.obj)
    elif name in ("ObjectGeometryChanged", "ObjectClassChanged") and event.object_id in objects:
        old = objects[event.object_id]
        objects[event.object_id] = ObjectBrief(getattr(event, "class_id", old.class_id),
                                               geometry_summary(event.geometry), old.tags)
    elif name == "ObjectTagsChanged" and event.object_id in objects:
        old = objects[event.object_id]
        objects[event.object_id] = ObjectBrief(old.class_id, old.geometry, _tags(event.tags))
    elif name == "ObjectRemoved":
        objects.pop(event.object_id, None)
    elif name == "TagSet":
        after.tags[event.tag.meta_id] = event.tag.value
    elif name == "TagRemoved":
        after.tags.pop(event.meta_id, None)
    return after


def _tag_list(tags: Any, names: Names) -> str:
    pairs = tags.items() if isinstance(tags, dict) else tags
    shown = [names.tag(m) + ("" if v is None else f"={v}") for m, v in pairs]
    return ", ".join(shown) or "none"


def describe_object(o: ObjectBrief, names: Names) -> str:
    return f"{names.cls(o.class_id)} ({o.geometry})"


def object_delta(a: ObjectBrief | None, b: ObjectBrief | None, names: Names) -> str:
    """One object's change: ``class cat → dog; geometry: 4 pts → 5 pts``."""
    if a is None:
        return "added " + describe_object(b, names) if b else ""
    if b is None:
        return "removed " + describe_object(a, names)
    parts = []
    if a.class_id != b.class_id:
        parts.append(f"class {names.cls(a.class_id)} → {names.cls(b.class_id)}")
    if a.geometry != b.geometry or (not parts and a.tags == b.tags):
        parts.append(f"geometry: {a.geometry} → {b.geometry}")
    if a.tags != b.tags:
        parts.append(f"tags: {_tag_list(a.tags, names)} → {_tag_list(b.tags, names)}")
    return "; ".join(parts)


def describe_item(event: Any, before: ItemBrief | None, after: ItemBrief, names: Names) -> str:
    name = event_kind(event).rpartition(".")[2]
    where = f"{names.datasets.get(after.dataset_id, after.dataset_id)}/{after.name}"
    if name in ("Uploaded", "Revived"):
        return (f"{name.lower()} {where}: {len(after.objects)} objects, "
                f"{len(after.tags)} tags")
    old = before or ItemBrief()
    object_id = getattr(event, "object_id", None) or getattr(getattr(event, "obj", None), "id",
                                                              None)
    if object_id is not None:
        text = object_delta(old.objects.get(object_id), after.objects.get(object_id), names)
        return text or name
    if name == "Moved":
        return f"{names.datasets.get(old.dataset_id, old.dataset_id)}/{old.name} → {where}"
    if name == "Removed":
        return f"removed {where} ({len(old.objects)} objects)"
    if name in ("TagSet", "TagRemoved"):
        meta_id = event.tag.meta_id if name == "TagSet" else event.meta_id
        return (f"tag {names.tag(meta_id)}: {_value(old.tags, meta_id)} → "
                f"{_value(after.tags, meta_id)}")
    added = len(after.objects.keys() - old.objects.keys())
    removed = len(old.objects.keys() - after.objects.keys())
    changed = sum(1 for i in old.objects.keys() & after.objects.keys()
                  if old.objects[i] != after.objects[i])
    return f"+{added} -{removed} ~{changed} objects; tags {len(old.tags)} → {len(after.tags)}"


def _value(tags: dict[int, Any], meta_id: int) -> str:
    if meta_id not in tags:
        return "—"
    return "set" if tags[meta_id] is None else str(tags[meta_id])


def changed_objects(before: ItemBrief | None, after: ItemBrief) -> list[int]:
    """Ids of the objects an item event added, removed or changed."""
    old = before.objects if before and not before.removed else {}
    new = {} if after.removed else after.objects
    return sorted(i for i in old.keys() | new.keys() if old.get(i) != new.get(i))
