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

Nothing the format carries is dropped: fields of an annotation, an object, a tag, a
class, a tag meta or ``meta.json`` that are not modelled are kept as given in the value's
``extra`` (an object's geometry keys of other shapes included, unless null: the older
layout's way of saying "none") and written back beside the modelled ones, which win a
clash. ``img_info/<item>.json`` (Supervisely's
ImageInfo) is read and written here too: its ``hash`` is the base64 of the sha256 whose
hex the media link holds.

Every refusal is a :class:`~domain.errors.ValidationError` whose field is a dotted path
inside the parsed value (``objects[3].points``); callers prefix where it came from.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeGuard

from domain.errors import ValidationError
from domain.geometry.validate import GEOMETRY_KEYS, detect_shape
from domain.media_policy import is_name
from domain.rules import ANY_SHAPE_KEY, keeping_shape
from domain.state import ItemState, MetaState
from domain.values import (
    SHAPES,
    TAG_VALUE_TYPES,
    AnnotationObject,
    ItemInfo,
    MediaLink,
    ObjectClass,
    Tag,
    TagMeta,
)

GEOMETRY_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(key for keys in GEOMETRY_KEYS.values() for key in keys)
)
"""Every top-level key of a Supervisely object that is part of some shape's geometry."""

LEGACY_TAG_LISTS = ("tags_images", "tags_objects")
"""Keys under which older ``meta.json`` files list the tag metas of images and objects."""

ANNOTATION_FIELDS = frozenset({"description", "tags", "size", "objects"})
OBJECT_FIELDS = frozenset({"id", "classId", "classTitle", "description", "geometryType",
                           "labelerLogin", "createdAt", "updatedAt", "tags"})
"""An object's modelled fields besides its geometry keys."""
OBJECT_TEXTS = ("labelerLogin", "createdAt", "updatedAt", "description")
"""An object's text fields, in the order :class:`~domain.values.AnnotationObject` has them."""
TAG_FIELDS = frozenset({"id", "tagId", "name", "value", "labelerLogin", "createdAt",
                        "updatedAt"})
CLASS_FIELDS = frozenset({"id", "title", "shape", "color", "geometry_config"})
TAG_META_FIELDS = frozenset({"id", "name", "value_type", "values", "color", "applicable_type",
                             "classes"})
META_FIELDS = frozenset({"classes", "tags", *LEGACY_TAG_LISTS})
PROJECT_TYPE = "images"
"""The ``projectType`` of every project annoledger holds, written when ``meta.json`` says
none: older files say none, and a project's digest does not depend on that."""
IMAGE_INFO_FIELDS = frozenset({"id", "name", "link", "hash", "size", "width", "height",
                               "created_at", "updated_at", "meta"})
"""The ImageInfo fields the model holds: the item's name and media link, and
:class:`~domain.values.ItemInfo`. Any other is kept in ``ItemInfo.info_extra``."""


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
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Top-level fields not modelled (``key``, ``customBigData``...), as given."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """``img_info/<item>.json`` as read: the modelled fields (None: absent or null; the
    hash already as hex, ``""`` for none) and the others as given."""

    id: int | None
    link: str | None
    sha256: str
    size: int | None
    width: int | None
    height: int | None
    created_at: str | None
    updated_at: str | None
    meta: dict[str, Any] | None
    extra: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MetaParts:
    """A ``meta.json``: classes and tag metas by id, and its fields not modelled."""

    classes: dict[int, ObjectClass]
    tag_metas: dict[int, TagMeta]
    extra: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectPatch:
    """What a partial object changes; None leaves a part as it is. An empty
    ``updated_at`` is none given: the change is dated (see :func:`domain.item.stamped`)."""

    geometry: dict[str, Any] | None
    class_id: int | None
    tags: tuple[Tag, ...] | None
    labeler: str | None = None
    description: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    extra: dict[str, Any] | None = None


PATCH_FIELDS: tuple[str, ...] = (
    "id", "classId", "classTitle", "geometryType", "description", "labelerLogin",
    "createdAt", "updatedAt", "tags", *GEOMETRY_FIELDS,
)
"""The fields a partial object may give, besides the unmodelled ones the object already
carries (its ``extra``): an object's own, as :func:`object_json` writes them, so an object
read can be sent back changed. Any other is refused: a field the server would not apply
must not be answered with a success."""


# -- writing -----------------------------------------------------------------------------


def annotation_json(meta: MetaState, item: ItemState) -> dict[str, Any]:
    """An item's annotation as ``ann/<item>.json`` holds it."""
    objects = []
    for i, obj in enumerate(item.objects):
        try:
            objects.append(object_json(meta, obj))
        except ValidationError as exc:
            raise exc.within(f"objects[{i}]") from None
    extra = item.info.ann_extra if item.info is not None else {}
    return _beside({
        "description": item.description,
        "tags": tags_json(meta, item.tags),
        "size": {"height": item.media.height, "width": item.media.width},
        "objects": objects,
    }, extra)


