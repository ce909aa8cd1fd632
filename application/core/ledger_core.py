"""The eventsourcing Application at the heart of annoledger: load and save aggregates.

It keeps only what is truly the Application's own: loading items, projects and system
aggregates; saving them together with what the recorder updates in the same
transaction (:class:`application.ports.ProjectWrite`: the catalog, the project's head
and hash chain); bulk writes of many aggregates in one transaction; and snapshots
(the library's per-aggregate ones, and project snapshots every ``snapshot_every``
events). Every use case is a service that receives this core in its constructor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, StoredEvent

from application.core.bulk import Batch
from application.core.catalog import catalog_entry
from application.core.references import referenced_item
from application.ports import SYSTEM_PROJECT, LedgerStore, ProjectWrite, SnapshotStore
from domain.digest import meta_hash
from domain.errors import AnnoledgerError, DuplicateNameError, NotFoundError, StaleVersionError
from domain.item import Item
from domain.project import Project
from domain.state import MetaState
from domain.values import Context

T = TypeVar("T")
PROJECT_SNAPSHOT_EVERY = 64
"""A project aggregate (meta and versions) snapshots itself every this many events."""

log = logging.getLogger("annoledger")

SnapshotStoreFactory = Callable[[LedgerStore], SnapshotStore]
"""Builds the project snapshot store on the recorder the core opened."""


class LedgerCore(Application[UUID]):
    name = "annoledger"
    # Declared on the class so the library turns its snapshot store on; an instance
    # may choose its own item interval (see __init__).
    snapshotting_intervals = {Item: 16, Project: PROJECT_SNAPSHOT_EVERY}  # noqa: RUF012

    def __init__(self, env: dict[str, str] | None = None, *, item_snapshot_every: int = 16,
                 snapshot_every: int = 10_000, background_snapshots: bool = False,
                 snapshot_store: SnapshotStoreFactory | None = None) -> None:
        # Per instance, so tests and benchmarks can choose their own interval.
        self.snapshotting_intervals = {  # type: ignore[misc]
            Item: item_snapshot_every, Project: PROJECT_SNAPSHOT_EVERY}
        self.snapshot_every = snapshot_every
        self.background_snapshots = background_snapshots
        self._snapshot_positions: dict[UUID, int] = {}
        self._snapshot_pool: ThreadPoolExecutor | None = None
        super().__init__(env)
        self.item_repository: Repository[UUID] = Repository(
            self.events, snapshot_store=self.snapshots)
        """Items, loaded afresh for each command: see :meth:`get_item`."""
        self.project_snapshots: SnapshotStore | None = (
            snapshot_store(self.store) if snapshot_store is not None else None)

    @property
    def store(self) -> LedgerStore:
        return cast(LedgerStore, self.recorder)

    @property
    def item_snapshot_every(self) -> int:
        return self.snapshotting_intervals[Item]

    # -- loading -------------------------------------------------------------------------

    def get_project(self, project_id: UUID) -> Project:
        """The project, to change: a copy of the cached aggregate."""
        return self.get(project_id, Project, "project")

    def project_meta(self, project_id: UUID) -> MetaState:
        """The project's meta as last saved, what every item command checks against.

        Read from the cached project without the deep copy the library makes for a
        command (70 µs at 160 classes, a twentieth of an edit): the meta is a new value,
        so nothing done with it changes the cached project.
        """
        project = self.get(project_id, Project, "project", copy=False)
        return project.meta

    def get_item(self, item_id: UUID) -> Item:
        """The item; a restored project's item without events of its own comes with its
        ``Restored`` event pending (saved with its first change: copy on write).

        Items are not cached: each command loads its item from its latest snapshot and
        the events after it, and the item is freed when the command ends. At 100,000
        items nearly every edit misses a cache of any useful size, and a cache that
        keeps turning over promotes an item's objects (some 700 for 20 polygons) to the
        collector's oldest generation at every edit, which then runs full collections
        of 100 ms and more, three per 1,000 edits (the tail of edit latency); a cached
        item also costs a deep copy per command.
        """
        try:
            item = self.get(item_id, Item, "item", repository=self.item_repository)
        except NotFoundError:
            item = referenced_item(self, item_id)
        if item.removed:
            raise NotFoundError("item", item_id)
        return item

    def get(self, aggregate_id: UUID, kind: type[T], label: str, *,
            repository: Repository[UUID] | None = None, copy: bool = True) -> T:
        """The aggregate of class ``kind``; anything else, or nothing, is ``label`` not found.

        ``copy=False``: the cached aggregate itself, for a caller that only reads it.
        """
        try:
            found: Any = (repository or self.repository).get(
                aggregate_id, projector_func=replay, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFoundError(label, aggregate_id) from None
        if not isinstance(found, kind):
            raise NotFoundError(label, aggregate_id)
        return found

    # -- saving --------------------------------------------------------------------------

    def save_project(self, project: Project) -> None:
        write = ProjectWrite(project.id, meta_hash=meta_hash(project.meta), name=project.name)
        self.save_with(project, write=write)
        self.maybe_snapshot(project.id, write.position, background=self.background_snapshots)

    def save_item(self, item: Item) -> None:
        write = ProjectWrite(item.project_id, items=[catalog_entry(item)])
        self.save_with(item, write=write)
        self.maybe_snapshot(item.project_id, write.position,
                            background=self.background_snapshots)

    def save_system(self, *aggregates: Any) -> None:
        """Sessions, tokens and media grants: the system log, never a project's."""
        self.save_with(*aggregates, write=ProjectWrite(SYSTEM_PROJECT))

    def save_with(self, *aggregates: Any, write: ProjectWrite) -> None:
        """Save with ``write`` applied in the same transaction; a lost race is stale.
        One command's write: the same path as :meth:`write_batches`, in one batch."""
        self.write_batches([(aggregates, write)])

    def write_batches(self, batches: Iterable[Batch], *,
                      then: Callable[[], Batch] | None = None) -> int:
        """Record every batch atomically (imports, restores, reverts); returns how many
        events were recorded. Events are encoded batch by batch while the transaction is
        open, so memory stays bounded and a failure anywhere writes nothing.

        ``then`` builds one more batch once the others are encoded (an operation's own
        session, finished: :mod:`application.core.recorded`), recorded in the same
        transaction and not counted. Aggregates reaching a snapshot interval are
        snapshotted after the commit (:meth:`snapshot_saved`).
        """
        due: list[tuple[Any, int]] = []
        extra = [0]

        def stored(aggregates: Sequence[Any]) -> list[StoredEvent]:
            out = []
            for agg in aggregates:
                interval = self.snapshotting_intervals.get(type(agg))
                for e in agg.collect_events():
                    if interval and e.originator_version % interval == 0:
                        due.append((agg, e.originator_version))
                    out.append(self.mapper.to_stored_event(e))
            return out

        def encoded() -> Iterator[tuple[Sequence[StoredEvent], ProjectWrite]]:
            for aggregates, write in batches:
                yield stored(aggregates), write
            if then is not None:
                aggregates, write = then()
                last = stored(aggregates)
                extra[0] = len(last)
                yield last, write

        try:
            count = self.store.insert_stream(encoded())
        except IntegrityError as exc:
            raise StaleVersionError("stream", "its last version", "a newer one") from exc
        for aggregate, version in due:
            try:
                self.snapshot_saved(aggregate, version)
            except Exception:  # a cache: the events are recorded, a later one is taken
                log.exception("snapshot of %s at version %s failed", aggregate.id, version)
        return count - extra[0]

    def snapshot_saved(self, aggregate: Any, version: int) -> None:
        """Snapshot ``aggregate``, just saved, at ``version``.

        An aggregate saved at that very version (one event per command, the common case)
        is snapshotted as it is in memory: its state changes only by its events, so it
        equals the recorded one, and replaying it from the store first (what the
        library's ``take_snapshot`` does: 0.7 ms of CPU for an item of 20 objects, 15
        events past its last snapshot) would only rebuild the same state. One saved past
        ``version`` (several events in one command) is rebuilt at ``version``, since
        snapshots lie at multiples of the interval (:mod:`application.core.loading`).
        """
        snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
        if aggregate.version != version or snapshot_class is None or self.snapshots is None:
            self.take_snapshot(aggregate.id, version, projector_func=replay)
            return
        self.snapshots.put([snapshot_class.take(aggregate)])

    # -- project snapshots ---------------------------------------------------------------

    def maybe_snapshot(self, project_id: UUID, position: int | None = None, *,
                       background: bool = False) -> None:
        """Snapshot when the log has grown by ``snapshot_every`` since the last one.

        ``position`` (the log head just written) spares a query on the edit path; the last
        snapshot's position is remembered per process. ``background``: the snapshot is
        written by one worker thread, so the edit that crossed the threshold does not wait
        for it (snapshots are caches: one lost when the process stops costs nothing).
        """
        snapshots = self.project_snapshots
        if snapshots is None:
            return
        if position is None:
            head = self.store.head(project_id)
            position = head.position if head else 0
        last = self._snapshot_positions.get(project_id)
        if last is None:
            last = snapshots.latest_position(project_id)
            self._snapshot_positions[project_id] = last
        if position - last < self.snapshot_every:
            return
        self._snapshot_positions[project_id] = position  # no second request meanwhile

        def write() -> None:
            try:
                self._snapshot_positions[project_id] = snapshots.write(project_id) or last
            except Exception:  # a cache: log it, and let a later edit try again
                log.exception("snapshot of project %s failed", project_id)
                self._snapshot_positions[project_id] = last

        if background:
            if self._snapshot_pool is None:
                self._snapshot_pool = ThreadPoolExecutor(1, thread_name_prefix="snapshots")
            self._snapshot_pool.submit(write)
        else:
            write()

    # -- small rules every service shares ------------------------------------------------

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


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply ``events`` in order to ``aggregate`` (None before the first): the library's
    projector without its runtime Protocol check of every event (13 µs each, on every
    load), since every event of this log is one of the aggregates' own."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
