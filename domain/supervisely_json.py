"""Supervisely's JSON <-> the domain's values: objects, tags, annotations and meta.

Supervisely's annotation JSON is the wire shape of annotations everywhere: in project
folders (``ann/<item>.json``, ``meta.json``) and in the HTTP API. This one codec reads and
writes it for all of them, so whatever one accepts the others accept and write back the
same way. It only translates: geometries are kept as given (only the keys of the object's
shape) and checked by the domain when a command runs.

What the format allows is accepted as is: any integer as an object or class id (negative
and zero ones included; an absent or null object id is 0, "none yet"), tags given as bare
tag names, geometry keys that are null, objects of ``any`` classes without
``geometryType`` whose shape can be told from their keys. Classes and tag metas are named
by title / name, or else by id.

Every refusal is a :class:`~domain.errors.ValidationError` whose field is a dotted path
inside the parsed value (``objects[3].points``); callers prefix where it came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeGuard

from domain.errors import ValidationError
from domain.geometry.validate import GEOMETRY_KEYS, detect_shape
from domain.rules import ANY_SHAPE_KEY
from domain.state import ItemState, MetaState
from domain.values import SHAPES, TAG_VALUE_TYPES, AnnotationObject, ObjectClass, Tag, TagMeta

GEOMETRY_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(key for keys in GEOMETRY_KEYS.values() for key in keys)
)
"""Every top-level key of a Supervisely object that is part of some shape's geometry."""

LEGACY_TAG_LISTS = ("tags_images", "tags_objects")
"""Keys under which older ``meta.json`` files list the tag metas of images and objects."""


@dataclass(frozen=True, slots=True)
class Names:
    """A project's meta with its classes by title and tag metas by name: a reader of many
    annotations builds it once instead of searching the meta for every object."""

    meta: MetaState
    classes: dict[str, ObjectClass]
    tag_metas: dict[str, TagMeta]

    @classmethod
    def of(cls, meta: MetaState | Names) -> Names:
        if isinstance(meta, Names):
            return meta
        return cls(meta, {c.title: c for c in meta.classes.values()},
                   {t.name: t for t in meta.tag_metas.values()})


Meta = MetaState | Names
"""What reading an annotation takes: a project's meta, or its :class:`Names`."""


@dataclass(frozen=True, slots=True)
class Annotation:
    """An item's annotation; ``size`` is ``(width, height)`` when the JSON gives one."""

    size: tuple[int, int] | None
    tags: tuple[Tag, ...]
    objects: tuple[AnnotationObject, ...]
    description: str


@dataclass(frozen=True, slots=True)
class ObjectPatch:
    """What a partial object changes; None leaves a part as it is."""

    geometry: dict[str, Any] | None
    class_id: int | None
    tags: tuple[Tag, ...] | None


# -- writing -----------------------------------------------------------------------------


def annotation_json(meta: MetaState, item: ItemState) -> dict[str, Any]:
    """An item's annotation as ``ann/<item>.json`` holds it."""
    objects = []
    for i, obj in enumerate(item.objects):
        try:
            objects.append(object_json(meta, obj))
        except ValidationError as exc:
            raise exc.within(f"objects[{i}]") from None
    return {
        "description": item.description,
        "tags": tags_json(meta, item.tags),
        "size": {"height": item.media.height, "width": item.media.width},
        "objects": objects,
    }


def object_json(meta: MetaState, obj: AnnotationObject) -> dict[str, Any]:
    """An object as Supervisely writes it; its class and its tags' metas must exist."""
    cls = meta.classes.get(obj.class_id)
    if cls is None:
        raise ValidationError("classId", f"object {obj.id}: unknown class {obj.class_id}")
    geometry = dict(obj.geometry)
    carried = geometry.pop(ANY_SHAPE_KEY, None)
    shape: str | None = cls.shape
    if shape == "any":
        shape = carried if isinstance(carried, str) else detect_shape(geometry)
        if not shape:
            raise ValidationError("geometryType",
                                  f"object {obj.id}: no geometryType for an 'any' class")
    entry: dict[str, Any] = {
        "id": obj.id, "classId": cls.id, "classTitle": cls.title,
        "description": obj.description, "geometryType": shape,
        "labelerLogin": obj.labeler, "createdAt": obj.created_at, "updatedAt": obj.updated_at,
        "tags": tags_json(meta, obj.tags),
    }
    clash = sorted(set(geometry) & set(entry))
    if clash:
        raise ValidationError("geometry", f"object {obj.id}: non-geometry keys {clash}")
    entry.update(geometry)
    return entry


