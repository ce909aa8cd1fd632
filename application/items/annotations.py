"""Item commands as the HTTP API needs them: scoped to a project, guarded by the version
the client last saw, taking Supervisely JSON, and returning the item as the write saved
it (:class:`SavedItem`: its state, its new version, the meta it was checked against), so
a response never carries another writer's later version as its ETag.

``expected`` is the client's ETag (None when it sent ``If-Match: *``). A stale one, or a
concurrent writer that got there first, raises StaleVersionError naming the current
version, so the client can re-read and retry: no change is ever merged silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO
from uuid import UUID

from application.core.clock import utc_now
from application.core.ledger_core import LedgerCore
from application.items.items import Edit, Items, with_defaults
from application.media.media_files import MediaFiles
from application.ports import CatalogEntry
from application.views.items import SavedItem
from domain.errors import DuplicateNameError, NotFoundError, ValidationError
from domain.item import Item
from domain.names import check_item_name
from domain.state import ItemState, MetaState
from domain.supervisely_json import (
    Annotation,
    parse_annotation,
    parse_object,
    parse_object_patch,
    tag_value,
    with_annotation_extra,
)
from domain.values import AnnotationObject, Context, MediaLink, Tag


class Annotations:
    """The item commands of the HTTP API, through :class:`Items`; images through
    :class:`MediaFiles`."""

    def __init__(self, core: LedgerCore, items: Items, media: MediaFiles) -> None:
        self.core = core
        self.items = items
        self.media = media

    # -- queries -------------------------------------------------------------------------

    def item(self, project_id: UUID, item_id: UUID) -> Item:
        item = self.core.get_item(item_id)
        if item.project_id != project_id:
            raise NotFoundError("item", item_id)
        return item

    def current(self, project_id: UUID, item_id: UUID) -> SavedItem:
        """The item as last saved, with the project's meta: what a read answers with."""
        item = self.item(project_id, item_id)
        meta = self.core.project_meta(project_id)
        return SavedItem(project_id, item.to_state(), item.version, meta)

    def page(self, project_id: UUID, *, dataset_id: int | None = None,
             name: str | None = None, offset: int = 0,
             limit: int = 100) -> tuple[list[CatalogEntry], int]:
        """A page of the catalog (by dataset, then name) and how many entries match."""
        return self.core.store.catalog_page(project_id, dataset_id=dataset_id, name=name,
                                            offset=offset, limit=limit)

    # -- uploads -------------------------------------------------------------------------

    def upload(self, project_id: UUID, dataset_id: int, name: str,
               media: MediaLink, annotation: Any, ctx: Context) -> SavedItem:
        """An item linked to media stored elsewhere, with an optional annotation."""
        meta = self.core.project_meta(project_id)
        ann = _annotation_of(meta, annotation or {}, media)
        objects = tuple(with_defaults(o, ctx) for o in ann.objects)
        return self.items.upload(project_id, ItemState(
            dataset_id, name, media, ann.tags, objects, ann.description,
            info=with_annotation_extra(None, ann.extra)), ctx)

    def upload_file(self, project_id: UUID, dataset_id: int, name: str, data: BinaryIO,
                    ctx: Context) -> SavedItem:
        """An item whose image is stored first (a name refused or taken stores nothing)."""
        check_item_name(name, "name")
        self.core.get_project(project_id).get_dataset(dataset_id)
        if self.core.store.find_item(project_id, dataset_id, name) is not None:
            raise DuplicateNameError(f"dataset {dataset_id} already holds an item named '{name}'")
        link = self.media.store(data)
        return self.items.upload(project_id, ItemState(dataset_id, name, link), ctx)

    # -- edits: each returns the item as saved, or (removals) its new version ------------
    #
    # updatedAt, on every path (README, "updatedAt"): a time the client sends is kept as
    # given; otherwise a changed object is dated now and an unchanged one keeps its time
    # (domain.item.stamped). A new object without times gets now (with_defaults).

    def put(self, project_id: UUID, item_id: UUID, expected: int | None,
            data: Any, ctx: Context) -> SavedItem:
        now = utc_now()

        def edit(item: Item, meta: MetaState) -> None:
            ann = _annotation_of(meta, data, item.media, item.objects)
            objects = tuple(with_defaults(o, ctx, item.objects.get(o.id)) for o in ann.objects)
            item.replace_annotation(meta, ItemState(
                item.dataset_id, item.name, item.media, ann.tags, objects, ann.description),
                ctx, now)
            item.change_info(with_annotation_extra(item.info, ann.extra), ctx)

        return self._edit(project_id, item_id, expected, edit)

    def add_object(self, project_id: UUID, item_id: UUID, expected: int | None,
                   data: Any, ctx: Context) -> tuple[int, SavedItem]:
        added: list[int] = []

        def edit(item: Item, meta: MetaState) -> None:
            obj = with_defaults(parse_object(meta, data), ctx)
            item.add_object(meta, obj, ctx)
            added.append(obj.id)

        saved = self._edit(project_id, item_id, expected, edit)
        return added[0], saved

    def patch_object(self, project_id: UUID, item_id: UUID, expected: int | None,
                     object_id: int, data: Any, ctx: Context) -> SavedItem:
        """Change the fields ``data`` gives (``domain.supervisely_json.PATCH_FIELDS`` and
        the unmodelled ones the object carries); any other is refused."""
        now = utc_now()

        def edit(item: Item, meta: MetaState) -> None:
            patch = parse_object_patch(meta, item.get_object(object_id), data)
            item.change_object(
                meta, object_id, ctx, now, geometry=patch.geometry, class_id=patch.class_id,
                tags=patch.tags, labeler=patch.labeler, description=patch.description,
                created_at=patch.created_at, updated_at=patch.updated_at, extra=patch.extra)

        return self._edit(project_id, item_id, expected, edit)

    def remove_object(self, project_id: UUID, item_id: UUID, expected: int | None,
                      object_id: int, ctx: Context) -> int:
        return self._edit(project_id, item_id, expected,
                          lambda item, _: item.remove_object(object_id, ctx)).version

    def set_tag(self, project_id: UUID, item_id: UUID, expected: int | None,
                meta_id: int, value: Any, ctx: Context) -> SavedItem:
        now = utc_now()
        tag = Tag(meta_id, tag_value(value, "value"), ctx.actor, now, now)
        return self._edit(project_id, item_id, expected,
                          lambda item, meta: item.set_tag(meta, tag, ctx))

    def remove_tag(self, project_id: UUID, item_id: UUID, expected: int | None,
                   meta_id: int, ctx: Context) -> int:
        return self._edit(project_id, item_id, expected,
                          lambda item, _: item.remove_tag(meta_id, ctx)).version

    def move(self, project_id: UUID, item_id: UUID, expected: int | None,
             dataset_id: int | None, name: str | None, ctx: Context) -> SavedItem:
        def edit(item: Item, meta: MetaState) -> None:
            target = item.dataset_id if dataset_id is None else dataset_id
            if target not in meta.datasets:
                raise NotFoundError("dataset", target)
            item.move(target, item.name if name is None else name, ctx)

        return self._edit(project_id, item_id, expected, edit)

    def remove(self, project_id: UUID, item_id: UUID, expected: int | None,
               ctx: Context) -> int:
        return self._edit(project_id, item_id, expected,
                          lambda item, _: item.remove(ctx)).version

    # -- helpers -------------------------------------------------------------------------

    def _edit(self, project_id: UUID, item_id: UUID, expected: int | None,
              edit: Edit) -> SavedItem:
        return self.items.edit(item_id, edit, expected_version=expected, project_id=project_id)


def _annotation_of(meta: MetaState, data: Any, media: MediaLink,
                   current: Mapping[int, AnnotationObject] | None = None) -> Annotation:
    """An annotation for an item whose image is ``media``: a ``size`` given must be its.
    ``current``: the objects it replaces (a class change must keep an object's shape)."""
    ann = parse_annotation(meta, data, current)
    if ann.size is not None and ann.size != (media.width, media.height):
        raise ValidationError("size", f"the item's image is {media.width}x{media.height}")
    return ann