def object_json(meta: MetaState, obj: AnnotationObject) -> dict[str, Any]:
    """An object as Supervisely writes it; its class and its tags' metas must exist."""
    cls = meta.classes.get(obj.class_id)
    if cls is None:
        raise ValidationError("classId", f"object {obj.id}: unknown class {obj.class_id}")
    geometry, carried = obj.geometry, None
    if ANY_SHAPE_KEY in geometry:  # copied only then: most objects are written as stored
        geometry = dict(geometry)
        carried = geometry.pop(ANY_SHAPE_KEY)
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
        "tags": tags_json(meta, obj.tags) if obj.tags else [],
    }
    if not entry.keys().isdisjoint(geometry):
        clash = sorted(set(geometry) & set(entry))
        raise ValidationError("geometry", f"object {obj.id}: non-geometry keys {clash}")
    entry.update(geometry)
    return _beside(entry, obj.extra)


def tags_json(meta: MetaState, tags: tuple[Tag, ...]) -> list[dict[str, Any]]:
    out = []
    for i, tag in enumerate(tags):
        tm = meta.tag_metas.get(tag.meta_id)
        if tm is None:
            raise ValidationError(f"tags[{i}].tagId", f"unknown tag meta {tag.meta_id}")
        entry: dict[str, Any] = {} if tag.id is None else {"id": tag.id}
        entry.update({"tagId": tm.id, "name": tm.name, "value": tag.value,
                      "labelerLogin": tag.labeler, "createdAt": tag.created_at,
                      "updatedAt": tag.updated_at})
        out.append(_beside(entry, tag.extra))
    return out


def meta_json(meta: MetaState) -> dict[str, Any]:
    """A project's classes and tag metas as ``meta.json`` holds them."""
    classes: list[dict[str, Any]] = []
    for cls in sorted(meta.classes.values(), key=lambda c: c.id):
        entry: dict[str, Any] = {"id": cls.id, "title": cls.title, "shape": cls.shape,
                                 "color": cls.color}
        if cls.geometry_config is not None:
            entry["geometry_config"] = cls.geometry_config
        classes.append(_beside(entry, cls.extra))
    tags = []
    for t in sorted(meta.tag_metas.values(), key=lambda t: t.id):
        entry = {"id": t.id, "name": t.name, "value_type": t.value_type, "color": t.color,
                 "applicable_type": t.applicable_type, "classes": list(t.classes)}
        if t.values or t.value_type == "oneof_string":  # as Supervisely writes them
            entry["values"] = list(t.values)
        tags.append(_beside(entry, t.extra))
    return _beside({"classes": classes, "tags": tags},
                   {"projectType": PROJECT_TYPE, **meta.extra})


