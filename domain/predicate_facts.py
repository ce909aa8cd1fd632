"""Facts for predicates (:mod:`domain.predicates`) over a state held in memory."""

from __future__ import annotations

from collections.abc import Iterable

from domain.state import ItemState, MetaState


class StateFacts:
    """Facts over a state held in memory."""

    def __init__(self, meta: MetaState, items: Iterable[ItemState]) -> None:
        self.meta = meta
        self.all = list(items)
        self._classes = {o.id: o.class_id for i in self.all for o in i.objects}

    def items(self) -> int:
        return len(self.all)

    def objects(self, class_title: str | None) -> int:
        if class_title is None:
            return len(self._classes)
        cls = self.meta.class_by_title(class_title)
        return 0 if cls is None else sum(1 for c in self._classes.values() if c == cls.id)

    def empty_items(self) -> int:
        return sum(1 for i in self.all if not i.objects)

    def class_of(self, object_id: int) -> str | None:
        class_id = self._classes.get(object_id)
        if class_id is None:
            return None
        cls = self.meta.classes.get(class_id)
        return cls.title if cls else f"#{class_id}"

    def item_objects(self, path: str) -> int:
        for i in self.all:
            if f"{self.meta.dataset_path(i.dataset_id)}/{i.name}" == path:
                return len(i.objects)
        return 0

    def tagged(self, tag: str) -> int:
        meta = self.meta.tag_meta_by_name(tag)
        if meta is None:
            return 0
        return sum(any(t.meta_id == meta.id for t in i.tags) for i in self.all) + sum(
            any(t.meta_id == meta.id for t in o.tags) for i in self.all for o in i.objects)

    def classes(self) -> int:
        return len(self.meta.classes)
