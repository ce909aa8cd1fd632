"""Content digests: equal states have equal digests, and anyone can recompute them.

A project's digest is a *multiset hash*: the sum, modulo 2**256, of the sha256 of each
item's canonical form plus the sha256 of the meta's canonical form. Because it is a sum,
the digest is kept up to date in O(1) per change (subtract the old item hash, add the
new one), so creating a version never reads the whole project.

What is hashed is content, not bookkeeping: the project's name, item ids, and the
``updated_at`` of objects and tags are left out, so an edit undone is no change and a
restored project has its source version's digest.

Note: an additive hash detects accidental and ordinary changes; it is not meant to resist
an adversary who crafts colliding items. Tamper evidence comes from the hash chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Tag

MODULUS = 1 << 256
EMPTY = 0


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _tags(tags: tuple[Tag, ...]) -> list[Any]:
    return sorted(
        ([t.meta_id, t.value, t.labeler, t.created_at] for t in tags), key=_canonical
    )


def _object(o: AnnotationObject) -> list[Any]:
    return [o.id, o.class_id, o.geometry, _tags(o.tags), o.labeler, o.created_at, o.description]


def item_hash(item: ItemState) -> int:
    m = item.media
    form = [
        item.dataset_id,
        item.name,
        [m.uri, m.sha256, m.size, m.width, m.height],
        _tags(item.tags),
        sorted((_object(o) for o in item.objects), key=lambda x: x[0]),
        item.description,
    ]
    return int.from_bytes(hashlib.sha256(_canonical(form)).digest(), "big")


def meta_hash(meta: MetaState) -> int:
    form = [
        sorted([c.id, c.title, c.shape, c.color, c.geometry_config] for c in meta.classes.values()),
        sorted(
            [t.id, t.name, t.value_type, list(t.values), t.color, t.applicable_type,
             list(t.classes)]
            for t in meta.tag_metas.values()
        ),
        sorted([d.id, d.name, d.parent_id if d.parent_id is not None else -1]
               for d in meta.datasets.values()),
    ]
    return int.from_bytes(hashlib.sha256(_canonical(form)).digest(), "big")


def combine(meta: int, items_sum: int) -> str:
    """The project digest as 64 hex digits."""
    return f"{(meta + items_sum) % MODULUS:064x}"


def state_digest(state: ProjectState) -> str:
    """Recompute a digest from scratch (what the stored, incremental one must equal)."""
    total = sum(item_hash(i) for i in state.items.values()) % MODULUS
    return combine(meta_hash(state.meta), total)
