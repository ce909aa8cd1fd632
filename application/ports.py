"""What the application needs from storage beyond the eventsourcing recorder contract.

The recorder writes each save as one transaction: the events, the project's log
positions and hash chain, and the *catalog*, a current-state index of items kept in
step with the events (item id, dataset, name, object count, content hash). Passing a
:class:`ProjectWrite` to ``save(..., project=...)`` is how a command tells the recorder
which project its events belong to and how the catalog changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.views.audit import AuditFilter, AuditRow
from domain.operations.affine import Affine
from domain.operations.moves import Geometry
from domain.operations.pipeline import DrawnStep
from domain.state import ProjectState, StateStream
from domain.values import MediaLink

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
    source: tuple[UUID, int] | None = None
    """A restored project's item that has no events of its own yet: the source item
    (id, version) whose state it refers to (copy on write: its first change writes it
    into its own stream, and this becomes None). Such an entry's version is 1, the
    version its first event will have."""


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
    references: ReferenceCopy | None = None
    """Catalog rows a restore writes by copying the source's rows in the database."""


@dataclass(slots=True)
class ReferenceCopy:
    """A restore's catalog rows, copied by the database from the rows that hold each
    source item's entry at its version (the catalog's, or a superseded one), so no
    entry passes through the application (:mod:`application.core.references`).

    Each new row refers to the state its source row holds (or refers to), keeps its
    dataset, name, counts and content hash, and is at version 1."""

    items: Sequence[tuple[UUID, int, UUID]]
    """``(source item, its version, the restored item's id)``, best sorted by the last."""
    datasets: frozenset[int] | None = None
    """Only rows in these datasets are copied (None: all)."""
    written: list[tuple[int, str]] = field(default_factory=list)
    """Set by the recorder: the ``(dataset id, name)`` of each row written."""
    missing: list[tuple[UUID, int, UUID]] = field(default_factory=list)
    """Set by the recorder: the ``items`` it found no row for (a database written
    before superseded rows were kept): their entries are computed from their events."""


@dataclass(frozen=True, slots=True)
class ItemReference:
    """A restored project's item that still refers to its source's state."""

    project_id: UUID
    item_id: UUID
    source_id: UUID
    source_version: int


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
    recorded_at: float | None = None
    """When the row was written (the time index time travel reads); None when not read."""
    project_id: UUID | None = None
    """The log the row belongs to; None when not read (a project's own log)."""

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

    # restored projects' references (:mod:`application.core.references`)

    def catalog_states(self, project_id: UUID, wanted: Mapping[UUID, int]
                       ) -> dict[UUID, CatalogEntry]:
        """The catalog entries of the project's items at the wanted versions, where the
        catalog holds them (now, or superseded since); the others are left out."""

    def sources(self, item_ids: Collection[UUID]) -> dict[UUID, ItemReference]:
        """The references among the given items (those with no events of their own)."""

    def references_of(self, project_id: UUID, *, counts: bool = True
                      ) -> dict[UUID, tuple[tuple[int, int], ...]]:
        """Every item the project's restore referred to (materialised since or not), with
        its per-class counts at the restore (empty unless ``counts``)."""


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

    def read(self, project_id: UUID, lte: int, *, counts: bool = True
             ) -> ProjectSnapshot | None:
        """The newest intact snapshot at or before ``lte``; corrupt ones are skipped.
        Without ``counts`` the per-class counts are left empty (not parsed)."""

    def latest_position(self, project_id: UUID) -> int: ...


@runtime_checkable
class BulkDecoding(Protocol):
    """A transcoder that decodes many stored states faster together: those a thread
    decodes within ``decoding_in_bulk()`` are complete only once it ends, and are not
    read before (:mod:`application.core.loading`)."""

    def decoding_in_bulk(self) -> AbstractContextManager[None]: ...


@runtime_checkable
class BulkEncoding(Protocol):
    """A transcoder that encodes many annotation objects faster when it is shown them
    together first: within ``encoding_in_bulk(objects)``, this thread's encodings of
    those objects take what was prepared (:mod:`application.transfer.imports`)."""

    def encoding_in_bulk(self, objects: Iterable[Any]) -> AbstractContextManager[None]: ...


# -- version manifests (:mod:`application.versions.manifests`) --------------------------

class ManifestEntry(NamedTuple):
    """An item as a version's manifest holds it: what a compare needs without loading it.

    Ids and hashes are kept as bytes, so a manifest of 100,000 items is read without
    building 100,000 UUIDs and integers (ids as bytes sort as UUIDs do). Objects per
    class are summed in the root only: an entry leaves them to the catalog.
    """

    item_id: bytes
    """The item's UUID, its 16 bytes."""
    version: int
    state_hash: bytes
    """The first 16 bytes of the item's content hash (:func:`domain.digest.item_hash`,
    big-endian): equal hashes, equal items."""