def image_info_json(item: ItemState) -> dict[str, Any]:
    """The item as ``img_info/<item>.json`` holds it (Supervisely's ImageInfo): its name,
    media link and :class:`~domain.values.ItemInfo`, then the fields kept as given.

    ``link`` is the media's URI, whatever it locates (a remote object, the media store,
    a file of the operator's), so that an export read back links the same bytes; null
    when the media is only the item's name. An unknown hash (``""``) or size (0) is
    null."""
    info = item.info if item.info is not None else ItemInfo()
    out: dict[str, Any] = {"id": info.id, "name": item.name, **media_info_json(item.media),
                           "created_at": info.created_at, "updated_at": info.updated_at,
                           "meta": info.meta}
    out.update(info.info_extra)
    return out


def media_info_json(media: MediaLink) -> dict[str, Any]:
    """The ImageInfo fields a media link gives (see :func:`image_info_json`)."""
    return {"link": None if is_name(media.uri) else media.uri, "hash": hash_of(media.sha256),
            "size": media.size or None, "width": media.width, "height": media.height}


def hash_of(sha256: str) -> str | None:
    """Supervisely's ``hash`` (base64 of the digest) of a hex sha256; None for ``""``."""
    return base64.b64encode(bytes.fromhex(sha256)).decode("ascii") if sha256 else None


def sha256_of(value: str, field: str) -> str:
    """The hex sha256 of a Supervisely ``hash`` (base64 of the 32 bytes of a sha256)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValidationError(field, "must be the base64 of a sha256 (32 bytes)")
    return raw.hex()


def item_info(image: ImageInfo | None, meta: dict[str, Any],
              ann_extra: dict[str, Any]) -> ItemInfo | None:
    """What an item keeps of its ``img_info`` (``image.extra`` already holding what its
    media link could not take), its own ``meta`` and its annotation's unmodelled fields;
    None when that is nothing."""
    found = ItemInfo(
        image.id if image else None, image.created_at if image else None,
        image.updated_at if image else None, meta, image.extra if image else {}, ann_extra,
    )
    return None if found == ItemInfo() else found


def with_annotation_extra(info: ItemInfo | None, extra: dict[str, Any]) -> ItemInfo | None:
    """``info`` holding ``extra`` as its annotation's unmodelled fields (a whole annotation
    sent over HTTP replaces them, as it replaces the rest); None when that is nothing."""
    found = dataclasses.replace(info or ItemInfo(), ann_extra=extra)
    return None if found == ItemInfo() else found


# -- reading annotations -----------------------------------------------------------------


def parse_annotation(meta: Meta, data: Any,
                     current: Mapping[int, AnnotationObject] | None = None) -> Annotation:
    """A whole annotation: ``description``, ``tags``, ``objects`` and an optional ``size``.
    ``current``: the objects it replaces, by id; one of them given a class of another
    shape is refused naming the class field (see :func:`parse_object`)."""
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
    objects = tuple(parse_object(names, obj, f"objects[{i}]", current)
                    for i, obj in enumerate(list_at(body, "objects", "")))
    return Annotation(dims, parse_tags(names, body.get("tags"), "tags"), objects,
                      text_at(body, "description", ""), _extra(body, ANNOTATION_FIELDS, ""))


def parse_object(meta: Meta, data: Any, field: str = "object",
                 current: Mapping[int, AnnotationObject] | None = None) -> AnnotationObject:
    """One object; its id is kept as given (0 when it has none). When ``current`` holds an
    object of that id, a class of another shape is refused on the class field before the
    geometry is read (:func:`domain.rules.keeping_shape`): a PUT and a PATCH that change
    an object's class refuse it alike. Fields neither modelled nor in its geometry (other
    shapes' geometry keys that are not null included) go to its ``extra``."""
    names = Names.of(meta)
    body = mapping_at(data, field)
    cls = _class(names, body, field)
    object_id = body.get("id")
    if object_id is None:
        object_id = 0
    elif not is_int(object_id):
        raise ValidationError(_at(field, "id"), "must be an integer")
    elif object_id not in STORABLE_INTS:
        raise ValidationError(_at(field, "id"), "an integer beyond 64 bits cannot be stored")
    if current is not None and object_id in current:
        _keep_shape(names, current[object_id], cls, body, field)
    geometry = _geometry(cls, body, body.get("geometryType"), field)
    if geometry is None:
        keys = GEOMETRY_KEYS.get(cls.shape, ("points",))
        raise ValidationError(_at(field, keys[0]), "a geometry is required")
    texts: list[Any] = [body.get(key) for key in OBJECT_TEXTS]
    if not all(type(text) is str for text in texts):  # absent, null or wrong: one by one
        texts = [text_at(body, key, field) for key in OBJECT_TEXTS]
    tags = body.get("tags")
    unmodelled = body.keys() - OBJECT_FIELDS
    extra = {} if unmodelled <= geometry.keys() else _extra(
        body, OBJECT_FIELDS | set(geometry)
        | {k for k in GEOMETRY_FIELDS if k in body and body[k] is None}, field)
    labeler, created_at, updated_at, description = texts
    return AnnotationObject(
        object_id, cls.id, geometry,
        () if tags is None or tags == [] else parse_tags(names, tags, _at(field, "tags")),
        labeler, created_at, updated_at, description, extra,
    )


