"""What a restored project's references must be, recomputed from the logs.

A restore by reference writes no item events (:mod:`application.core.references`), so
``verify`` cannot fold a restored project's items from its own log alone. Its first
event names the source project and the version's log position, and holds the datasets
kept: the items the restore referred to are the source's items at that position in
those datasets, each under the id derived from the new project's, with the content
they had then. :class:`References` recomputes those entries from the source's log, and
reads the state a stored reference points at from that stream (its events, or the item
snapshots verify checks against them), so a forged reference (another item, another
version, other counts) is named.
"""

from __future__ import annotations

from uuid import UUID

from application.core.catalog import state_entry
from application.core.ledger_core import LedgerCore
from application.core.loading import load_items
from application.core.references import restored_id
from application.core.states import States
from application.ports import CatalogEntry
from domain.digest import item_hash
from domain.project import Project


class References:
    """Expected references of restored projects, and the states references point at."""

    def __init__(self, core: LedgerCore, states: States) -> None:
        self.core = core
        self.states = states

    def expected(self, created: Project) -> dict[UUID, CatalogEntry]:
        """The entries the restore that created ``created`` (the project as its first
        event made it) referred to, by item id; none for a project not restored by
        reference (restores by earlier releases copied every item as an event)."""
        provenance = created.provenance
        if provenance is None or not provenance.by_reference:
            return {}
        source = provenance.project_id
        manifest = self.states.manifest_at(source, provenance.position)
        kept = created.datasets
        found = {}
        for state in self.states.items_at(manifest):
            if state.dataset_id in kept:
                assert state.id is not None
                item_id = restored_id(created.id, state.id)
                found[item_id] = state_entry(item_id, 1, state)
        return found

    def hash_at(self, source: tuple[UUID, int]) -> int | None:
        """The content hash of the state stream ``source[0]`` holds at version
        ``source[1]``, from its own events (None: it holds none there)."""
        stream, version = source
        for item in load_items(self.core.store, self.core.mapper, {stream: version},
                               self.core.item_snapshot_every):
            if item.version == version:
                return item_hash(item.to_state())
        return None
