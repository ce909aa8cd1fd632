"""What the catalog holds for an item (its current-state row), computed from the item."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from uuid import UUID

from application.ports import CatalogEntry
from domain.digest import item_hash
from domain.item import Item
from domain.state import ItemState
from domain.values import AnnotationObject


def class_counts(objects: Iterable[AnnotationObject]) -> tuple[tuple[int, int], ...]:
    """``(class id, object count)`` pairs, sorted: per-class counts without the objects."""
    return tuple(sorted(Counter(o.class_id for o in objects).items()))


def catalog_entry(item: Item) -> CatalogEntry:
    return state_entry(item.id, item.version, item.to_state(), removed=item.removed)


def state_entry(item_id: UUID, version: int, state: ItemState, *, removed: bool = False,
                source: tuple[UUID, int] | None = None) -> CatalogEntry:
    """The entry of an item holding ``state`` at ``version``."""
    return CatalogEntry(
        item_id, state.dataset_id, state.name, version, len(state.objects),
        item_hash(state), class_counts(state.objects),
        tuple(sorted({t.meta_id for t in state.tags}
                     | {t.meta_id for o in state.objects for t in o.tags})),
        removed, source,
    )