def parse_object_patch(meta: Meta, current: AnnotationObject, data: Any,
                       field: str = "object") -> ObjectPatch:
    """A partial object: any of its fields (:data:`PATCH_FIELDS`, and the unmodelled ones
    it carries); what it leaves out stays. An ``id`` must be the object's own; a class of
    another shape is refused on the class field (an object keeps its shape); null text
    fields are empty."""
    names = Names.of(meta)
    body = mapping_at(data, field)
    extra = _extra(body, set(PATCH_FIELDS))
    for key in extra:
        if key not in current.extra:
            raise ValidationError(_at(field, key), "not a field of an object (known: "
                                                   f"{', '.join(PATCH_FIELDS)})")
    if body.get("id") is not None and body["id"] != current.id:
        raise ValidationError(_at(field, "id"), f"is {current.id}: an object keeps its id")
    named = body.get("classId") is not None or body.get("classTitle") is not None
    cls = _class(names, body, field) if named else names.meta.classes.get(current.class_id)
    if cls is None:
        raise ValidationError(_at(field, "classId"),
                              f"class id {current.class_id} no longer exists")
    _keep_shape(names, current, cls, body, field)
    geometry = _geometry(cls, body, body.get("geometryType"), field)
    tags = parse_tags(names, body["tags"], _at(field, "tags")) if "tags" in body else None

    def text(key: str) -> str | None:
        return text_at(body, key, field) if key in body else None

    return ObjectPatch(geometry, cls.id if named else None, tags, text("labelerLogin"),
                       text("description"), text("createdAt"), text("updatedAt"),
                       {**current.extra, **extra} if extra else None)


def _keep_shape(names: Names, current: AnnotationObject, cls: ObjectClass,
                body: dict[str, Any], field: str) -> None:
    """Refuse, on the class field the body names, a class that changes ``current``'s
    shape (for an ``any`` class: the shape the body declares, if any)."""
    declared = body.get("geometryType")
    probe = {ANY_SHAPE_KEY: declared} if cls.shape == "any" and isinstance(declared, str) else {}
    try:
        keeping_shape(names.meta, current, replace(current, class_id=cls.id, geometry=probe))
    except ValidationError as exc:
        key = "classTitle" if body.get("classTitle") is not None else "classId"
        raise ValidationError(_at(field, key), exc.message) from None


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
        own_id = raw.get("id")
        if own_id is not None and (not is_int(own_id) or own_id not in STORABLE_INTS):
            raise ValidationError(f"{where}.id", "must be a 64-bit integer")
        tags.append(Tag(tm.id, tag_value(raw.get("value"), f"{where}.value"),
                        text_at(raw, "labelerLogin", where), text_at(raw, "createdAt", where),
                        text_at(raw, "updatedAt", where), own_id,
                        _extra(raw, TAG_FIELDS, where)))
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
    geometry = {key: body[key] for key in GEOMETRY_FIELDS
                if key in body and body[key] is not None}
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