def tags_json(meta: MetaState, tags: tuple[Tag, ...]) -> list[dict[str, Any]]:
    out = []
    for i, tag in enumerate(tags):
        tm = meta.tag_metas.get(tag.meta_id)
        if tm is None:
            raise ValidationError(f"tags[{i}].tagId", f"unknown tag meta {tag.meta_id}")
        out.append({"tagId": tm.id, "name": tm.name, "value": tag.value,
                    "labelerLogin": tag.labeler, "createdAt": tag.created_at,
                    "updatedAt": tag.updated_at})
    return out


def meta_json(meta: MetaState) -> dict[str, Any]:
    """A project's classes and tag metas as ``meta.json`` holds them."""
    classes: list[dict[str, Any]] = []
    for cls in sorted(meta.classes.values(), key=lambda c: c.id):
        entry: dict[str, Any] = {"id": cls.id, "title": cls.title, "shape": cls.shape,
                                 "color": cls.color}
        if cls.geometry_config is not None:
            entry["geometry_config"] = cls.geometry_config
        classes.append(entry)
    tags = [
        {"id": t.id, "name": t.name, "value_type": t.value_type, "values": list(t.values),
         "color": t.color, "applicable_type": t.applicable_type, "classes": list(t.classes)}
        for t in sorted(meta.tag_metas.values(), key=lambda t: t.id)
    ]
    return {"classes": classes, "tags": tags, "projectType": "images"}


# -- reading annotations -----------------------------------------------------------------


def parse_annotation(meta: Meta, data: Any) -> Annotation:
    """A whole annotation: ``description``, ``tags``, ``objects`` and an optional ``size``."""
    names = Names.of(meta)
    body = mapping_at(data, "")
    size = body.get("size")
    dims: tuple[int, int] | None = None
    if size is not None:
        size = mapping_at(size, "size")
        for key in ("height", "width"):
            if not is_int(size.get(key)) or size[key] < 0:
                raise ValidationError(f"size.{key}", "must be a non-negative integer")
        dims = (size["width"], size["height"])
    objects = tuple(parse_object(names, obj, f"objects[{i}]")
                    for i, obj in enumerate(list_at(body, "objects", "")))
    return Annotation(dims, parse_tags(names, body.get("tags"), "tags"), objects,
                      text_at(body, "description", ""))


def parse_object(meta: Meta, data: Any, field: str = "object") -> AnnotationObject:
    """One object; its id is kept as given (0 when it has none)."""
    names = Names.of(meta)
    body = mapping_at(data, field)
    cls = _class(names, body, field)
    object_id = body.get("id")
    if object_id is None:
        object_id = 0
    elif not is_int(object_id):
        raise ValidationError(_at(field, "id"), "must be an integer")
    geometry = _geometry(cls, body, body.get("geometryType"), field)
    if geometry is None:
        keys = GEOMETRY_KEYS.get(cls.shape, ("points",))
        raise ValidationError(_at(field, keys[0]), "a geometry is required")
    return AnnotationObject(
        object_id, cls.id, geometry, parse_tags(names, body.get("tags"), _at(field, "tags")),
        text_at(body, "labelerLogin", field), text_at(body, "createdAt", field),
        text_at(body, "updatedAt", field), text_at(body, "description", field),
    )


def parse_object_patch(meta: Meta, current: AnnotationObject, data: Any,
                       field: str = "object") -> ObjectPatch:
    """A partial object: any of a class, a geometry and tags."""
    names = Names.of(meta)
    body = mapping_at(data, field)
    named = body.get("classId") is not None or body.get("classTitle") is not None
    cls = _class(names, body, field) if named else names.meta.classes.get(current.class_id)
    if cls is None:
        raise ValidationError(_at(field, "classId"),
                              f"class id {current.class_id} no longer exists")
    geometry = _geometry(cls, body, body.get("geometryType"), field)
    if geometry is None and cls.id != current.class_id:
        kept = dict(current.geometry)
        carried = kept.pop(ANY_SHAPE_KEY, None)
        was = names.meta.classes.get(current.class_id)
        if carried is None and was is not None and was.shape != "any":
            carried = was.shape
        geometry = _geometry(cls, kept, body.get("geometryType") or carried, field)
    tags = parse_tags(names, body["tags"], _at(field, "tags")) if "tags" in body else None
    return ObjectPatch(geometry, cls.id if named else None, tags)


