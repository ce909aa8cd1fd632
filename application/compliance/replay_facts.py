"""Predicate facts at a log position, for bisect: counts come from the project snapshot's
per-class counts and the tail's items; anything else loads the items at that position."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from application.core.loading import gc_paused
from application.core.states import States
from domain.predicate_facts import StateFacts


class ManifestFacts:
    """Predicate facts at a position; items are loaded only if a function needs them."""

    def __init__(self, states: States, project_id: UUID, position: int) -> None:
        self.states = states
        self.manifest = states.manifest_at(project_id, position)
        self.meta = states.meta_at(project_id, self.manifest.meta_version)
        self._full: StateFacts | None = None
        self._counts: Counter[int] | None = None

    def full(self) -> StateFacts:
        if self._full is None:
            with gc_paused():
                self._full = StateFacts(self.meta, self.states.items_at(self.manifest))
        return self._full

    def items(self) -> int:
        return len(self.manifest.versions)

    def objects(self, class_title: str | None) -> int:
        if self._counts is None:
            self._counts = self.states.class_counts(self.manifest)
        if class_title is None:
            return sum(self._counts.values())
        cls = self.meta.class_by_title(class_title)
        return 0 if cls is None else self._counts.get(cls.id, 0)

    def classes(self) -> int:
        return len(self.meta.classes)

    def empty_items(self) -> int:
        return self.full().empty_items()

    def class_of(self, object_id: int) -> str | None:
        return self.full().class_of(object_id)

    def item_objects(self, path: str) -> int:
        return self.full().item_objects(path)

    def tagged(self, tag: str) -> int:
        return self.full().tagged(tag)
