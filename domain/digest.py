"""Content digests: equal states have equal digests, and anyone can recompute them.

A project's digest is a *multiset hash*: the sum, modulo 2**256, of the sha256 of each
item's canonical form plus the sha256 of the meta's canonical form. Because it is a sum,
the digest is kept up to date in O(1) per change (subtract the old item hash, add the
new one), so creating a version never reads the whole project.

What is hashed is content, not bookkeeping: the project's name, item ids, and the
``updated_at`` of objects and tags are left out, so an edit undone is no change and a
restored project has its source version's digest.

Data added to the model later (ids of tags, a format's unmodelled fields, an item's
Supervisely info, datasets' descriptions) joins a form only when present: a state without
it keeps the digest it had before, so digests stored by older releases still verify.

The canonical form is the standard library's ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``, UTF-8. orjson writes the very same bytes
for almost every form, several times faster; it is used except where the two could
differ: floats orjson writes without the standard library's exponent (``1e-05``), a
non-finite float (orjson writes ``null``, the standard library ``NaN``: only JSON
kept as given can hold one), or anything orjson refuses (integers beyond 64 bits).

Note: an additive hash detects accidental and ordinary changes; it is not meant to resist
an adversary who crafts colliding items. Tamper evidence comes from the hash chain.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

import orjson

from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, ItemInfo, Tag

MODULUS = 1 << 256
EMPTY = 0
Encode = Callable[[Any], bytes]


def _canonical(value: Any) -> bytes:
    """The canonical form, by definition (see the module's doc)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _fast_canonical(value: Any) -> bytes:
    """:func:`_canonical` by orjson, for a value whose floats are all finite."""
    try:
        fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return _canonical(value)
    if b"e-" in fast or b"0.0000" in fast:  # maybe a float below 1e-4: written otherwise
        return _canonical(value)
    return fast


def _finite(value: Any) -> bool:
    """Whether JSON kept as given holds no NaN nor infinity (which orjson writes as null)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is float:
            if not math.isfinite(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that are set (not None, not empty): what a form gains, if anything."""
    return {k: v for k, v in fields.items() if v is not None and v != {}}


def _with(form: list[Any], added: dict[str, Any]) -> list[Any]:
    """``form``, followed by ``added`` when there is any: older forms stay as they were."""
    return [*form, added] if added else form


def _tags(tags: tuple[Tag, ...], encode: Encode) -> list[Any]:
    if not tags:
        return []
    return sorted(
        (_with([t.meta_id, t.value, t.labeler, t.created_at], _present(id=t.id, extra=t.extra))
         for t in tags),
        key=encode,
    )


def _object(o: AnnotationObject, encode: Encode) -> list[Any]:
    return _with([o.id, o.class_id, o.geometry, _tags(o.tags, encode), o.labeler,
                  o.created_at, o.description], _present(extra=o.extra))


def _given(item: ItemState) -> list[Any]:
    """The parts of an item that hold JSON kept as given, or values it may hold (tag
    values): its geometries are checked finite (``domain.geometry``), these are not."""
    parts: list[Any] = [[t.value, t.extra] for t in item.tags]
    for o in item.objects:
        if o.extra:
            parts.append(o.extra)
        parts.extend([t.value, t.extra] for t in o.tags)
    if item.info is not None:
        parts.extend((item.info.meta, item.info.info_extra, item.info.ann_extra))
    return parts


def _info(info: ItemInfo | None) -> dict[str, Any]:
    if info is None:
        return {}
    return _present(id=info.id, created_at=info.created_at, updated_at=info.updated_at,
                    meta=info.meta, info_extra=info.info_extra, ann_extra=info.ann_extra)


def item_hash(item: ItemState) -> int:
    m = item.media
    encode = _fast_canonical if _finite(_given(item)) else _canonical
    form = [
        item.dataset_id,
        item.name,
        [m.uri, m.sha256, m.size, m.width, m.height],
        _tags(item.tags, encode),
        sorted((_object(o, encode) for o in item.objects), key=lambda x: x[0]),
        item.description,
    ]
    form = _with(form, _present(info=_info(item.info)))
    return int.from_bytes(hashlib.sha256(encode(form)).digest(), "big")


def meta_hash(meta: MetaState) -> int:
    form = [
        sorted(_with([c.id, c.title, c.shape, c.color, c.geometry_config],
                     _present(extra=c.extra)) for c in meta.classes.values()),
        sorted(
            _with([t.id, t.name, t.value_type, list(t.values), t.color, t.applicable_type,
                   list(t.classes)], _present(extra=t.extra))
            for t in meta.tag_metas.values()
        ),
        sorted(_with([d.id, d.name, d.parent_id if d.parent_id is not None else -1],
                     _present(description=d.description or None))
               for d in meta.datasets.values()),
    ]
    form = _with(form, _present(extra=meta.extra))
    return int.from_bytes(hashlib.sha256(_canonical(form)).digest(), "big")


def combine(meta: int, items_sum: int) -> str:
    """The project digest as 64 hex digits."""
    return f"{(meta + items_sum) % MODULUS:064x}"


def state_digest(state: ProjectState) -> str:
    """Recompute a digest from scratch (what the stored, incremental one must equal)."""
    total = sum(item_hash(i) for i in state.items.values()) % MODULUS
    return combine(meta_hash(state.meta), total)