def parse_tags(meta: Meta, data: Any, field: str) -> tuple[Tag, ...]:
    """Tags as objects (``name`` or ``tagId``, ``value``...) or as bare tag names."""
    names = Names.of(meta)
    tags = []
    for i, raw in enumerate(list_of(data, field)):
        where = f"{field}[{i}]"
        if isinstance(raw, str):
            raw = {"name": raw}
        elif not isinstance(raw, dict):
            raise ValidationError(where, "must be a tag name or a JSON object")
        name, tag_id = raw.get("name"), raw.get("tagId")
        tm = None
        if isinstance(name, str):
            tm = names.tag_metas.get(name)
        elif name is None and is_int(tag_id):
            tm = names.meta.tag_metas.get(tag_id)
        if tm is None:
            ref = name if name is not None else tag_id
            raise ValidationError(f"{where}.name", f"unknown tag {ref!r}")
        tags.append(Tag(tm.id, tag_value(raw.get("value"), f"{where}.value"),
                        text_at(raw, "labelerLogin", where), text_at(raw, "createdAt", where),
                        text_at(raw, "updatedAt", where)))
    return tuple(tags)


def tag_value(value: Any, field: str) -> str | float | None:
    if value is None or isinstance(value, str):
        return value
    if is_int(value) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValidationError(field, "must be a string, a finite number or null")


def _class(names: Names, body: dict[str, Any], field: str) -> ObjectClass:
    title, class_id = body.get("classTitle"), body.get("classId")
    cls = None
    if isinstance(title, str):
        cls = names.classes.get(title)
    elif title is None and is_int(class_id):
        cls = names.meta.classes.get(class_id)
    if cls is None:
        ref = title if title is not None else class_id
        raise ValidationError(_at(field, "classTitle"), f"unknown class {ref!r}")
    return cls


def _geometry(cls: ObjectClass, body: dict[str, Any], declared: Any,
              field: str) -> dict[str, Any] | None:
    """The object's geometry keys (nulls left out), only those of its shape; objects of
    ``any`` classes carry their shape, declared or detected. None when there are none."""
    if declared is not None and not isinstance(declared, str):
        raise ValidationError(_at(field, "geometryType"), "must be a string")
    geometry = {key: body[key] for key in GEOMETRY_FIELDS if body.get(key) is not None}
    if not geometry:
        return None
    shape = cls.shape
    if shape == "any":
        found = declared or detect_shape(geometry)
        if not found:
            raise ValidationError(_at(field, "geometryType"), "missing, and not detectable")
        shape = found
    elif declared and declared != shape:
        raise ValidationError(_at(field, "geometryType"),
                              f"{declared!r} contradicts class {cls.title!r} of shape "
                              f"{shape!r}")
    keys = GEOMETRY_KEYS.get(shape)
    if keys is not None:  # an unknown shape keeps all, for the domain to refuse it
        geometry = {key: value for key, value in geometry.items() if key in keys}
    if cls.shape == "any":
        geometry[ANY_SHAPE_KEY] = shape
    return geometry


# -- reading meta ------------------------------------------------------------------------


def parse_meta(data: Any) -> tuple[dict[int, ObjectClass], dict[int, TagMeta]]:
    """Classes and tag metas of a ``meta.json``; ids missing there become 1.., skipping
    taken ones. Older files list tag metas in ``tags_images`` and ``tags_objects`` (as
    objects or bare names; one name in both is one tag meta), instead of ``tags``."""
    body = mapping_at(data, "")
    return _classes(body), _tag_metas(body)


def _assign_ids(entries: list[dict[str, Any]], fields: list[str]) -> list[int]:
    taken: set[int] = set()
    for entry, field in zip(entries, fields, strict=True):
        if "id" in entry:
            if not is_int(entry["id"]):
                raise ValidationError(f"{field}.id", "must be an integer")
            if entry["id"] in taken:
                raise ValidationError(f"{field}.id", f"duplicate id {entry['id']}")
            taken.add(entry["id"])
    ids: list[int] = []
    fresh = 1
    for entry in entries:
        if "id" in entry:
            ids.append(entry["id"])
            continue
        while fresh in taken:
            fresh += 1
        taken.add(fresh)
        ids.append(fresh)
    return ids


