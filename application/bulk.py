"""Writing many aggregates in one transaction: imports, restores, reverts.

Events are collected and encoded batch by batch while the transaction is open, so
memory stays bounded and a failure anywhere (bad input, a crash) writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent

from application.base import LedgerBase
from application.ports import ProjectWrite
from domain.errors import StaleVersionError

Batch = tuple[Sequence[Any], ProjectWrite]
"""Aggregates with pending events, and how the catalog and head change with them."""

BATCH_ITEMS = 500


def write_batches(app: LedgerBase, batches: Iterable[Batch]) -> int:
    """Record every batch atomically; returns how many events were recorded."""

    def encoded() -> Iterator[tuple[Sequence[StoredEvent], ProjectWrite]]:
        for aggregates, write in batches:
            events = [e for agg in aggregates for e in agg.collect_events()]
            yield [app.mapper.to_stored_event(e) for e in events], write

    try:
        return app.store.insert_stream(encoded())
    except IntegrityError as exc:
        raise StaleVersionError("stream", "its last version", "a newer one") from exc
