"""Supervisely's annotation JSON <-> annotation value objects (the HTTP API's format, and
what the Supervisely writer puts in ``ann/<item>.json``).

Pure functions over a project's meta: classes and tags are named by ``classTitle`` /
``name`` or by ``classId`` / ``tagId``; geometry keys are kept as given and validated by
the domain when the command runs. Every refusal is a ValidationError naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationError
from domain.geometry.validate import detect_shape
from domain.rules import ANY_SHAPE_KEY
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, MediaLink, ObjectClass, Tag

GEOMETRY_KEYS = ("points", "bitmap", "nodes", "edges", "faces", "vertices", "angle")


@dataclass(frozen=True, slots=True)
class Annotation:
    tags: tuple[Tag, ...]
    objects: tuple[AnnotationObject, ...]
    description: str


@dataclass(frozen=True, slots=True)
class ObjectPatch:
    """What a PATCH of an object changes; None leaves a part as it is."""

    geometry: dict[str, Any] | None
    class_id: int | None
    tags: tuple[Tag, ...] | None


# -- to JSON -----------------------------------------------------------------------------


def annotation_json(meta: MetaState, item: ItemState) -> dict[str, Any]:
    return {
        "description": item.description,
        "tags": tags_json(meta, item.tags),
        "size": {"height": item.media.height, "width": item.media.width},
        "objects": [object_json(meta, o) for o in item.objects],
    }


def object_json(meta: MetaState, obj: AnnotationObject) -> dict[str, Any]:
    """An object as Supervisely writes it; its class (and tags' metas) must exist."""
    cls = meta.classes.get(obj.class_id)
    if cls is None:
        raise ValidationError(f"object {obj.id}.class_id", f"unknown class {obj.class_id}")
    geometry = dict(obj.geometry)
    carried = geometry.pop(ANY_SHAPE_KEY, None)
    shape: str | None = cls.shape
    if shape == "any":
        shape = carried if isinstance(carried, str) else detect_shape(geometry)
        if not shape:
            raise ValidationError(f"object {obj.id}.geometry",
                                  "no geometryType for an 'any' class")
    entry = {
        "id": obj.id, "classId": cls.id, "classTitle": cls.title,
        "description": obj.description, "geometryType": shape,
        "labelerLogin": obj.labeler, "createdAt": obj.created_at, "updatedAt": obj.updated_at,
        "tags": tags_json(meta, obj.tags),
    }
    clash = sorted(set(geometry) & set(entry))
    if clash:
        raise ValidationError(f"object {obj.id}.geometry", f"non-geometry keys {clash}")
    entry.update(geometry)
    return entry


def tags_json(meta: MetaState, tags: tuple[Tag, ...]) -> list[dict[str, Any]]:
    out = []
    for t in tags:
        tm = meta.tag_metas.get(t.meta_id)
        if tm is None:
            raise ValidationError("tags.meta_id", f"unknown tag meta {t.meta_id}")
        out.append({"tagId": tm.id, "name": tm.name, "value": t.value,
                    "labelerLogin": t.labeler, "createdAt": t.created_at,
                    "updatedAt": t.updated_at})
    return out


# -- from JSON ---------------------------------------------------------------------------


def parse_annotation(meta: MetaState, data: Any, media: MediaLink) -> Annotation:
    """A whole annotation (``description``, ``tags``, ``objects``; ``size`` must match)."""
    body = _mapping(data, "annotation")
    size = body.get("size")
    if size is not None:
        size = _mapping(size, "size")
        if (size.get("width"), size.get("height")) != (media.width, media.height):
            raise ValidationError("size", f"the item's image is {media.width}x{media.height}")
    objects = tuple(parse_object(meta, o, f"objects[{i}]")
                    for i, o in enumerate(_list(body.get("objects"), "objects")))
    return Annotation(parse_tags(meta, body.get("tags"), "tags"), objects,
                      _text(body, "description", ""))


def parse_object(meta: MetaState, data: Any, field: str = "object") -> AnnotationObject:
    body = _mapping(data, field)
    cls = _class(meta, body, field)
    object_id = body.get("id") or 0
    if not _is_int(object_id) or object_id < 0:
        raise ValidationError(f"{field}.id", "must be a positive integer")
    return AnnotationObject(
        object_id, cls.id, _geometry(cls, body, field, required=True) or {},
        parse_tags(meta, body.get("tags"), f"{field}.tags"),
        _text(body, "labelerLogin", field), _text(body, "createdAt", field),
        _text(body, "updatedAt", field), _text(body, "description", field),
    )


def parse_object_patch(meta: MetaState, current: AnnotationObject, data: Any) -> ObjectPatch:
    """A partial object: any of a class, a geometry and tags."""
    body = _mapping(data, "object")
    named = any(k in body for k in ("classId", "classTitle"))
    cls = _class(meta, body, "object") if named else meta.classes.get(current.class_id)
    if cls is None:
        raise ValidationError("classId", f"class id {current.class_id} no longer exists")
    geometry = _geometry(cls, body, "object", required=False)
    if geometry is None and named and cls.id != current.class_id:
        geometry = dict(current.geometry)
    tags = parse_tags(meta, body["tags"], "tags") if "tags" in body else None
    return ObjectPatch(geometry, cls.id if named else None, tags)


def parse_tags(meta: MetaState, data: Any, field: str) -> tuple[Tag, ...]:
    tags = []
    for i, raw in enumerate(_list(data, field)):
        where = f"{field}[{i}]"
        body = _mapping(raw, where)
        tm = None
        if _is_int(body.get("tagId")):
            tm = meta.tag_metas.get(body["tagId"])
        elif isinstance(body.get("name"), str):
            tm = meta.tag_meta_by_name(body["name"])
        if tm is None:
            ref = body.get("tagId", body.get("name"))
            raise ValidationError(f"{where}.name", f"unknown tag {ref!r}")
        tags.append(Tag(tm.id, tag_value(body.get("value"), f"{where}.value"),
                        _text(body, "labelerLogin", where), _text(body, "createdAt", where),
                        _text(body, "updatedAt", where)))
    return tuple(tags)


def tag_value(value: Any, field: str) -> str | float | None:
    if value is None or isinstance(value, str):
        return value
    if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValidationError(field, "must be a string, a finite number or null")


def _class(meta: MetaState, body: dict[str, Any], field: str) -> ObjectClass:
    cls = None
    if _is_int(body.get("classId")):
        cls = meta.classes.get(body["classId"])
    elif isinstance(body.get("classTitle"), str):
        cls = meta.class_by_title(body["classTitle"])
    if cls is None:
        ref = body.get("classId", body.get("classTitle"))
        raise ValidationError(f"{field}.classTitle", f"unknown class {ref!r}")
    return cls


def _geometry(cls: ObjectClass, body: dict[str, Any], field: str, *,
              required: bool) -> dict[str, Any] | None:
    geometry = {k: body[k] for k in GEOMETRY_KEYS if k in body}
    declared = body.get("geometryType")
    if declared is not None and not isinstance(declared, str):
        raise ValidationError(f"{field}.geometryType", "must be a string")
    if not geometry:
        if required:
            raise ValidationError(f"{field}.points", "a geometry is required")
        return None
    if cls.shape == "any":
        shape = declared or detect_shape(geometry)
        if not shape:
            raise ValidationError(f"{field}.geometryType", "missing, and not detectable")
        geometry[ANY_SHAPE_KEY] = shape
    elif declared and declared != cls.shape:
        raise ValidationError(f"{field}.geometryType",
                              f"'{declared}' contradicts class '{cls.title}' of shape "
                              f"'{cls.shape}'")
    return geometry


def _mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, "must be a JSON object")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list")
    return value


def _text(body: dict[str, Any], key: str, field: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{field}.{key}" if field else key, "must be a string")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
