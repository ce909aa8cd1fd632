"""What the catalog holds for an item (its current-state row), computed from the item."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from application.ports import CatalogEntry
from domain.digest import item_hash
from domain.item import Item
from domain.values import AnnotationObject


def class_counts(objects: Iterable[AnnotationObject]) -> tuple[tuple[int, int], ...]:
    """``(class id, object count)`` pairs, sorted: per-class counts without the objects."""
    return tuple(sorted(Counter(o.class_id for o in objects).items()))


def catalog_entry(item: Item) -> CatalogEntry:
    state = item.to_state()
    return CatalogEntry(
        item.id, item.dataset_id, item.name, item.version, len(item.objects),
        item_hash(state), class_counts(state.objects),
        tuple(sorted({t.meta_id for t in state.tags}
                     | {t.meta_id for o in state.objects for t in o.tags})),
        item.removed,
    )
