"""Restore by reference: a restored project's items refer to their source's states.

A restore writes the new project's first event and, for each item of the version, a
catalog entry that *refers* to the source item's state at the version (its id and
version, with the content hash and counts the source's catalog already holds), so
nothing is decoded or re-encoded and the digest and counts are right at once. The
database copies those entries itself (:class:`application.ports.ReferenceCopy`): the
application hands it only ``(source item, version, new id)`` for each item. Such an
item has no events of its own; loading it loads the state it refers to
(:func:`application.core.loading.load_states`). Its first change writes it into its own
stream (copy on write): an ``Item.Restored`` event carrying the state and where it came
from, then the change, in one transaction.

References are flattened when made: a restore of a restored project refers to the
stream that holds the state (the original's, or the restored item's own once written),
never to another reference. A restored item's id is derived from the new project's id
and the item's id in the version restored, so the references can be recomputed from the
log (``verify``: :mod:`application.compliance.reference_check`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from application.core.catalog import state_entry
from application.core.loading import load_states
from application.ports import CatalogEntry
from domain.errors import NotFoundError
from domain.item import Item
from domain.values import Context

if TYPE_CHECKING:
    from application.core.ledger_core import LedgerCore


def restored_id(project_id: UUID, source_item: UUID) -> UUID:
    """The id in the restored project ``project_id`` of the version's item ``source_item``."""
    return uuid5(project_id, str(source_item))


def reference_rows(project_id: UUID, versions: Mapping[UUID, int]
                   ) -> list[tuple[UUID, int, UUID]]:
    """``(source item, version, restored id)`` for each item of the version restored
    into ``project_id``, ordered by source item: the database then reads the source's
    rows in the order of its index on item ids, touching each page of it once."""
    rows = [(item_id, version, restored_id(project_id, item_id))
            for item_id, version in versions.items()]
    rows.sort(key=lambda row: row[0].int)
    return rows


def computed_references(core: LedgerCore, project_id: UUID,
                        missing: Iterable[tuple[UUID, int, UUID]],
                        datasets: Collection[int] | None) -> list[CatalogEntry]:
    """The restored project's entries for items whose entry at their version the
    catalog does not hold (a database written before superseded rows were kept),
    computed from the items loaded at that version; only those in ``datasets``."""
    wanted = {source: version for source, version, _ in missing}
    found = []
    for state in load_states(core.store, core.mapper, wanted, core.item_snapshot_every):
        assert state.id is not None
        if datasets is None or state.dataset_id in datasets:
            found.append(reference(project_id, state.id, wanted[state.id],
                                   state_entry(state.id, wanted[state.id], state)))
    return found


def reference(project_id: UUID, item_id: UUID, version: int, entry: CatalogEntry
              ) -> CatalogEntry:
    """The restored project's entry for the version's item ``item_id`` at ``version``."""
    return CatalogEntry(restored_id(project_id, item_id), entry.dataset_id, entry.name, 1,
                        entry.objects, entry.state_hash, entry.classes, entry.tag_ids,
                        source=entry.source or (item_id, version))


def referenced_item(core: LedgerCore, item_id: UUID) -> Item:
    """A restored project's item that has no events yet, written into its own stream in
    memory (its ``Restored`` event pending): saving it with a change is the copy on
    write. NotFoundError when ``item_id`` is no such item."""
    ref = core.store.sources([item_id]).get(item_id)
    if ref is None:
        raise NotFoundError("item", item_id)
    state = next(load_states(core.store, core.mapper, {ref.source_id: ref.source_version},
                             core.item_snapshot_every), None)
    if state is None:
        raise NotFoundError("item", f"{ref.source_id} v{ref.source_version}, the source of "
                                    f"{item_id}")
    origin = restore_origin(core, ref.project_id)
    return Item.materialise(item_id, ref.project_id, state,
                            (ref.source_id, ref.source_version), origin)


def restore_origin(core: LedgerCore, project_id: UUID) -> Context:
    """Who restored the project, and through which session (its first event's)."""
    first = core.store.log(project_id, lte=1)
    if not first:
        raise NotFoundError("project", project_id)
    event: Any = core.mapper.to_domain_event(first[0].stored_event())
    return Context(event.actor, event.session_id)
