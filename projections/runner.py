"""Keeping read models up to date from the log, with a tracked position.

A view processes notifications in log order and records, in the same transaction as
its rows, the id of the last notification it applied (the library's tracking record).
After a restart it resumes from there, so no event is missed or applied twice; deleting
its rows and tracking rebuilds it from scratch. This is a pull loop, so it works the
same on SQLite (no push subscriptions) and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

Decoded = tuple[Notification, Any]
"""A notification and its domain event."""


class TrackedView(Protocol):
    name: str
    """The tracking key: one position per view."""

    def position(self) -> int:
        """The id of the last notification applied (0 if none)."""

    def apply(self, batch: Sequence[Decoded]) -> None:
        """Write the batch's effect and its last id, atomically."""


def catch_up(app: Application[Any], view: TrackedView, *, batch: int = 1000,
             progress: Callable[[int, int], None] | None = None) -> int:
    """Apply every notification after the view's position; returns how many."""
    done = 0
    start = view.position()
    last = app.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
    while True:
        notes = app.recorder.select_notifications(  # type: ignore[attr-defined]
            start=start, limit=batch, inclusive_of_start=False)
        if not notes:
            return done
        view.apply([(n, app.mapper.to_domain_event(n)) for n in notes])
        start = notes[-1].id
        done += len(notes)
        if progress is not None:
            progress(min(start, last), last)


class Follower(threading.Thread):
    """Catches a view up every ``interval`` seconds until stopped (for the server)."""

    def __init__(self, app: Application[Any], view: TrackedView, interval: float = 0.2) -> None:
        super().__init__(name=f"follow-{view.name}", daemon=True)
        self.app, self.view, self.interval = app, view, interval
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                catch_up(self.app, self.view)
            except Exception as exc:  # keep following; the next round retries
                self.error = exc
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
