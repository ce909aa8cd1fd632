"""What the application needs from storage beyond the eventsourcing recorder contract.

The recorder writes each save as one transaction: the events, the project's log
positions and hash chain, and the *catalog*, a current-state index of items kept in
step with the events (item id, dataset, name, object count, content hash). Passing a
:class:`ProjectWrite` to ``save(..., project=...)`` is how a command tells the recorder
which project its events belong to and how the catalog changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.state import ProjectState

SYSTEM_PROJECT = UUID(int=0)
"""Events that belong to no project (app sessions, tokens) are chained under this id."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    item_id: UUID
    dataset_id: int
    name: str
    version: int
    objects: int
    state_hash: int
    classes: tuple[tuple[int, int], ...] = ()
    """``(class id, object count)`` pairs: per-class counts without loading the item."""
    tag_ids: tuple[int, ...] = ()
    removed: bool = False


@dataclass(slots=True)
class ProjectWrite:
    """How one save changes a project besides its events."""

    project_id: UUID
    items: list[CatalogEntry] = field(default_factory=list)
    meta_hash: int | None = None
    name: str | None = None
    expect_position: int | None = None
    """If set, the save fails with StaleVersionError unless the log is at this position."""
    position: int | None = None
    """Set by the recorder: the project's log position after the write."""


@dataclass(frozen=True, slots=True)
class ProjectHead:
    project_id: UUID
    name: str
    position: int
    chain: bytes
    digest: str
    items: int
    objects: int


@dataclass(frozen=True, slots=True)
class LogRecord:
    """An event as the project log holds it: position, stream, type, stored state."""

    position: int
    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    chain: bytes

    def stored_event(self) -> StoredEvent:
        return StoredEvent(self.originator_id, self.originator_version, self.topic, self.state)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of recomputing a project's hash chain."""

    project_id: UUID
    ok: bool
    checked: int
    position: int | None
    reason: str
    head: bytes


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    project_id: UUID
    position: int
    manifest: str
    meta_version: int


class LedgerStore(Protocol):
    """Project-level storage: heads, the catalog, the project log, snapshots, chunks."""

    def insert_stream(
        self, batches: Iterable[tuple[Sequence[StoredEvent], ProjectWrite]]
    ) -> int: ...

    def head(self, project_id: UUID) -> ProjectHead | None: ...

    def heads(self) -> list[ProjectHead]: ...

    def catalog(self, project_id: UUID) -> Iterator[CatalogEntry]: ...

    def catalog_page(
        self, project_id: UUID, *, dataset_id: int | None = None, name: str | None = None,
        offset: int = 0, limit: int = 100,
    ) -> tuple[list[CatalogEntry], int]: ...

    def catalog_entry(self, item_id: UUID) -> CatalogEntry | None: ...

    def find_item(self, project_id: UUID, dataset_id: int, name: str) -> UUID | None: ...

    def project_of(self, item_id: UUID) -> UUID | None: ...

    def log(
        self, project_id: UUID, *, gt: int = 0, lte: int | None = None,
        limit: int | None = None, desc: bool = False, with_state: bool = True,
    ) -> list[LogRecord]: ...

    def position_at_time(self, project_id: UUID, timestamp: float) -> int: ...

    def stream_events(self, ids: Sequence[UUID], gt: int) -> list[StoredEvent]: ...

    def stream_snapshots(self, pairs: Sequence[tuple[UUID, int]]) -> list[StoredEvent]: ...

    def verify(self, project_id: UUID) -> ChainReport: ...

    def put_chunks(self, chunks: dict[str, bytes]) -> None: ...

    def get_chunk(self, key: str) -> bytes | None: ...

    def put_snapshot(self, record: SnapshotRecord) -> None: ...

    def latest_snapshot(self, project_id: UUID, lte: int) -> SnapshotRecord | None: ...

    def drop_snapshot(self, project_id: UUID, position: int) -> None: ...


@dataclass(frozen=True, slots=True)
class ProjectSnapshot:
    """Which version of each item (and of the project's meta) stood at a position."""

    position: int
    meta_version: int
    items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]]
    """item id -> (item version, per-class object counts)"""


class SnapshotStore(Protocol):
    """Periodic project snapshots: chunked, compressed, content-addressed, checksummed."""

    def write(self, project_id: UUID) -> int | None:
        """Snapshot the project at its head; returns the position (None if empty)."""

    def read(self, project_id: UUID, lte: int) -> ProjectSnapshot | None:
        """The newest intact snapshot at or before ``lte``; corrupt ones are skipped."""

    def latest_position(self, project_id: UUID) -> int: ...


class FormatAdapters(Protocol):
    """Reading and writing project files (Supervisely, COCO)."""

    def read(
        self, fmt: str, path: Path, *, images: Path | None = None,
        progress: Callable[[int, int], None] | None = None, uploaded: bool = False,
        may_link_stored: Callable[[str], bool] | None = None,
    ) -> tuple[ProjectState, Callable[[str], str]]:
        """The content, and how to name an item's source file in an error. ``uploaded``:
        the files came from a client (images go to the media store; links must be data);
        ``may_link_stored(sha256)``: whether that client may link stored bytes it names
        by a store reference (None: any)."""

    def write(self, fmt: str, state: ProjectState, outdir: Path) -> None: ...