def _entries(body: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], list[str]]:
    entries = list_at(body, key, "")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValidationError(f"{key}[{i}]", "must be a JSON object")
    return entries, [f"{key}[{i}]" for i in range(len(entries))]


def _classes(body: dict[str, Any]) -> dict[int, ObjectClass]:
    entries, fields = _entries(body, "classes")
    classes: dict[int, ObjectClass] = {}
    titles: set[str] = set()
    for cid, entry, field in zip(_assign_ids(entries, fields), entries, fields, strict=True):
        title = text_at(entry, "title", field)
        if not title:
            raise ValidationError(f"{field}.title", "missing")
        if title in titles:
            raise ValidationError(f"{field}.title", f"duplicate class {title!r}")
        titles.add(title)
        shape = text_at(entry, "shape", field)
        if shape not in SHAPES:
            raise ValidationError(f"{field}.shape", f"unknown shape {shape!r}")
        config = entry.get("geometry_config")
        if config is not None and not isinstance(config, dict):
            raise ValidationError(f"{field}.geometry_config", "must be a JSON object")
        color = text_at(entry, "color", field, "#000000")
        classes[cid] = ObjectClass(cid, title, shape, color, config or None)
    return classes


def _tag_entries(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The tag meta entries of ``tags``, or else of the older lists, with their fields."""
    if list_at(body, "tags", ""):
        for key in LEGACY_TAG_LISTS:
            if list_at(body, key, ""):
                raise ValidationError(key, "cannot be combined with 'tags': use one")
        return _entries(body, "tags")
    merged: dict[str, tuple[dict[str, Any], str]] = {}
    for key in LEGACY_TAG_LISTS:
        for i, raw in enumerate(list_at(body, key, "")):
            field = f"{key}[{i}]"
            entry = {"name": raw} if isinstance(raw, str) else raw
            if not isinstance(entry, dict):
                raise ValidationError(field, "must be a tag name or a JSON object")
            name = text_at(entry, "name", field)
            first = merged.setdefault(name, (entry, field))
            if first[1] != field and _definition(first[0]) != _definition(entry):
                raise ValidationError(field, f"tag {name!r} differs from its entry {first[1]}")
    return [entry for entry, _ in merged.values()], [field for _, field in merged.values()]


def _definition(entry: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two listings of one tag meta the same tag meta."""
    return entry.get("value_type") or "none", entry.get("values") or [], entry.get("id")


def _tag_metas(body: dict[str, Any]) -> dict[int, TagMeta]:
    entries, fields = _tag_entries(body)
    metas: dict[int, TagMeta] = {}
    names: set[str] = set()
    for tid, entry, field in zip(_assign_ids(entries, fields), entries, fields, strict=True):
        name = text_at(entry, "name", field)
        if not name:
            raise ValidationError(f"{field}.name", "missing")
        if name in names:
            raise ValidationError(f"{field}.name", f"duplicate tag {name!r}")
        names.add(name)
        value_type = text_at(entry, "value_type", field, "none")
        if value_type not in TAG_VALUE_TYPES:
            raise ValidationError(f"{field}.value_type", f"unknown value type {value_type!r}")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("values", "classes"):
            values = list_at(entry, key, field)
            if not all(isinstance(v, str) for v in values):
                raise ValidationError(f"{field}.{key}", "must be a list of strings")
            lists[key] = tuple(values)
        metas[tid] = TagMeta(tid, name, value_type, lists["values"],
                             text_at(entry, "color", field, "#000000"),
                             text_at(entry, "applicable_type", field, "all"), lists["classes"])
    return metas


# -- JSON helpers ------------------------------------------------------------------------


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer (Python's bools are ints, JSON's are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def mapping_at(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, "must be a JSON object")
    return value


def list_of(value: Any, field: str) -> list[Any]:
    """A list; null stands for an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list")
    return value


def list_at(body: dict[str, Any], key: str, field: str) -> list[Any]:
    return list_of(body.get(key), _at(field, key))


def text_at(body: dict[str, Any], key: str, field: str, default: str = "") -> str:
    """A string member; absent or null is ``default``."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationError(_at(field, key), "must be a string")
    return value


def _at(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key