@dataclass(frozen=True, slots=True)
class ManifestRoot:
    """A project's manifest at a position: its chunks, and the sums over their entries."""

    position: int
    meta_version: int
    items: int
    classes: tuple[tuple[int, int], ...]
    """Objects per class over every item, as ``(class id, count)`` pairs."""
    chunks: tuple[tuple[bytes, bytes], ...]
    """``(last item id, chunk key)`` in item id order (the key: the first 16 bytes of
    the sha256 of the chunk's stored bytes)."""


@dataclass(frozen=True, slots=True)
class ManifestAtHead:
    """Every item's entry at a project's head, from the catalog, in one consistent read."""

    position: int
    """The head's."""
    meta_version: int
    """The meta's version at the position asked for."""
    entries: list[ManifestEntry]
    """In item id order."""
    classes: dict[bytes, tuple[int, ...]]
    """Each item's objects per class, flat: ``(class id, count, ...)``."""


@dataclass(frozen=True, slots=True)
class StoredVersionManifest:
    """A version's stored manifest as ``verify`` reads it (every chunk's hash checked)."""

    number: int
    position: int
    root: ManifestRoot | None
    """None when the root cannot be read (``error`` says why)."""
    chunks: dict[bytes, list[ManifestEntry]]
    """The root's chunks that match their keys (chunks shared by roots are shared here)."""
    error: str


class ManifestStore(Protocol):
    """Version manifests: chunks of entries stored once under the hash of their bytes
    (shared by every version and project that holds them) and, per version, its root
    (whole, or as what changed since an earlier version's)."""

    def seal(self, entries: Sequence[ManifestEntry]) -> bytes:
        """The key of the chunk holding ``entries`` (sorted by item id); nothing is written."""

    def chunks(self, keys: Collection[bytes]) -> dict[bytes, list[ManifestEntry]]:
        """The chunks that exist and match their keys; a damaged one is left out."""

    def root(self, project_id: UUID, number: int) -> ManifestRoot | None:
        """Version ``number``'s root; None when none is stored or it cannot be read."""

    def latest_root(self, project_id: UUID, lte: int) -> tuple[int, ManifestRoot] | None:
        """The number and readable root of the project's latest version at or before
        position ``lte``."""

    def entries_at_head(self, project_id: UUID, position: int) -> ManifestAtHead:
        """The project's head, with the meta's version at ``position``: the manifest at
        ``position`` without the log, when no item changed between the two."""

    def save(self, project_id: UUID, number: int, root: ManifestRoot,
             chunks: Mapping[bytes, Sequence[ManifestEntry]],
             base: tuple[int, ManifestRoot] | None = None) -> None:
        """The chunks (by key) not stored yet and the root, in one transaction; the root
        may be stored as what differs from ``base`` (an earlier version's number and
        root). A readable root stored for the version already is kept."""


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

    def write(self, fmt: str, state: ProjectState | StateStream, outdir: Path,
              progress: Callable[[int, int], None] | None = None) -> None:
        """Write a whole state, or one streamed in batches (exports), to ``outdir``;
        ``progress(done, total)`` as items are written."""


# -- media ----------------------------------------------------------------------------
# The ledger holds only a MediaLink (URI + sha256); the store keeps bytes under their
# sha256 (stored once, never copied by versions or restores), and a link is data: bytes
# are read only from the store or the configured media roots (domain.media_policy).

class MediaStore(Protocol):
    def put(self, data: BinaryIO) -> MediaLink:
        """Store the bytes under their sha256; width and height are read from the image.

        Raises ValidationError (field ``file``) when the bytes are not an image.
        """

    def locate(self, sha256: str) -> Path | None:
        """The stored file of a sha256, or None."""


class MediaAccessRule(Protocol):
    def check_link(self, uri: str, field: str, *, sha256: str | None = None,
                   names: bool = False) -> None:
        """Accept a link a client gave (a store reference or an allowed scheme), or raise
        ValidationError naming ``field``."""

    def stored_sha(self, uri: str) -> str | None:
        """The sha256 whose store copy ``uri`` names, or None when it names no store copy."""

    def readable(self, link: MediaLink) -> Path | None:
        """The file an export may read for ``link``, or None (its URI alone is exported)."""

    def allowed(self, path: Path) -> Path | None:
        """``path`` resolved, when its bytes may leave the server as media; else None."""


