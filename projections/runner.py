"""One runner that keeps every read model up to date from the log, with tracked positions.

A read model is a :class:`TrackedView`, a :class:`eventsourcing.projection.Projection`:
it says which domain event classes it handles by registering them on its
``process_event`` (a :func:`functools.singledispatchmethod`), so dispatch follows the
classes themselves, never their module paths, and an event of any other class is
skipped. A stored topic is resolved to its class once, by the application's mapper.

Positions live in one table, the recorder's tracking table, one row per view name,
through the library's :class:`~eventsourcing.persistence.TrackingRecorder` interface
(:class:`ViewTracking`). A view writes a batch's rows and its tracking record in one
transaction that holds the view's tracking row (``SELECT ... FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so after a restart it resumes where it
stopped, and two runners following at once apply each event once. Deleting a view's
rows and tracking rebuilds it from the first event.

:class:`ProjectionRunner` reads each batch of notifications once, decodes it once and
offers it to every registered view. It pulls, on SQLite (which has no push) and on
PostgreSQL alike: queries call :meth:`ProjectionRunner.catch_up` before answering
(read-your-writes), and the server's background thread calls it every ``interval``
seconds, so a pull when nothing is new costs one indexed query per view.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection, Engine, MetaData
from sqlalchemy import exc as sa_exc

if TYPE_CHECKING:
    from application.core.ledger_core import LedgerCore

Decoded = tuple[Notification, Any]
"""A notification and its domain event."""

Progress = Callable[[int, int], None]
"""Told ``(done up to, last)`` notification ids after every batch."""

log = logging.getLogger("annoledger.projections")


class ViewTracking(Protocol):
    """Where views record how far they got: the application recorder's tracking table.

    The library's ``TrackingRecorder`` reads (``max_tracking_id``), and the writes a
    view makes inside its own transaction, so its rows and its position commit together.
    """

    def max_tracking_id(self, application_name: str) -> int | None:
        """The view's position, or None if it has none."""

    def lock_tracking(self, conn: Connection, application_name: str) -> int | None:
        """The view's position, its row held until ``conn``'s transaction ends."""

    def record_tracking(self, conn: Connection, tracking: Tracking) -> None:
        """Move the view's position forward (an IntegrityError if it would not move)."""

    def forget_tracking(self, conn: Connection, application_name: str) -> None:
        """Delete the view's position."""


class ViewStorage(Protocol):
    """What the composition root hands a view: a database, its table maker, the tracking."""

    @property
    def engine(self) -> Engine: ...

    @property
    def tracking(self) -> ViewTracking: ...

    def create_tables(self, metadata: MetaData) -> None:
        """Create the missing tables of ``metadata`` (safe when processes race)."""


