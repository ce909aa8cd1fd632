"""Batches for writing many aggregates in one transaction (imports, restores, reverts):
see :meth:`application.core.ledger_core.LedgerCore.write_batches`."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from uuid import UUID

from application.core.catalog import catalog_entry
from application.ports import BulkEncoding, ProjectWrite
from domain.item import Item

Batch = tuple[Sequence[Any], ProjectWrite]
"""Aggregates with pending events, and how the catalog and head change with them."""

BATCH_ITEMS = 500


def item_batch(project_id: UUID, items: Sequence[Item]) -> Batch:
    """Items of one project, with their catalog entries."""
    return list(items), ProjectWrite(project_id, items=[catalog_entry(i) for i in items])


def encoded_together(transcoder: object, items: Sequence[Item]) -> AbstractContextManager[None]:
    """The batch's annotation objects shown to the transcoder together, when it can
    encode them faster so (:class:`~application.ports.BulkEncoding`)."""
    if not isinstance(transcoder, BulkEncoding):
        return nullcontext()
    return transcoder.encoding_in_bulk(o for item in items for o in item.objects.values())