def parse_meta(data: Any) -> MetaParts:
    """Classes and tag metas of a ``meta.json``; ids missing there become 1.., skipping
    taken ones. Older files list tag metas in ``tags_images`` and ``tags_objects`` (as
    objects or bare names; one name in both is one tag meta), instead of ``tags``."""
    body = mapping_at(data, "")
    extra = _extra(body, META_FIELDS)
    if extra.get("projectType") == PROJECT_TYPE:  # what the writer writes when none is kept
        del extra["projectType"]
    return MetaParts(_classes(body), _tag_metas(body), extra)


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
        extra = _extra(entry, CLASS_FIELDS, field)
        if "geometry_config" in entry and not config:  # null or {}: kept as given
            extra["geometry_config"] = config
        classes[cid] = ObjectClass(cid, title, shape, color, config or None, extra)
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
        extra = _extra(entry, TAG_META_FIELDS, field)
        if "values" in entry and not lists["values"] and value_type != "oneof_string":
            extra["values"] = entry["values"]  # what the writer leaves out: kept as given
        metas[tid] = TagMeta(tid, name, value_type, lists["values"],
                             text_at(entry, "color", field, "#000000"),
                             text_at(entry, "applicable_type", field, "all"), lists["classes"],
                             extra)
    return metas


# -- reading img_info --------------------------------------------------------------------


def parse_image_info(data: Any, name: str) -> ImageInfo:
    """``img_info/<name>.json``: its ``name`` must be ``name``; a null or absent modelled
    field is None; the fields not modelled are kept as given."""
    body = mapping_at(data, "")
    given = body.get("name")
    if given is not None and given != name:
        raise ValidationError("name", f"{given!r} is not the item's name {name!r}")
    ints: dict[str, int | None] = {}
    for key in ("id", "size", "width", "height"):
        value = body.get(key)
        if value is not None and (not is_int(value) or (key != "id" and value < 0)
                                  or value not in STORABLE_INTS):
            raise ValidationError(key, "must be a 64-bit integer" if key == "id"
                                  else "must be a non-negative 64-bit integer")
        ints[key] = value
    texts: dict[str, str | None] = {}
    for key in ("link", "created_at", "updated_at"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise ValidationError(key, "must be a string")
        texts[key] = value
    digest = body.get("hash")
    if digest is not None and not isinstance(digest, str):
        raise ValidationError("hash", "must be a string")
    meta = body.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ValidationError("meta", "must be a JSON object")
    return ImageInfo(ints["id"], texts["link"], sha256_of(digest, "hash") if digest else "",
                     ints["size"], ints["width"], ints["height"], texts["created_at"],
                     texts["updated_at"], storable(meta, "meta"),
                     _extra(body, IMAGE_INFO_FIELDS))


# -- JSON helpers ------------------------------------------------------------------------


def _extra(body: dict[str, Any], known: frozenset[str] | set[str],
           field: str = "") -> dict[str, Any]:
    """The members of ``body`` that are not ``known``, as given (and storable)."""
    return storable({k: v for k, v in body.items() if k not in known}, field)


STORABLE_INTS = range(-(2**63), 2**64)
"""The integers the event store's encoding holds (msgpack: int64 and uint64)."""


def storable(value: Any, field: str) -> Any:
    """``value`` (JSON kept as given), unless it holds an integer the event store cannot
    encode: refused naming where, instead of failing when the events are saved."""
    stack = [(value, field)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, _at(where, str(k))) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
        elif is_int(item) and item not in STORABLE_INTS:
            raise ValidationError(where, "an integer beyond 64 bits cannot be stored")
    return value


def _beside(known: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``known``, then the members of ``extra`` it does not have: fields kept as given
    come after the modelled ones, which win a clash."""
    if not extra:
        return known
    return {**known, **{k: v for k, v in extra.items() if k not in known}}


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
