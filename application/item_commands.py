"""Commands on items and their annotations: each touches one item, never the project.

``expected_version`` is the optimistic-concurrency check the HTTP API exposes as an
ETag: a command against a stale version is refused, never merged silently.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from application.base import LedgerBase, utc_now
from domain.errors import DuplicateNameError, StaleVersionError
from domain.item import Item
from domain.state import ItemState
from domain.values import AnnotationObject, Context, MediaLink, Tag


def new_object_id() -> int:
    """Random 52-bit ids: unique in practice, and safe in JavaScript clients."""
    return secrets.randbits(52) | (1 << 52)


class ItemCommands(LedgerBase):
    def upload_item(
        self, project_id: UUID, dataset_id: int, name: str, media: MediaLink, ctx: Context,
        *, tags: tuple[Tag, ...] = (), objects: tuple[AnnotationObject, ...] = (),
        description: str = "",
    ) -> UUID:
        meta = self.get_project(project_id).meta
        if self.store.find_item(project_id, dataset_id, name) is not None:
            raise DuplicateNameError(f"dataset {dataset_id} already holds an item named '{name}'")
        objects = tuple(_with_id(o) for o in objects)
        state = ItemState(dataset_id, name, media, tags, objects, description)
        item = Item.upload(project_id, meta, state, ctx)
        self.save_item(item)
        return item.id

    def add_object(
        self, item_id: UUID, obj: AnnotationObject, ctx: Context,
        expected_version: int | None = None,
    ) -> int:
        item = self._item_for_update(item_id, expected_version)
        now = utc_now()
        obj = AnnotationObject(
            obj.id or new_object_id(), obj.class_id, obj.geometry, obj.tags,
            obj.labeler or ctx.actor, obj.created_at or now, obj.updated_at or now,
            obj.description,
        )
        item.add_object(self.get_project(item.project_id).meta, obj, ctx)
        self.save_item(item)
        return obj.id

    def change_object(
        self, item_id: UUID, object_id: int, ctx: Context, *,
        geometry: dict[str, Any] | None = None, class_id: int | None = None,
        tags: tuple[Tag, ...] | None = None, expected_version: int | None = None,
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        meta = self.get_project(item.project_id).meta
        item.change_object(meta, object_id, ctx, utc_now(), geometry=geometry,
                           class_id=class_id, tags=tags)
        self.save_item(item)

    def remove_object(
        self, item_id: UUID, object_id: int, ctx: Context, expected_version: int | None = None
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        item.remove_object(object_id, ctx)
        self.save_item(item)

    def replace_annotation(
        self, item_id: UUID, ctx: Context, *, tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...], description: str = "",
        expected_version: int | None = None,
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        meta = self.get_project(item.project_id).meta
        state = ItemState(item.dataset_id, item.name, item.media, tags,
                          tuple(_with_id(o) for o in objects), description)
        item.replace_annotation(meta, state, ctx)
        self.save_item(item)

    def set_item_tag(
        self, item_id: UUID, tag: Tag, ctx: Context, expected_version: int | None = None
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        item.set_tag(self.get_project(item.project_id).meta, tag, ctx)
        self.save_item(item)

    def remove_item_tag(
        self, item_id: UUID, meta_id: int, ctx: Context, expected_version: int | None = None
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        item.remove_tag(meta_id, ctx)
        self.save_item(item)

    def move_item(
        self, item_id: UUID, dataset_id: int, name: str, ctx: Context,
        expected_version: int | None = None,
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        self.get_project(item.project_id).get_dataset(dataset_id)
        item.move(dataset_id, name, ctx)
        self.save_item(item)

    def remove_item(
        self, item_id: UUID, ctx: Context, expected_version: int | None = None
    ) -> None:
        item = self._item_for_update(item_id, expected_version)
        item.remove(ctx)
        self.save_item(item)

    def _item_for_update(self, item_id: UUID, expected_version: int | None) -> Item:
        item = self.get_item(item_id)
        if expected_version is not None and item.version != expected_version:
            raise StaleVersionError(f"item {item_id}", expected_version, item.version)
        return item


def _with_id(obj: AnnotationObject) -> AnnotationObject:
    if obj.id:
        return obj
    return AnnotationObject(new_object_id(), obj.class_id, obj.geometry, obj.tags, obj.labeler,
                            obj.created_at, obj.updated_at, obj.description)
