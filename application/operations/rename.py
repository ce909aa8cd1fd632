"""Rename classes: ``OLD=NEW`` pairs; several old names to one new name merge them.

A new name that is already a class (not itself renamed) receives the objects too. Every
class merged into one must have the same shape: objects keep their shape, so a merge
of polygons with rectangles is refused, naming both. The merged class keeps the id and
colour of the first class listed for it (or of the existing class it joins); tag metas
limited to some classes follow the new names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from application.operations.params import known_keys, pairs
from application.operations.spec import OperationInput
from domain.errors import ValidationError
from domain.state import MetaState, ProjectState
from domain.values import ObjectClass


def parse_rename(params: Mapping[str, Any]) -> dict[str, Any]:
    known_keys(params, ("map",))
    if "map" not in params:
        raise ValidationError("map", "is required (OLD=NEW[,OLD=NEW...])")
    return {"map": dict(pairs(params["map"], "map"))}


def renamed_meta(meta: MetaState, mapping: Mapping[str, str]) -> tuple[MetaState, dict[int, int]]:
    """The meta with classes renamed and merged, and each old class id's new id."""
    for old in mapping:
        if meta.class_by_title(old) is None:
            known = ", ".join(sorted(c.title for c in meta.classes.values())) or "none"
            raise ValidationError(f"map.{old}", f"no class {old!r} (classes: {known})")
    kept = {c.title: c for c in meta.classes.values() if c.title not in mapping}
    merged: dict[str, ObjectClass] = {}
    ids: dict[int, int] = {}
    for old, new in mapping.items():
        cls = meta.class_by_title(old)
        assert cls is not None
        into = merged.get(new) or kept.get(new)
        if into is not None and into.shape != cls.shape:
            raise ValidationError(f"map.{old}", f"class {old!r} ({cls.shape}) cannot merge "
                                                f"into {new!r} ({into.shape}): shapes differ")
        if into is None:
            into = replace(cls, title=new)
            merged[new] = into
        ids[cls.id] = into.id
    classes = {c.id: c for c in (*kept.values(), *merged.values())}
    tag_metas = {i: replace(t, classes=tuple(dict.fromkeys(mapping.get(c, c)
                                                           for c in t.classes)))
                 for i, t in meta.tag_metas.items()}
    return MetaState(meta.name, classes, tag_metas, meta.datasets, meta.extra), ids


def rename_classes(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    state = inp.state
    meta, ids = renamed_meta(state.meta, params["map"])
    out = ProjectState(meta)
    for key, item in state.items.items():
        if any(o.class_id in ids for o in item.objects):
            item = replace(item, objects=tuple(
                replace(o, class_id=ids[o.class_id]) if o.class_id in ids else o
                for o in item.objects))
        out.items[key] = item
    return out
