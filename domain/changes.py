"""What an event changed, in a few words: the summaries of audit rows, the project log,
replay steps and an item's history (one set of functions, so every place says the same).

An item is reduced to an :class:`ItemBrief`, each of its objects to an
:class:`ObjectBrief`: the class, the geometry's points (so a summary can say where a
box's corners went, or how many points of a polygon moved and how far), the tags' values,
the labeler, and a fingerprint of every other field (description, tag details, times,
fields added to the value objects later). Any change to an object changes its brief, so
"every event that touched object N" is exact even for a change this module has no words
for, and its summary still says which field changed. A project's meta is reduced to its
:class:`Names`. Folding an event over a brief gives the next brief, so a reader that keeps
briefs (the audit index) says what each event changed without loading any aggregate, and
the brief built from an aggregate (:meth:`ItemBrief.of_fields`) equals the brief folded
up to it::

    class cat → lynx                      box (10,10)-(60,60) → (20,10)-(70,60)
    3 of 5 points moved (max 12.5 px)     tag color: red → blue; labeler Armen → bob
    +1 -0 ~2 objects: +7 added dog (4 pts); ~3 class cat → lynx; ~5 description changed

Fingerprints leave out fields at their default value, so adding a defaulted field to a
value object later does not make every stored brief look changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.values import AnnotationObject

KINDS = {"Project": "project", "Item": "item", "AppSession": "session"}
"""Target kind by aggregate class; any other class is named in lower case."""
SAFE_FIELDS = ("name", "title", "app", "kind", "role", "status", "type", "ref", "done",
               "total")
"""Fields an unknown event may show in its summary (never secrets such as token hashes)."""
NOT_CONTENT = frozenset({"originator_id", "originator_version", "timestamp", "actor",
                         "session_id", "originator_topic", "project_id", "id", "object_id",
                         "restored_from"})
"""Event and value fields that are not part of an item's or object's content."""
ANY_SHAPE_KEY = "geometryType"
"""Where an object of an ``any`` class keeps its concrete shape (as :mod:`domain.rules`)."""
DETAILED = 3
"""A replaced annotation details each changed object when it changed at most this many."""
LISTED = 12
"""Ids listed at most when it changed more."""
WORDS = {"info": "item info (img_info, meta) changed", "extra": "other fields changed",
         "media": "media link changed"}
"""What a change to a field known only by its fingerprint is called (else its name)."""

Point = tuple[float, float]


def fingerprint(value: Any) -> str:
    """A short hash of a value's content (dataclasses by their non-default fields)."""
    if type(value) is str:  # the common case (times, descriptions), without JSON
        return hashlib.blake2b(b"s" + value.encode("utf-8"), digest_size=8).hexdigest()
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain,
                      ensure_ascii=False)
    return hashlib.blake2b(data.encode("utf-8"), digest_size=8).hexdigest()


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                if getattr(value, f.name) != _default(f)}
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (tuple, list, dict))
                                            and not value)


