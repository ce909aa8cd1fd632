"""An item as a write saved it: what the HTTP API answers a write with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.errors import NotFoundError
from domain.state import ItemState, MetaState
from domain.supervisely_json import annotation_json, object_json


@dataclass(frozen=True, slots=True)
class SavedItem:
    """The item's state and version as one write saved them, and the project meta that
    write was checked against.

    A write answers with this, never with a read after it: by then another writer may
    have saved a newer version, and a client handed that version as its ETag would
    overwrite a change it never saw.
    """

    project_id: UUID
    state: ItemState
    version: int
    meta: MetaState

    @property
    def id(self) -> UUID:
        assert self.state.id is not None
        return self.state.id

    def annotation(self) -> dict[str, Any]:
        """The annotation as Supervisely JSON (``ann/<item>.json``)."""
        return annotation_json(self.meta, self.state)

    def object(self, object_id: int) -> dict[str, Any]:
        """One object as Supervisely JSON."""
        found = next((o for o in self.state.objects if o.id == object_id), None)
        if found is None:
            raise NotFoundError("object", f"{object_id} in item {self.id}")
        return object_json(self.meta, found)
