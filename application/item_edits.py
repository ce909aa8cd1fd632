"""Item commands as the HTTP API needs them: scoped to a project, guarded by the version
the client last saw, taking Supervisely JSON, and returning the item's new version.

``expected`` is the client's ETag (None when it sent ``If-Match: *``). A stale one, or a
concurrent writer that got there first, raises StaleVersionError naming the current
version, so the client can re-read and retry: no change is ever merged silently.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.base import utc_now
from application.item_commands import Edit, ItemCommands, with_defaults
from application.media import MediaStore
from application.ports import SYSTEM_PROJECT, CatalogEntry, ProjectWrite
from domain.errors import DuplicateNameError, NotFoundError, ValidationError
from domain.item import Item
from domain.media_upload import MediaUpload
from domain.names import check_item_name
from domain.state import ItemState, MetaState
from domain.supervisely_json import (
    Annotation,
    annotation_json,
    parse_annotation,
    parse_object,
    parse_object_patch,
    tag_value,
)
from domain.values import Context, MediaLink, Tag


class ItemEdits(ItemCommands):
    media: MediaStore | None = None

    # -- queries -------------------------------------------------------------------------

    def item_in(self, project_id: UUID, item_id: UUID) -> Item:
        item = self.get_item(item_id)
        if item.project_id != project_id:
            raise NotFoundError("item", item_id)
        return item

    def annotation_of(self, project_id: UUID, item_id: UUID) -> tuple[dict[str, Any], int]:
        """The item's annotation as Supervisely JSON, and the version it stands at."""
        item = self.item_in(project_id, item_id)
        meta = self.get_project(project_id).meta
        return annotation_json(meta, item.to_state()), item.version

    def items_page(self, project_id: UUID, *, dataset_id: int | None = None,
                   name: str | None = None, offset: int = 0,
                   limit: int = 100) -> tuple[list[CatalogEntry], int]:
        """A page of the catalog (by dataset, then name) and how many entries match."""
        return self.store.catalog_page(project_id, dataset_id=dataset_id, name=name,
                                       offset=offset, limit=limit)

    # -- uploads -------------------------------------------------------------------------

    def upload_item_json(self, project_id: UUID, dataset_id: int, name: str,
                         media: MediaLink, annotation: Any, ctx: Context) -> UUID:
        """An item linked to media stored elsewhere, with an optional annotation."""
        meta = self.get_project(project_id).meta
        ann = _annotation_of(meta, annotation or {}, media)
        objects = tuple(with_defaults(o, ctx) for o in ann.objects)
        return self.upload(project_id, ItemState(dataset_id, name, media, ann.tags, objects,
                                                 ann.description), ctx)

    def store_media(self, data: BinaryIO, token_id: UUID | None = None,
                    ctx: Context | None = None) -> MediaLink:
        """Store the bytes; a token's upload is recorded as its grant to link them."""
        link = self._media().put(data)
        if token_id is not None and not self.uploaded(token_id, link.sha256):
            actor = ctx.actor if ctx is not None else ""
            session = ctx.session_id if ctx is not None else None
            record = MediaUpload(link.sha256, token_id, link.size, actor, session)
            with suppress(IntegrityError):  # the same bytes sent twice at once: recorded once
                self._save(record, project=ProjectWrite(SYSTEM_PROJECT))
        return link

    def uploaded(self, token_id: UUID, sha256: str) -> bool:
        """Whether this token uploaded these bytes (one stream read)."""
        try:
            self._get(MediaUpload.create_id(token_id, sha256), MediaUpload, "media upload")
        except NotFoundError:
            return False
        return True

    def media_file(self, sha256: str) -> Path:
        path = self._media().locate(sha256)
        if path is None:
            raise NotFoundError("media", sha256)
        return path

    def upload_file(self, project_id: UUID, dataset_id: int, name: str, data: BinaryIO,
                    ctx: Context) -> UUID:
        """An item whose image is stored first (a name refused or taken stores nothing)."""
        check_item_name(name, "name")
        self.get_project(project_id).get_dataset(dataset_id)
        if self.store.find_item(project_id, dataset_id, name) is not None:
            raise DuplicateNameError(f"dataset {dataset_id} already holds an item named '{name}'")
        return self.upload(project_id, ItemState(dataset_id, name, self.store_media(data)), ctx)

    # -- edits: each returns the item's new version --------------------------------------

    def put_annotation(self, project_id: UUID, item_id: UUID, expected: int | None,
                       data: Any, ctx: Context) -> int:
        def edit(item: Item, meta: MetaState) -> None:
            ann = _annotation_of(meta, data, item.media)
            objects = tuple(with_defaults(o, ctx) for o in ann.objects)
            item.replace_annotation(meta, ItemState(
                item.dataset_id, item.name, item.media, ann.tags, objects, ann.description), ctx)

        return self._edit(project_id, item_id, expected, edit)

    def add_object_json(self, project_id: UUID, item_id: UUID, expected: int | None,
                        data: Any, ctx: Context) -> tuple[int, int]:
        added: list[int] = []

        def edit(item: Item, meta: MetaState) -> None:
            obj = with_defaults(parse_object(meta, data), ctx)
            item.add_object(meta, obj, ctx)
            added.append(obj.id)

        version = self._edit(project_id, item_id, expected, edit)
        return added[0], version

    def patch_object_json(self, project_id: UUID, item_id: UUID, expected: int | None,
                          object_id: int, data: Any, ctx: Context) -> int:
        def edit(item: Item, meta: MetaState) -> None:
            patch = parse_object_patch(meta, item.get_object(object_id), data)
            item.change_object(meta, object_id, ctx, utc_now(), geometry=patch.geometry,
                               class_id=patch.class_id, tags=patch.tags)

        return self._edit(project_id, item_id, expected, edit)

    def remove_object_at(self, project_id: UUID, item_id: UUID, expected: int | None,
                         object_id: int, ctx: Context) -> int:
        return self._edit(project_id, item_id, expected,
                          lambda item, _: item.remove_object(object_id, ctx))

    def set_item_tag_at(self, project_id: UUID, item_id: UUID, expected: int | None,
                        meta_id: int, value: Any, ctx: Context) -> int:
        now = utc_now()
        tag = Tag(meta_id, tag_value(value, "value"), ctx.actor, now, now)
        return self._edit(project_id, item_id, expected,
                          lambda item, meta: item.set_tag(meta, tag, ctx))

    def remove_item_tag_at(self, project_id: UUID, item_id: UUID, expected: int | None,
                           meta_id: int, ctx: Context) -> int:
        return self._edit(project_id, item_id, expected,
                          lambda item, _: item.remove_tag(meta_id, ctx))

    def move_item_at(self, project_id: UUID, item_id: UUID, expected: int | None,
                     dataset_id: int | None, name: str | None, ctx: Context) -> int:
        def edit(item: Item, meta: MetaState) -> None:
            target = item.dataset_id if dataset_id is None else dataset_id
            if target not in meta.datasets:
                raise NotFoundError("dataset", target)
            item.move(target, item.name if name is None else name, ctx)

        return self._edit(project_id, item_id, expected, edit)

    def remove_item_at(self, project_id: UUID, item_id: UUID, expected: int | None,
                       ctx: Context) -> int:
        return self._edit(project_id, item_id, expected, lambda item, _: item.remove(ctx))

    # -- helpers -------------------------------------------------------------------------

    def _edit(self, project_id: UUID, item_id: UUID, expected: int | None, edit: Edit) -> int:
        return self.edit_item(item_id, edit, expected_version=expected, project_id=project_id)

    def _media(self) -> MediaStore:
        if self.media is None:
            raise RuntimeError("no media store is configured")
        return self.media


def _annotation_of(meta: MetaState, data: Any, media: MediaLink) -> Annotation:
    """An annotation for an item whose image is ``media``: a ``size`` given must be its."""
    ann = parse_annotation(meta, data)
    if ann.size is not None and ann.size != (media.width, media.height):
        raise ValidationError("size", f"the item's image is {media.width}x{media.height}")
    return ann
