"""The eventsourcing Application at the heart of annoledger, and its shared helpers.

Commands live in mixins (meta, items, imports, versions); this base knows how to save
an item or a project together with what the recorder must update in the same
transaction (:class:`application.ports.ProjectWrite`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from application.ports import CatalogEntry, LedgerStore, ProjectWrite
from domain.digest import item_hash, meta_hash
from domain.errors import (
    AnnoledgerError,
    DuplicateNameError,
    NotFoundError,
    StaleVersionError,
)
from domain.item import Item
from domain.project import Project
from domain.values import AnnotationObject, Context

T = TypeVar("T")
PROJECT_SNAPSHOT_EVERY = 64
"""A project aggregate (meta and versions) snapshots itself every this many events."""


def utc_now() -> str:
    """ISO 8601 with milliseconds and Z, as Supervisely writes times."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LedgerBase(Application[UUID]):
    name = "annoledger"
    snapshot_every = 10_000
    # Declared on the class so the library turns its snapshot store on; an instance
    # may choose its own item interval (see __init__).
    snapshotting_intervals = {Item: 16, Project: PROJECT_SNAPSHOT_EVERY}  # noqa: RUF012

    def __init__(self, env: dict[str, str] | None = None, *, item_snapshot_every: int = 16,
                 snapshot_every: int = 10_000, background_snapshots: bool = False) -> None:
        self.background_snapshots = background_snapshots
        # Per instance, so tests and benchmarks can choose their own interval.
        self.snapshotting_intervals = {  # type: ignore[misc]
            Item: item_snapshot_every, Project: PROJECT_SNAPSHOT_EVERY}
        self.snapshot_every = snapshot_every
        self._snapshot_positions: dict[UUID, int] = {}
        super().__init__(env)

    @property
    def store(self) -> LedgerStore:
        return cast(LedgerStore, self.recorder)

    # -- loading -------------------------------------------------------------------------

    def get_project(self, project_id: UUID) -> Project:
        return self._get(project_id, Project, "project")

    def get_item(self, item_id: UUID) -> Item:
        item = self._get(item_id, Item, "item")
        if item.removed:
            raise NotFoundError("item", item_id)
        return item

    def _get(self, aggregate_id: UUID, kind: type[T], label: str) -> T:
        try:
            found: Any = self.repository.get(aggregate_id)
        except Exception as exc:  # the library raises AggregateNotFoundError
            if type(exc).__name__ == "AggregateNotFoundError":
                raise NotFoundError(label, aggregate_id) from None
            raise
        if not isinstance(found, kind):
            raise NotFoundError(label, aggregate_id)
        return found

    # -- saving --------------------------------------------------------------------------

    def save_project(self, project: Project) -> None:
        write = ProjectWrite(project.id, meta_hash=meta_hash(project.meta), name=project.name)
        self._save(project, project=write)
        self.maybe_snapshot(project.id, write.position, background=self.background_snapshots)

    def save_item(self, item: Item) -> None:
        write = ProjectWrite(item.project_id, items=[catalog_entry(item)])
        self._save(item, project=write)
        self.maybe_snapshot(item.project_id, write.position,
                            background=self.background_snapshots)

    def _save(self, *objs: Any, project: ProjectWrite) -> None:
        try:
            self.save(*objs, project=project)
        except IntegrityError as exc:
            raise StaleVersionError("stream", "its last version", "a newer one") from exc

    def maybe_snapshot(self, project_id: UUID, position: int | None = None, *,
                       background: bool = False) -> None:
        """Hook for the state queries: write a project snapshot every N events."""

    def check_name_free(self, name: str, project_id: UUID | None = None) -> None:
        """Project names are unique, since a project can be named instead of its id."""
        if any(h.name == name and h.project_id != project_id for h in self.store.heads()):
            raise DuplicateNameError(f"a project named '{name}' exists")

    @staticmethod
    def retrying(attempts: int, command: Callable[[], T]) -> T:
        """Run a command again when another writer got there first."""
        for _ in range(attempts - 1):
            try:
                return command()
            except StaleVersionError:
                continue
        return command()

    @staticmethod
    def ctx(actor: str, session_id: UUID | None = None) -> Context:
        if not actor:
            raise AnnoledgerError("an actor is required")
        return Context(actor, session_id)


def class_counts(objects: Iterable[AnnotationObject]) -> tuple[tuple[int, int], ...]:
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