# -- pixels -----------------------------------------------------------------------------
# Data operations that touch pixels (augment, convert, rasterize) do it through Imaging,
# so the application names no image library: what the port hands out, the application
# only hands back.

Picture = Any
"""Decoded image pixels, as :meth:`Imaging.decode` gives them."""

PlacedMask = Any
"""The pixels an area shape covers and where they sit on the image, as
:meth:`Imaging.area_mask` gives them."""

class EncodedPicture(NamedTuple):
    """Pixels written as image bytes, deterministically (same pixels, same bytes)."""

    data: bytes
    jpeg: bool
    """JPEG (a JPEG source without transparency stays one), else PNG."""


class Imaging(Protocol):
    """Images through augmentation steps, geometries moved with them, area shapes
    rasterized by pixel centres and masks traced back to polygons.

    Bad image bytes raise ValueError saying why; the caller names the item.
    """

    def size_of(self, data: bytes) -> tuple[int, int]:
        """Width and height read from the image's header alone."""

    def decode(self, data: bytes) -> Picture:
        """The pixels of image bytes."""

    def size(self, picture: Picture) -> tuple[int, int]:
        """Width and height of decoded pixels."""

    def apply(self, picture: Picture, steps: Sequence[DrawnStep]) -> Picture:
        """The pixels after every drawn step, in order; geometric steps resample with the
        inverse of the very map that moves the annotations."""

    def encode(self, picture: Picture) -> EncodedPicture:
        """The pixels as image bytes."""

    def move_geometry(self, shape: str, geometry: Geometry, where: Affine, width: int,
                      height: int) -> list[Geometry]:
        """``geometry`` after ``where`` on a ``width`` x ``height`` image, clipped; empty
        when nothing is left, several when a line falls apart."""

    def area_mask(self, shape: str, geometry: Geometry, width: int,
                  height: int) -> PlacedMask | None:
        """The pixels an area shape covers on a ``width`` x ``height`` image, trimmed to
        them; None when it covers none."""

    def bounds(self, mask: PlacedMask) -> tuple[int, int, int, int]:
        """Left, top, right and bottom edges of a mask's pixels (right and bottom
        exclusive)."""

    def bitmap_of(self, mask: PlacedMask) -> Geometry:
        """Supervisely's bitmap geometry of a mask."""

    def polygons_of(self, shape: str, geometry: Geometry) -> list[Geometry]:
        """A bitmap's or alpha mask's connected parts as polygons with their holes."""

    def uncovered(self, masks: Sequence[PlacedMask | None]) -> list[PlacedMask | None]:
        """Each mask less the pixels of the masks after it (drawn later, on top); None
        for one left with no pixel."""


# -- read models ------------------------------------------------------------------------

class AuditIndexPort(Protocol):
    """The audit projection: kept up to date from the log, queried by filters."""

    def catch_up(self, app: Any, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply every event after the index's tracked position; returns how many."""

    def query(self, where: AuditFilter, limit: int, offset: int) -> Sequence[AuditRow]:
        """Rows newest first (by time, then log order)."""


class ProjectionsPort(Protocol):
    """Every read model of the application, followed from its log."""

    def catch_up(self, *views: Any, progress: Callable[[int, int], None] | None = None,
                 batch: int = 1000) -> int:
        """Bring the given views (every view if none) up to date; returns events read."""

    def start(self) -> None:
        """Follow the log in the background until :meth:`stop`."""

    def stop(self, timeout: float = 10) -> None:
        """Stop following."""


# -- compliance -------------------------------------------------------------------------

class StreamLog(Protocol):
    def item_log(self, stream_id: UUID) -> list[LogRecord]:
        """Every event of one stream, in stream order, with its project log position."""


@dataclass(frozen=True, slots=True)
class ItemSnapshotRow:
    stored: StoredEvent
    checksum_ok: bool


@dataclass(frozen=True, slots=True)
class StoredManifest:
    position: int
    meta_version: int
    items: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] | None
    error: str


class ProjectReading(Protocol):
    """One log and the rows derived from it, read in one consistent snapshot (so a writer
    committing meanwhile cannot make a derived row look wrong)."""

    @property
    def head(self) -> ProjectHead | None:
        """The log's head row; None when there is none."""

    def records(self) -> Iterator[LogRecord]:
        """The log in position order, with ``recorded_at``; each row's hash link is checked
        as it is read (:attr:`chain` holds the outcome once the rows are read). Rows after
        a break are still given, for checks that replay the log as stored."""

    @property
    def chain(self) -> ChainReport:
        """The chain recomputed over the rows read, against the head row."""

    @property
    def broken(self) -> ChainReport | None:
        """The first break, as soon as the row that breaks the chain was read."""

    @property
    def links(self) -> dict[int, bytes]:
        """The recomputed links at the marked positions the chain reached intact."""

    def catalog(self) -> list[CatalogEntry]:
        """The catalog rows that name this project."""

    def item_snapshots(self) -> list[ItemSnapshotRow]:
        """Every aggregate snapshot (items, the project) of a stream in this log."""

    def manifests(self) -> list[StoredManifest]:
        """Every project snapshot as stored; ``error`` names what cannot be read."""

    def version_manifests(self) -> list[StoredVersionManifest]:
        """Every version manifest of this log as stored, each chunk's hash checked."""


