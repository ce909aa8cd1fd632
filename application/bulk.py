"""Writing many aggregates in one transaction: imports, restores, reverts.

Events are collected and encoded batch by batch while the transaction is open, so
memory stays bounded and a failure anywhere (bad input, a crash) writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from application.base import LedgerBase, catalog_entry
from application.ports import ProjectWrite
from domain.errors import StaleVersionError
from domain.item import Item

Batch = tuple[Sequence[Any], ProjectWrite]
"""Aggregates with pending events, and how the catalog and head change with them."""

BATCH_ITEMS = 500


def item_batch(project_id: UUID, items: Sequence[Item]) -> Batch:
    """Items of one project, with their catalog entries."""
    return list(items), ProjectWrite(project_id, items=[catalog_entry(i) for i in items])


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