class TrackedView(Projection[Any]):
    """A read model fed in log order, writing its rows and position atomically.

    Subclasses register the event classes they handle on :meth:`process_event` and
    write what those events collected in :meth:`close_batch`; :meth:`open_batch` may
    read what the batch needs first, and :meth:`clear` deletes every row.
    """

    name = "view"
    metadata: MetaData | None = None
    """The view's tables, created on first use."""

    def __init__(self, storage: ViewStorage) -> None:
        super().__init__(view=storage.tracking)
        self.storage = storage
        self.engine = storage.engine
        self.tracking = storage.tracking
        self._ready = False
        self._applying = threading.Lock()
        """One batch at a time in this process (the database serialises processes)."""

    # -- what subclasses define ------------------------------------------------------------

    @functools.singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        """An event of a class this view does not handle: skipped."""

    @classmethod
    def handled_classes(cls) -> frozenset[type]:
        """The event classes registered on ``process_event`` (their subclasses follow)."""
        dispatch = inspect.getattr_static(cls, "process_event")
        return frozenset(k for k in dispatch.dispatcher.registry if k is not object)

    def handles(self, domain_event: object) -> bool:
        return any(isinstance(domain_event, c) for c in self.handled_classes())

    def open_batch(self, conn: Connection, position: int, batch: Sequence[Decoded]) -> None:
        """Before the batch's events are processed, inside its transaction."""

    def close_batch(self, conn: Connection) -> None:
        """After the batch's events are processed: write what they collected."""

    def committed(self, before: int, after: int) -> None:
        """The batch from ``before`` to ``after`` is committed."""

    def abandoned(self) -> None:
        """The batch was rolled back: drop whatever it collected in memory."""

    def clear(self, conn: Connection) -> None:
        """Delete every row of the view (not its position)."""

    # -- the tracked part ------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the tables and the tracking row; a view with no position starts empty."""
        if self._ready:
            return
        if self.metadata is not None:
            self.storage.create_tables(self.metadata)
        if self.tracking.max_tracking_id(self.name) is None:
            try:
                with self.writing() as conn:
                    if self.tracking.lock_tracking(conn, self.name) is None:
                        self.clear(conn)  # rows of no known position: start over
                        self.tracking.record_tracking(conn, Tracking(self.name, 0))
            except (sa_exc.IntegrityError, IntegrityError):
                pass  # another process created it first
        self._ready = True

    def position(self) -> int:
        """The id of the last notification applied (0 if none)."""
        self.ensure()
        return self.tracking.max_tracking_id(self.name) or 0

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                yield conn

    def apply(self, batch: Sequence[Decoded]) -> int:
        """Process the batch's events after the view's position; returns how many."""
        self.ensure()
        with self._applying:
            return self._apply(batch)

    def _apply(self, batch: Sequence[Decoded]) -> int:
        try:
            with self.writing() as conn:
                done = self.tracking.lock_tracking(conn, self.name) or 0
                fresh = [(n, e) for n, e in batch if n.id > done]
                if not fresh:
                    return 0
                self.open_batch(conn, done, fresh)
                for n, e in fresh:
                    self.process_event(e, Tracking(self.name, n.id))
                self.close_batch(conn)
                last = fresh[-1][0].id
                self.tracking.record_tracking(conn, Tracking(self.name, last))
        except (sa_exc.IntegrityError, IntegrityError):
            self.abandoned()
            return 0  # another runner recorded these events first
        except BaseException:
            self.abandoned()
            raise
        self.committed(done, last)
        return len(fresh)

    def reset(self) -> None:
        """Forget every row and the position: the next catch-up rebuilds from scratch."""
        self.ensure()
        with self._applying, self.writing() as conn:
            self.tracking.lock_tracking(conn, self.name)
            self.clear(conn)
            self.tracking.forget_tracking(conn, self.name)
        self.abandoned()


def catch_up(core: LedgerCore, *views: TrackedView, batch: int = 1000,
             progress: Progress | None = None) -> int:
    """Apply every notification after the views' positions; returns how many were read.

    Each batch is read and decoded once, from the position of the view furthest
    behind, and offered to every view, which takes what lies beyond its own position.
    """
    if not views:
        return 0
    done = 0
    start = min(v.position() for v in views)
    last = core.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
    while True:
        notes = core.recorder.select_notifications(  # type: ignore[attr-defined]
            start=start, limit=batch, inclusive_of_start=False)
        if not notes:
            return done
        decoded = [(n, core.mapper.to_domain_event(n)) for n in notes]
        for view in views:
            view.apply(decoded)
        start = notes[-1].id
        done += len(notes)
        if progress is not None:
            progress(min(start, last), last)


class ProjectionRunner:
    """Every read model of the ledger, followed from its core's log.

    :meth:`catch_up` brings some or all views up to the last committed event (queries
    call it before answering); :meth:`start` follows the log in one background thread,
    pulling every ``interval`` seconds, until :meth:`stop`.
    """

    def __init__(self, core: LedgerCore, views: Sequence[TrackedView] = (),
                 *, interval: float = 0.5) -> None:
        self.core = core
        self.views: dict[str, TrackedView] = {}
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        for view in views:
            self.register(view)

    def register(self, view: TrackedView) -> None:
        if view.name in self.views and self.views[view.name] is not view:
            raise ValueError(f"a view named '{view.name}' is already registered")
        self.views[view.name] = view

    def catch_up(self, *views: TrackedView, progress: Progress | None = None,
                 batch: int = 1000) -> int:
        """Bring the given views (every view if none) up to date; returns notifications read."""
        return catch_up(self.core, *(views or tuple(self.views.values())), batch=batch,
                        progress=progress)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._follow, name="annoledger-projections",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _follow(self) -> None:
        while not self._stopping.is_set():
            try:
                self.catch_up()
            except Exception:  # one view failing must not hold the others back
                for view in list(self.views.values()):
                    try:
                        self.catch_up(view)
                    except Exception as exc:  # keep following; the next round retries
                        self.error = exc
                        log.exception("following the log into the view '%s' failed",
                                      view.name)
            self._stopping.wait(self.interval)