class ProofStore(Protocol):
    """Reads for proofs: logs with their derived rows, as stored (bypassing the caches'
    own fallbacks, which hide damage on purpose)."""

    def reading(self, project_id: UUID, marks: Collection[int] = ()
                ) -> AbstractContextManager[ProjectReading]:
        """Open one log for reading; ``marks``: positions whose links to keep."""

    def logged_projects(self) -> list[UUID]:
        """Every log that holds an event (with a head row or not)."""

    def catalog_owners(self) -> list[UUID]:
        """Every project the catalog names."""

    def log_in_order(self, upto: int) -> Iterator[LogRecord]:
        """Every event up to notification id ``upto``, in notification order, with its
        ``project_id`` (what read models are derived from), streamed."""

    def log_of_event(self, notification_id: int) -> UUID | None:
        """The log an event belongs to (None: no such event)."""


@dataclass(frozen=True, slots=True)
class RowMismatch:
    """The first row of a read model that is not what the log gives."""

    key: str
    """Which row, as a person would name it (``event 31``, ``node project:...``)."""
    text: str
    """What differs (``actor 'mallory', log says 'alice'``)."""
    notification_id: int | None = None
    """The event the row derives from, when one does (to name the log it belongs to)."""


@dataclass(frozen=True, slots=True)
class DerivedCheck:
    label: str
    rows: int
    """Stored rows compared."""
    upto: int
    """The last event the read model had applied: what was recomputed."""
    mismatch: RowMismatch | None = None


class DerivedRows(Protocol):
    """A read model whose rows ``verify`` recomputes from the log and compares, fed by
    one pass over the log shared by every such model: :meth:`begin`, then :meth:`feed`
    each event it :meth:`handles` in notification order, then :meth:`end`."""

    label: str

    def begin(self) -> int:
        """Start; returns the last event the model had applied (later ones are ignored)."""

    def handles(self, topic: str) -> bool:
        """Whether events stored under ``topic`` derive rows of this model."""

    def feed(self, record: LogRecord, event: Any) -> None:
        """The next such event, decoded."""

    def end(self) -> DerivedCheck:
        """What was compared, and the first row that is not what the log gives."""


# -- workflow ---------------------------------------------------------------------------

WorkflowGraph = Any
"""A networkx ``MultiDiGraph`` of the workflow (the application layer imports no networkx)."""


class WorkflowPort(Protocol):
    """The MLOps workflow graph's read model, caught up before each question; ``only`` is
    the project a caller limited to one may read (None: every project)."""

    @property
    def view(self) -> Any:
        """The tracked view holding the graph (its storage, its position)."""

    def refresh(self) -> int:
        """Apply what the log holds beyond the view's position; returns how many."""

    def graph(self, as_of: str | float | datetime | None = None,
              only: UUID | None = None) -> WorkflowGraph:
        """The graph now (or then); with ``only``, the part a reader of that project sees."""

    def rebuild(self) -> int:
        """Forget the view and replay the whole log into it; returns how many events."""

    def resolve(self, ref: str, g: WorkflowGraph | None = None) -> str:
        """A node id from what a user typed; NotFoundError if the graph lacks it."""

    def upstream(self, ref: str, depth: int | None = None, as_of: str | float | None = None,
                 only: UUID | None = None) -> WorkflowGraph: ...

    def downstream(self, ref: str, depth: int | None = None, as_of: str | float | None = None,
                   only: UUID | None = None) -> WorkflowGraph: ...

    def around(self, ref: str | None, direction: str = "both", depth: int | None = None,
               as_of: str | float | None = None, only: UUID | None = None) -> WorkflowGraph:
        """The whole graph (no ref), or what is upstream, downstream or both of a node."""

    def trained_on(self, project: str, item: str, as_of: str | float | None = None,
                   only: UUID | None = None) -> list[dict[str, Any]]:
        """Model weights trained on a version of ``project`` that contained ``item``."""

    def provenance(self, ref: str, depth: int | None = None, as_of: str | float | None = None,
                   only: UUID | None = None) -> dict[str, Any]: ...