def _tag_values(tags: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple(sorted(((t.meta_id, t.value) for t in tags), key=lambda p: p[0]))


def _tag_prints(tags: Iterable[Any]) -> dict[str, str]:
    """``tag:<meta id>`` → the fingerprint of the whole tag (its labeler and times too)."""
    return {f"tag:{t.meta_id}": fingerprint(t) for t in tags}


def _with_others(others: Mapping[str, str], key: str, value: Any) -> None:
    assert isinstance(others, dict)
    if _empty(value):
        others.pop(key, None)
    else:
        others[key] = fingerprint(value)


def _replace_tags(others: dict[str, str], tags: Iterable[Any]) -> None:
    for key in [k for k in others if k.startswith("tag:")]:
        del others[key]
    others.update(_tag_prints(tags))


# -- geometry ---------------------------------------------------------------------------

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


def _xy(value: Any) -> Point | None:
    if type(value) is dict:
        value = value.get("loc")
    try:
        x, y = value[0], value[1]
    except (TypeError, IndexError, KeyError):
        return None
    return (x, y) if type(x) in _NUMBERS and type(y) in _NUMBERS else None


_NUMBERS = (int, float)


def geometry_points(geometry: dict[str, Any]) -> tuple[Point, ...]:
    """Every point of a geometry in a fixed order (exterior, then each hole; graph nodes
    by id; a bitmap's origin), to say which of them moved."""
    found: list[Any] = []
    if isinstance(geometry.get("bitmap"), dict):
        found.append(geometry["bitmap"].get("origin"))
    for key in ("nodes", "vertices"):
        nodes = geometry.get(key)
        if isinstance(nodes, dict):
            found.extend(nodes[k] for k in sorted(nodes, key=str))
    points = geometry.get("points")
    if isinstance(points, dict):
        found.extend(points.get("exterior") or ())
        for ring in points.get("interior") or ():
            found.extend(ring or ())
    elif isinstance(points, list):
        found.extend(points)
    return tuple(p for p in map(_xy, found) if p is not None)


def _num(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.2f}".rstrip("0").rstrip(".")


def _pt(p: Point) -> str:
    return f"({_num(p[0])},{_num(p[1])})"


def pack_points(points: tuple[Point, ...]) -> str:
    """Points as compact text (``x,y;x,y``, numbers as ``repr`` writes them, exactly): a
    brief holds thousands of them for a large polygon, and text costs a fraction of the
    memory of tuples (briefs are cached by the index)."""
    return ";".join(f"{x!r},{y!r}" for x, y in points)


def unpack_points(text: str) -> tuple[Point, ...]:
    if not text:
        return ()
    return tuple((_number(x), _number(y)) for x, _, y in
                 (pair.partition(",") for pair in text.split(";")))


def _number(text: str) -> float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _shape_delta(a: ObjectBrief, b: ObjectBrief, shape: str) -> str:
    """How the geometry changed: corners of a box, a point's place, which points moved."""
    pa, pb = unpack_points(a.points), unpack_points(b.points)
    if a.geometry.startswith("bitmap") and b.geometry.startswith("bitmap") and pa and pb:
        if pa[0] != pb[0]:
            return f"mask at {_pt(pa[0])} → {_pt(pb[0])}"
        return f"mask redrawn at {_pt(pa[0])}"
    if shape == "rectangle" and len(pa) == len(pb) == 2:
        return f"box {_pt(pa[0])}-{_pt(pa[1])} → {_pt(pb[0])}-{_pt(pb[1])}"
    if shape == "point" and len(pa) == len(pb) == 1:
        return f"point {_pt(pa[0])} → {_pt(pb[0])}"
    if pa and len(pa) == len(pb):
        moved = [math.dist(p, q) for p, q in zip(pa, pb, strict=True) if p != q]
        if moved:
            word = "nodes" if a.geometry.endswith(("nodes", "vertices")) else "points"
            return f"{len(moved)} of {len(pa)} {word} moved (max {_num(round(max(moved), 2))} px)"
        return "geometry changed (same points)"
    if a.geometry != b.geometry:
        return f"geometry: {a.geometry} → {b.geometry}"
    return "geometry changed"


# -- briefs ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ObjectBrief:
    """What a summary needs of one object, and a fingerprint of the rest."""

    class_id: int
    geometry: str
    """A few words: ``4 pts``, ``bitmap at (3, 4)``, ``17 nodes``"""
    points: str = ""
    """Every point of the geometry (:func:`geometry_points`), packed (:func:`pack_points`)"""
    shape_print: str = ""
    """The fingerprint of the whole geometry (a bitmap's pixels too)"""
    kind: str = ""
    """The object's own shape, for an object of an ``any`` class"""
    tags: tuple[tuple[int, Any], ...] = ()
    labeler: str = ""
    others: tuple[tuple[str, str], ...] = ()
    """Every other field that is set, and each tag in full: (name, fingerprint)"""

    def with_fields(self, fields: Mapping[str, Any]) -> ObjectBrief:
        """The brief after the given :class:`AnnotationObject` fields changed."""
        class_id, geometry, points = self.class_id, self.geometry, self.points
        shape_print, kind, tags, labeler = self.shape_print, self.kind, self.tags, self.labeler
        others = dict(self.others)
        for key, value in fields.items():
            if key in NOT_CONTENT:
                continue
            if key == "class_id":
                class_id = value
            elif key == "geometry":
                geometry, points = geometry_summary(value), pack_points(geometry_points(value))
                shape_print, kind = fingerprint(value), str(value.get(ANY_SHAPE_KEY) or "")
            elif key == "tags":
                tags = _tag_values(value)
                _replace_tags(others, value)
            elif key == "labeler":
                labeler = value
            else:
                _with_others(others, key, value)
        return ObjectBrief(class_id, geometry, points, shape_print, kind, tags, labeler,
                           tuple(sorted(others.items())))

    @classmethod
    def of(cls, obj: AnnotationObject) -> ObjectBrief:
        return _NO_OBJECT.with_fields({f.name: getattr(obj, f.name)
                                       for f in dataclasses.fields(obj)})

    def as_json(self) -> list[Any]:
        return [self.class_id, self.geometry, self.points, self.shape_print,
                self.kind, [list(t) for t in self.tags], self.labeler,
                [list(o) for o in self.others]]

    @classmethod
    def from_json(cls, data: list[Any]) -> ObjectBrief:
        c, g, points, sp, kind, tags, labeler, others = data
        return cls(c, g, points, sp, kind,
                   tuple((m, v) for m, v in tags), labeler, tuple((k, v) for k, v in others))


_NO_OBJECT = ObjectBrief(0, "geometry")


def brief(obj: AnnotationObject) -> ObjectBrief:
    return ObjectBrief.of(obj)


@dataclass(slots=True)
class ItemBrief:
    name: str = ""
    dataset_id: int = 0
    objects: dict[int, ObjectBrief] = field(default_factory=dict)
    tags: dict[int, Any] = field(default_factory=dict)
    removed: bool = False
    others: dict[str, str] = field(default_factory=dict)
    """The description, each tag in full, the media link, any other field: fingerprints"""

    def copy(self) -> ItemBrief:
        return ItemBrief(self.name, self.dataset_id, dict(self.objects), dict(self.tags),
                         self.removed, dict(self.others))

    def with_content(self, fields: Mapping[str, Any]) -> ItemBrief:
        """A new brief with the given item fields (an ``ItemState``'s, or an event's)."""
        after = self.copy()
        for key, value in fields.items():
            if key in NOT_CONTENT:
                continue
            if key == "name":
                after.name = value
            elif key == "dataset_id":
                after.dataset_id = value
            elif key == "objects":
                after.objects = {o.id: ObjectBrief.of(o) for o in value}
            elif key == "tags":
                after.tags = dict(_tag_values(value))
                _replace_tags(after.others, value)
            elif key == "removed":
                after.removed = bool(value)
            else:
                _with_others(after.others, key, value)
        return after

    @classmethod
    def of_fields(cls, fields: Mapping[str, Any], removed: bool = False) -> ItemBrief:
        """The brief of an item whose content is ``fields`` (an aggregate's state)."""
        made = cls().with_content(fields)
        made.removed = removed
        return made

    def as_json(self) -> list[Any]:
        return [self.name, self.dataset_id,
                [[i, *o.as_json()] for i, o in self.objects.items()],
                list(self.tags.items()), self.removed, sorted(self.others.items())]

    @classmethod
    def from_json(cls, data: list[Any]) -> ItemBrief:
        name, dataset_id, objects, tags, removed, others = data
        return cls(name, dataset_id, {o[0]: ObjectBrief.from_json(o[1:]) for o in objects},
                   {m: v for m, v in tags}, removed, dict(others))


@dataclass(slots=True)
class Names:
    """A project's name and the titles of its classes, tag metas and datasets, by id."""

    project: str = ""
    classes: dict[int, str] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    datasets: dict[int, str] = field(default_factory=dict)
    shapes: dict[int, str] = field(default_factory=dict)
    """Each class's shape"""
    parents: dict[int, int] = field(default_factory=dict)
    """The parent of each nested dataset"""

    def cls(self, class_id: int) -> str:
        return self.classes.get(class_id, f"#{class_id}")

    def tag(self, meta_id: int) -> str:
        return self.tags.get(meta_id, f"#{meta_id}")

    def dataset_path(self, dataset_id: int) -> str:
        """``parent/child``, as Supervisely nests datasets (``#7`` for an unknown one)."""
        parts: list[str] = []
        current: int | None = dataset_id
        while current is not None and len(parts) <= len(self.datasets):
            parts.append(self.datasets.get(current, f"#{current}"))
            current = self.parents.get(current)
        return "/".join(reversed(parts))

    def item_path(self, item: ItemBrief) -> str:
        return f"{self.dataset_path(item.dataset_id)}/{item.name}"

    def copy(self) -> Names:
        return Names(self.project, dict(self.classes), dict(self.tags), dict(self.datasets),
                     dict(self.shapes), dict(self.parents))

    def as_json(self) -> list[Any]:
        return [self.project, list(self.classes.items()), list(self.tags.items()),
                list(self.datasets.items()), list(self.shapes.items()),
                list(self.parents.items())]

    @classmethod
    def from_json(cls, data: list[Any]) -> Names:
        return cls(data[0], dict(data[1]), dict(data[2]), dict(data[3]), dict(data[4]),
                   dict(data[5]))


def event_kind(event: Any) -> str:
    """``Item.ObjectAdded``: the aggregate class and the event class."""
    return str(type(event).__qualname__)


def _content(event: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(event).items() if k not in NOT_CONTENT}


def _object_of(event: Any) -> int | None:
    obj = getattr(event, "obj", None)
    object_id = obj.id if obj is not None else getattr(event, "object_id", None)
    return object_id if isinstance(object_id, int) else None


def fold_item(before: ItemBrief | None, event: Any) -> ItemBrief:
    """The brief after an item event (a new brief; ``before`` is left as it was).

    Events this module does not know are folded by their fields: one naming an object
    changes the object's fields of the same names, any other the item's."""
    name = event_kind(event).rpartition(".")[2]
    if name in ("Uploaded", "Revived", "Restored") or before is None:
        return ItemBrief.of_fields(_content(event))
    if name == "Moved":
        after = before.copy()
        after.dataset_id, after.name = event.dataset_id, event.name
        return after
    if name == "Removed":
        after = before.copy()
        after.removed = True
        return after
    if name == "TagSet":
        after = before.copy()
        after.tags[event.tag.meta_id] = event.tag.value
        after.others.update(_tag_prints((event.tag,)))
        return after
    if name == "TagRemoved":
        after = before.copy()
        after.tags.pop(event.meta_id, None)
        after.others.pop(f"tag:{event.meta_id}", None)
        return after
    object_id = _object_of(event)
    if object_id is None:
        return before.with_content(_content(event))
    after = before.copy()
    if name == "ObjectAdded":
        after.objects[object_id] = ObjectBrief.of(event.obj)
    elif name == "ObjectRemoved":
        after.objects.pop(object_id, None)
    elif object_id in after.objects:
        after.objects[object_id] = after.objects[object_id].with_fields(_content(event))
    return after


def changed_objects(before: ItemBrief | None, after: ItemBrief) -> list[int]:
    """Ids of the objects an item event added, removed or changed in any field."""
    old = before.objects if before and not before.removed else {}
    new = {} if after.removed else after.objects
    return sorted(i for i in old.keys() | new.keys() if old.get(i) != new.get(i))


# -- words ------------------------------------------------------------------------------

def plural(n: int, word: str) -> str:
    """``1 object``, ``2 objects``, ``3 classes``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"


def describe_object(o: ObjectBrief, names: Names) -> str:
    return f"{names.cls(o.class_id)} ({o.geometry})"


def _value(tags: Mapping[int, Any], meta_id: int) -> str:
    if meta_id not in tags:
        return "—"
    return "set" if tags[meta_id] is None else str(tags[meta_id])


def tag_deltas(a: Mapping[int, Any], b: Mapping[int, Any], names: Names) -> list[str]:
    """``tag color: red → blue`` for each tag whose value came, went or changed."""
    return [f"tag {names.tag(m)}: {_value(a, m)} → {_value(b, m)}"
            for m in sorted(a.keys() | b.keys())
            if (m in a) != (m in b) or a.get(m) != b.get(m)]


def _others_deltas(a: Mapping[str, str], b: Mapping[str, str], told: set[int],
                   names: Names, quiet: bool) -> list[str]:
    """Fields known only by their fingerprints: ``description changed``. A tag whose value
    was already told is not told again; ``updated at`` is told only when nothing else
    changed (every edit moves it)."""
    parts = []
    for key in sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)):
        if key.startswith("tag:"):
            meta_id = int(key[4:])
            if meta_id not in told:
                parts.append(f"tag {names.tag(meta_id)} details changed")
        elif key != "updated_at":
            parts.append(WORDS.get(key, f"{key.replace('_', ' ')} changed"))
    if not (quiet or parts) and a.get("updated_at") != b.get("updated_at"):
        parts.append("updated at changed")
    return parts


def _told(a: Mapping[int, Any], b: Mapping[int, Any]) -> set[int]:
    return {m for m in a.keys() | b.keys() if (m in a) != (m in b) or a.get(m) != b.get(m)}


def object_delta(a: ObjectBrief | None, b: ObjectBrief | None, names: Names) -> str:
    """One object's change: ``class cat → lynx; 2 of 4 points moved (max 3 px)``."""
    if a is None:
        return "added " + describe_object(b, names) if b else ""
    if b is None:
        return "removed " + describe_object(a, names)
    parts = []
    if a.class_id != b.class_id:
        parts.append(f"class {names.cls(a.class_id)} → {names.cls(b.class_id)}")
    if a.shape_print != b.shape_print:
        parts.append(_shape_delta(a, b, b.kind or names.shapes.get(b.class_id, "")))
    ta, tb = dict(a.tags), dict(b.tags)
    parts += tag_deltas(ta, tb, names)
    if a.labeler != b.labeler:
        parts.append(f"labeler {a.labeler or '—'} → {b.labeler or '—'}")
    parts += _others_deltas(dict(a.others), dict(b.others), _told(ta, tb), names,
                            quiet=bool(parts))
    return "; ".join(parts)


def _annotation_delta(old: ItemBrief, new: ItemBrief, names: Names) -> str:
    """A whole annotation replaced: objects added, removed and changed (with their ids),
    then the item's tags, description and other fields."""
    added = sorted(new.objects.keys() - old.objects.keys())
    removed = sorted(old.objects.keys() - new.objects.keys())
    changed = sorted(i for i in old.objects.keys() & new.objects.keys()
                     if old.objects[i] != new.objects[i])
    parts = []
    if added or removed or changed:
        head = f"+{len(added)} -{len(removed)} ~{len(changed)} objects"
        marked = ([("+", i) for i in added] + [("-", i) for i in removed]
                  + [("~", i) for i in changed])
        if len(marked) <= DETAILED:
            head += ": " + "; ".join(
                f"{m}{i} " + (describe_object(new.objects[i], names) if m == "+" else
                              describe_object(old.objects[i], names) if m == "-" else
                              object_delta(old.objects[i], new.objects[i], names))
                for m, i in marked)
        else:
            shown = " ".join(f"{m}{i}" for m, i in marked[:LISTED])
            more = len(marked) - LISTED
            head += f" ({shown}{f' and {more} more' if more > 0 else ''})"
        parts.append(head)
    parts += tag_deltas(old.tags, new.tags, names)
    parts += _others_deltas(old.others, new.others, _told(old.tags, new.tags), names,
                            quiet=bool(parts))
    return "; ".join(parts)


def describe_item(event: Any, before: ItemBrief | None, after: ItemBrief, names: Names) -> str:
    name = event_kind(event).rpartition(".")[2]
    where = names.item_path(after)
    if name in ("Uploaded", "Revived", "Restored"):
        return (f"{name.lower()} {where}: {plural(len(after.objects), 'object')}, "
                f"{plural(len(after.tags), 'tag')}")
    old = before or ItemBrief()
    if name == "Moved":
        return f"{names.item_path(old)} → {where}"
    if name == "Removed":
        return f"removed {where} ({plural(len(old.objects), 'object')})"
    object_id = _object_of(event)
    if object_id is not None:
        text = object_delta(old.objects.get(object_id), after.objects.get(object_id), names)
    elif name in ("TagSet", "TagRemoved"):
        meta_id = event.tag.meta_id if name == "TagSet" else event.meta_id
        told = tag_deltas(old.tags, after.tags, names)
        text = "; ".join(told) or (f"tag {names.tag(meta_id)} details changed"
                                   if old.others != after.others else "")
    elif name == "InfoChanged":  # img_info / meta / unmodelled fields: opaque data
        text = f"Supervisely data of {where} replaced ({_info_parts(event.info)})"
    else:
        text = _annotation_delta(old, after, names)
    return text or f"{name}: nothing changed"


def _info_parts(info: Any) -> str:
    """Which parts an item's format data (:class:`~domain.values.ItemInfo`) holds."""
    if info is None:
        return "none left"
    parts = [label for label, held in (
        ("ids and times", (info.id, info.created_at, info.updated_at) != (None, None, None)),
        ("meta", bool(info.meta)), ("img_info fields", bool(info.info_extra)),
        ("annotation fields", bool(info.ann_extra))) if held]
    return ", ".join(parts) or "none left"
