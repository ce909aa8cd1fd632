"""Supervisely's ``meta.json``: classes and tag metas, plus JSON helpers of the reader.

Older projects list tag metas in ``tags_images`` and ``tags_objects`` instead of
``tags``, as objects or as bare names (a name is a tag without a value); a name listed in
both is one tag meta. Like Supervisely's own SDK, such tag metas apply to images and
objects alike. Every refusal is a ValidationError whose field is ``"<file>:<json path>"``.
"""

from __future__ import annotations

from typing import Any

from domain.errors import ValidationError
from domain.values import SHAPES, TAG_VALUE_TYPES, ObjectClass, TagMeta
from infrastructure.formats.files import is_int


def read_meta(meta_json: Any) -> tuple[dict[int, ObjectClass], dict[int, TagMeta]]:
    """Classes and tag metas of a parsed ``meta.json``; ids missing there become 1.."""
    if not isinstance(meta_json, dict):
        raise ValidationError("meta.json", "must be a JSON object")
    return _read_classes(meta_json), _read_tag_metas(meta_json)


def field_error(file: str, field: str, message: str) -> ValidationError:
    return ValidationError(f"{file}:{field}", message)


def text_at(data: dict[str, Any], key: str, file: str, field: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise field_error(file, f"{field}.{key}" if field else key, "must be a string")
    return value


def list_at(data: dict[str, Any], key: str, file: str, field: str = "") -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise field_error(file, f"{field}.{key}" if field else key, "must be a list")
    return value


def _assign_ids(
    entries: list[dict[str, Any]], kind: str, fields: list[str] | None = None
) -> list[int]:
    """Ids as given, and 1.. (skipping taken ones) for entries that have none."""
    taken: set[int] = set()
    for i, entry in enumerate(entries):
        if "id" in entry:
            field = fields[i] if fields else f"{kind}[{i}]"
            if not is_int(entry["id"]):
                raise field_error("meta.json", f"{field}.id", "must be an integer")
            if entry["id"] in taken:
                raise field_error("meta.json", f"{field}.id", f"duplicate id {entry['id']}")
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


def _objects_list(meta_json: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    entries = list_at(meta_json, kind, "meta.json")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise field_error("meta.json", f"{kind}[{i}]", "must be a JSON object")
    return entries


def _read_classes(meta_json: dict[str, Any]) -> dict[int, ObjectClass]:
    entries = _objects_list(meta_json, "classes")
    classes: dict[int, ObjectClass] = {}
    titles: set[str] = set()
    for i, (cid, entry) in enumerate(zip(_assign_ids(entries, "classes"), entries, strict=True)):
        field = f"classes[{i}]"
        title = text_at(entry, "title", "meta.json", field)
        if not title:
            raise field_error("meta.json", f"{field}.title", "missing")
        if title in titles:
            raise field_error("meta.json", f"{field}.title", f"duplicate class {title!r}")
        titles.add(title)
        shape = text_at(entry, "shape", "meta.json", field)
        if shape not in SHAPES:
            raise field_error("meta.json", f"{field}.shape", f"unknown shape {shape!r}")
        config = entry.get("geometry_config")
        if config is not None and not isinstance(config, dict):
            raise field_error("meta.json", f"{field}.geometry_config", "must be a JSON object")
        color = text_at(entry, "color", "meta.json", field, "#000000")
        classes[cid] = ObjectClass(cid, title, shape, color, config or None)
    return classes


LEGACY_TAG_LISTS = ("tags_images", "tags_objects")
"""Keys under which older projects list the tag metas of images and of objects."""


def _tag_entries(meta_json: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The tag meta entries of ``tags``, or else of the older lists, with their fields."""
    if list_at(meta_json, "tags", "meta.json"):
        for key in LEGACY_TAG_LISTS:
            if list_at(meta_json, key, "meta.json"):
                raise field_error("meta.json", key, "cannot be combined with 'tags': use one")
        entries = _objects_list(meta_json, "tags")
        return entries, [f"tags[{i}]" for i in range(len(entries))]
    merged: dict[str, tuple[dict[str, Any], str]] = {}
    for key in LEGACY_TAG_LISTS:
        for i, raw in enumerate(list_at(meta_json, key, "meta.json")):
            field = f"{key}[{i}]"
            entry = {"name": raw} if isinstance(raw, str) else raw
            if not isinstance(entry, dict):
                raise field_error("meta.json", field, "must be a tag name or a JSON object")
            name = text_at(entry, "name", "meta.json", field)
            first = merged.setdefault(name, (entry, field))
            if first[1] != field and _definition(first[0]) != _definition(entry):
                raise field_error(
                    "meta.json", field, f"tag {name!r} differs from its entry {first[1]}"
                )
    return [entry for entry, _ in merged.values()], [field for _, field in merged.values()]


def _definition(entry: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two listings of one tag meta the same tag meta."""
    return entry.get("value_type") or "none", entry.get("values") or [], entry.get("id")


def _read_tag_metas(meta_json: dict[str, Any]) -> dict[int, TagMeta]:
    entries, fields = _tag_entries(meta_json)
    metas: dict[int, TagMeta] = {}
    names: set[str] = set()
    ids = _assign_ids(entries, "tags", fields)
    for tid, entry, field in zip(ids, entries, fields, strict=True):
        name = text_at(entry, "name", "meta.json", field)
        if not name:
            raise field_error("meta.json", f"{field}.name", "missing")
        if name in names:
            raise field_error("meta.json", f"{field}.name", f"duplicate tag {name!r}")
        names.add(name)
        value_type = text_at(entry, "value_type", "meta.json", field, "none")
        if value_type not in TAG_VALUE_TYPES:
            raise field_error(
                "meta.json", f"{field}.value_type", f"unknown value type {value_type!r}"
            )
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("values", "classes"):
            values = list_at(entry, key, "meta.json", field)
            if not all(isinstance(v, str) for v in values):
                raise field_error("meta.json", f"{field}.{key}", "must be a list of strings")
            lists[key] = tuple(values)
        metas[tid] = TagMeta(
            tid,
            name,
            value_type,
            lists["values"],
            text_at(entry, "color", "meta.json", field, "#000000"),
            text_at(entry, "applicable_type", "meta.json", field, "all"),
            lists["classes"],
        )
    return metas
