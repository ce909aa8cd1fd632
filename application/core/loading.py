"""Loading many items at given versions with few queries.

Item snapshots are taken at versions that are multiples of the interval, so the
snapshot to start from is known without asking: one query fetches a batch's
snapshots, one per group of items that start from the same version fetches the tails.
A snapshot that is missing or fails its checksum is simply not used: the item is then
replayed from its first event. Never wrong data, only slower. A restored project's item
that has no events yet is loaded as the source state it refers to.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from application.ports import BulkDecoding, LedgerStore
from domain.item import Item
from domain.state import ItemState

BATCH = 500


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk decoding creates millions of small objects: the collector only slows it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_items(
    store: LedgerStore, mapper: Mapper[UUID], wanted: Mapping[UUID, int], interval: int
) -> Iterator[Item]:
    """Yield each wanted item as it stood at its wanted version (in batches). A batch's
    events are all decoded before any is applied, so that a transcoder that decodes in
    bulk (:class:`~application.ports.BulkDecoding`) completes them together."""
    ids = list(wanted)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        snap_at = {i: (wanted[i] // interval) * interval for i in batch}
        pairs = [(i, v) for i, v in snap_at.items() if v > 0]
        snaps = {_uuid(s.originator_id): s for s in store.stream_snapshots(pairs)} if pairs else {}
        groups: dict[int, list[UUID]] = defaultdict(list)
        for i in batch:
            groups[snap_at[i] if i in snaps else 0].append(i)
        decoded: list[list[Any]] = []
        with _in_bulk(mapper):
            for gt, group in groups.items():
                tails: dict[UUID, list[StoredEvent]] = defaultdict(list)
                for e in store.stream_events(group, gt):
                    tails[_uuid(e.originator_id)].append(e)
                for i in group:
                    events = [_event(mapper, snaps[i])] if gt else []
                    for e in tails[i]:
                        if e.originator_version > wanted[i]:
                            break
                        events.append(_event(mapper, e))
                    decoded.append(events)
        for events in decoded:
            agg: Any = None
            for event in events:
                agg = event.mutate(agg)
            if agg is not None:
                yield agg


def _in_bulk(mapper: Mapper[UUID]) -> AbstractContextManager[None]:
    transcoder = mapper.transcoder
    return transcoder.decoding_in_bulk() if isinstance(transcoder, BulkDecoding) \
        else nullcontext()


def load_states(
    store: LedgerStore, mapper: Mapper[UUID], wanted: Mapping[UUID, int], interval: int
) -> Iterator[ItemState]:
    """Each wanted item's state at its wanted version, as :func:`load_items` gives it,
    and a restored project's items that have no events yet by the state they refer
    to (:mod:`application.core.references`), under their own ids."""
    loaded: set[UUID] = set()
    for item in load_items(store, mapper, wanted, interval):
        loaded.add(item.id)
        yield item.to_state()
    refs = store.sources([i for i in wanted if i not in loaded])
    if not refs:
        return
    referring: dict[UUID, list[UUID]] = defaultdict(list)
    sources: dict[UUID, int] = {}
    for ref in refs.values():
        referring[ref.source_id].append(ref.item_id)
        sources[ref.source_id] = ref.source_version
    for state in load_states(store, mapper, sources, interval):
        assert state.id is not None
        for item_id in referring[state.id]:
            yield replace(state, id=item_id)


def _event(mapper: Mapper[UUID], stored: StoredEvent) -> Any:
    return mapper.to_domain_event(stored)


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
