"""A project's content as plain values, independent of how it was built.

The same structure is what an import reads, what a replay or a snapshot rebuilds at a
log position, what an export writes and what a compare takes. Its digest is the
version digest: see :mod:`domain.digest`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.values import (
    AnnotationObject,
    Dataset,
    ItemInfo,
    MediaLink,
    ObjectClass,
    Tag,
    TagMeta,
)


@dataclass(frozen=True, slots=True)
class ItemState:
    """An item (an image) with its annotation."""

    dataset_id: int
    name: str
    media: MediaLink
    tags: tuple[Tag, ...] = ()
    objects: tuple[AnnotationObject, ...] = ()
    description: str = ""
    id: UUID | None = None
    info: ItemInfo | None = None
    """What the source format said of the item beyond the rest (Supervisely's
    ``img_info/``, ``meta/``, unmodelled annotation fields); None when it said nothing."""


@dataclass(frozen=True, slots=True)
class MetaState:
    """Everything of a project that is not an item: its name, classes, tags, datasets."""

    name: str
    classes: dict[int, ObjectClass] = field(default_factory=dict)
    tag_metas: dict[int, TagMeta] = field(default_factory=dict)
    datasets: dict[int, Dataset] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields of the project's ``meta.json`` that are not modelled (``projectType``,
    ``projectSettings``...), kept as given."""

    def class_by_title(self, title: str) -> ObjectClass | None:
        return next((c for c in self.classes.values() if c.title == title), None)

    def tag_meta_by_name(self, name: str) -> TagMeta | None:
        return next((t for t in self.tag_metas.values() if t.name == name), None)

    def dataset_path(self, dataset_id: int) -> str:
        """``parent/child`` path of a dataset, as Supervisely nests them."""
        parts: list[str] = []
        current: int | None = dataset_id
        while current is not None:
            ds = self.datasets[current]
            parts.append(ds.name)
            current = ds.parent_id
        return "/".join(reversed(parts))

    def dataset_by_path(self, path: str) -> Dataset | None:
        return next(
            (d for d in self.datasets.values() if self.dataset_path(d.id) == path), None
        )


@dataclass(slots=True)
class ProjectState:
    """A whole project: its meta and its items, keyed by ``(dataset_id, name)``."""

    meta: MetaState
    items: dict[tuple[int, str], ItemState] = field(default_factory=dict)

    def iter_items(self) -> Iterator[ItemState]:
        """Items in a stable order: by dataset path, then name."""
        paths = {d: self.meta.dataset_path(d) for d in self.meta.datasets}
        for key in sorted(self.items, key=lambda k: (paths.get(k[0], ""), k[1])):
            yield self.items[key]

    def item_path(self, item: ItemState) -> str:
        return f"{self.meta.dataset_path(item.dataset_id)}/{item.name}"

    @property
    def object_count(self) -> int:
        return sum(len(i.objects) for i in self.items.values())


@dataclass(frozen=True, slots=True)
class StateStream:
    """A project's state as its meta and its items in batches, decoded as they are read:
    what an export writes, without the whole project in memory at once. ``total`` is the
    number of items the batches hold (for progress)."""

    meta: MetaState
    batches: Iterable[Sequence[ItemState]]
    total: int

    @classmethod
    def of(cls, state: ProjectState) -> StateStream:
        """A whole state in memory, as one batch in :meth:`ProjectState.iter_items` order."""
        return cls(state.meta, [list(state.iter_items())], len(state.items))
