"""Commands on items and their annotations: each touches one item, never the project.

Every edit goes through :meth:`Items.edit`: load the item, check the
version the caller last saw (the HTTP API's ETag), apply the change against the
project's meta, save, and return the item as saved (:class:`SavedItem`; the typed
commands below return its new version). A restored project's item that still refers to
its source is written into its own stream with its first change (copy on write,
:mod:`application.core.references`); an edit that changes nothing leaves it referring.
A stale version, or another writer getting there first, is refused with the current
version named: never merged.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

from application.core.clock import utc_now
from application.core.ledger_core import LedgerCore
from application.views.items import SavedItem
from domain.errors import DuplicateNameError, NotFoundError, StaleVersionError
from domain.item import Item
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, MediaLink, Tag

Edit = Callable[[Item, MetaState], None]


def new_object_id() -> int:
    """Random 52-bit ids: unique in practice, and safe in JavaScript clients."""
    return secrets.randbits(52) | (1 << 52)


def assign_id(obj: AnnotationObject) -> AnnotationObject:
    """The object with a fresh id if it has none (older exports, new objects)."""
    return obj if obj.id else replace(obj, id=new_object_id())


def with_defaults(obj: AnnotationObject, ctx: Context,
                  old: AnnotationObject | None = None) -> AnnotationObject:
    """What a client left out of an object it sends. A new object gets a fresh id, the
    caller as labeler and now as times; one the item has (``old``) keeps its labeler and
    creation time, and its update time follows :func:`domain.item.stamped` (now if it
    changes, as it was if not)."""
    if old is not None:
        return replace(obj, labeler=obj.labeler or old.labeler,
                       created_at=obj.created_at or old.created_at)
    now = utc_now()
    return replace(obj, id=obj.id or new_object_id(), labeler=obj.labeler or ctx.actor,
                   created_at=obj.created_at or now, updated_at=obj.updated_at or now)


class Items:
    """The item commands: each loads one item, changes it and saves it."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def get(self, item_id: UUID) -> Item:
        """The item, unless missing or removed (NotFoundError)."""
        return self.core.get_item(item_id)

    def upload(self, project_id: UUID, state: ItemState, ctx: Context) -> SavedItem:
        """A new item; objects without ids get one. A taken name is refused."""
        meta = self.core.project_meta(project_id)
        if self.core.store.find_item(project_id, state.dataset_id, state.name) is not None:
            raise DuplicateNameError(
                f"dataset {state.dataset_id} already holds an item named '{state.name}'")
        state = replace(state, objects=tuple(assign_id(o) for o in state.objects))
        item = Item.upload(project_id, meta, state, ctx)
        self.core.save_item(item)
        return SavedItem(project_id, item.to_state(), item.version, meta)

    def upload_item(
        self, project_id: UUID, dataset_id: int, name: str, media: MediaLink, ctx: Context,
        *, tags: tuple[Tag, ...] = (), objects: tuple[AnnotationObject, ...] = (),
        description: str = "",
    ) -> UUID:
        return self.upload(project_id, ItemState(dataset_id, name, media, tags, objects,
                                                 description), ctx).id

    def edit(
        self, item_id: UUID, edit: Edit, *, expected_version: int | None = None,
        project_id: UUID | None = None,
    ) -> SavedItem:
        """Apply ``edit`` to the item (in ``project_id``, if given); returns the item as
        saved, at its new version."""
        item = self.core.get_item(item_id)
        if project_id is not None and item.project_id != project_id:
            raise NotFoundError("item", item_id)
        if expected_version is not None and item.version != expected_version:
            raise StaleVersionError(f"item {item_id}", expected_version, item.version)
        meta = self.core.project_meta(item.project_id)
        edit(item, meta)
        if all(isinstance(e, Item.Restored) for e in item.pending_events):
            # Nothing changed: a restored project's item keeps referring to its source.
            return SavedItem(item.project_id, item.to_state(), item.version, meta)
        try:
            self.core.save_item(item)
        except StaleVersionError:
            current = self.core.store.catalog_entry(item_id)
            raise StaleVersionError(f"item {item_id}", expected_version or item.version - 1,
                                    current.version if current else "removed") from None
        return SavedItem(item.project_id, item.to_state(), item.version, meta)

    def add_object(
        self, item_id: UUID, obj: AnnotationObject, ctx: Context,
        expected_version: int | None = None,
    ) -> int:
        """Returns the new object's id."""
        obj = with_defaults(obj, ctx)
        self.edit(item_id, lambda item, meta: item.add_object(meta, obj, ctx),
                  expected_version=expected_version)
        return obj.id

    def change_object(
        self, item_id: UUID, object_id: int, ctx: Context, *,
        geometry: dict[str, Any] | None = None, class_id: int | None = None,
        tags: tuple[Tag, ...] | None = None, labeler: str | None = None,
        description: str | None = None, updated_at: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Change any of the object's fields given (see :meth:`Item.change_object`)."""
        now = utc_now()
        return self.edit(item_id, lambda item, meta: item.change_object(
            meta, object_id, ctx, now, geometry=geometry, class_id=class_id, tags=tags,
            labeler=labeler, description=description, updated_at=updated_at),
            expected_version=expected_version).version

    def remove_object(
        self, item_id: UUID, object_id: int, ctx: Context, expected_version: int | None = None
    ) -> int:
        return self.edit(item_id, lambda item, _: item.remove_object(object_id, ctx),
                         expected_version=expected_version).version

    def replace_annotation(
        self, item_id: UUID, ctx: Context, *, tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...], description: str = "",
        expected_version: int | None = None,
    ) -> int:
        now = utc_now()

        def edit(item: Item, meta: MetaState) -> None:
            state = ItemState(item.dataset_id, item.name, item.media, tags,
                              tuple(assign_id(o) for o in objects), description)
            item.replace_annotation(meta, state, ctx, now)

        return self.edit(item_id, edit, expected_version=expected_version).version

    def set_tag(
        self, item_id: UUID, tag: Tag, ctx: Context, expected_version: int | None = None
    ) -> int:
        return self.edit(item_id, lambda item, meta: item.set_tag(meta, tag, ctx),
                         expected_version=expected_version).version

    def remove_tag(
        self, item_id: UUID, meta_id: int, ctx: Context, expected_version: int | None = None
    ) -> int:
        return self.edit(item_id, lambda item, _: item.remove_tag(meta_id, ctx),
                         expected_version=expected_version).version

    def move(
        self, item_id: UUID, dataset_id: int, name: str, ctx: Context,
        expected_version: int | None = None,
    ) -> int:
        def edit(item: Item, meta: MetaState) -> None:
            if dataset_id not in meta.datasets:
                raise NotFoundError("dataset", dataset_id)
            item.move(dataset_id, name, ctx)

        return self.edit(item_id, edit, expected_version=expected_version).version

    def remove(
        self, item_id: UUID, ctx: Context, expected_version: int | None = None
    ) -> int:
        return self.edit(item_id, lambda item, _: item.remove(ctx),
                         expected_version=expected_version).version
