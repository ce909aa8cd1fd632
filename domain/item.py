"""The Item aggregate: one image with its annotation, one event stream per item.

Small aggregates keep every command O(1): an edit loads one item, never the project,
so annotators on different items never conflict, and two writers on one item meet the
store's optimistic-concurrency check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import NotFoundError, ValidationError
from domain.names import check_item_name
from domain.rules import check_object, check_tags
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, MediaLink, Tag


class Item(Aggregate):
    """An uploaded image, its tags and its annotation objects."""

    @event("Uploaded")
    def __init__(
        self,
        project_id: UUID,
        dataset_id: int,
        name: str,
        media: MediaLink,
        tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...],
        description: str,
        actor: str,
        session_id: UUID | None,
    ) -> None:
        self.project_id = project_id
        self._set_content(dataset_id, name, media, tags, objects, description)
        self.removed = False

    def _set_content(
        self,
        dataset_id: int,
        name: str,
        media: MediaLink,
        tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...],
        description: str,
    ) -> None:
        self.dataset_id = dataset_id
        self.name = name
        self.media = media
        self.tags = tags
        self.objects: dict[int, AnnotationObject] = {o.id: o for o in objects}
        self.description = description

    @classmethod
    def upload(cls, project_id: UUID, meta: MetaState, state: ItemState, ctx: Context) -> Item:
        """A new item; its name (:mod:`domain.names`) and its annotation, against the
        project's meta, are checked first."""
        check_item_name(state.name, "name")
        objects = check_annotation(meta, state)
        return cls(
            project_id, state.dataset_id, state.name, state.media, state.tags,
            objects, state.description, ctx.actor, ctx.session_id,
        )

    # -- queries -------------------------------------------------------------------------

    def to_state(self) -> ItemState:
        return ItemState(
            self.dataset_id, self.name, self.media, self.tags,
            tuple(self.objects.values()), self.description, self.id,
        )

    def get_object(self, object_id: int) -> AnnotationObject:
        try:
            return self.objects[object_id]
        except KeyError:
            raise NotFoundError("object", f"{object_id} in item {self.id}") from None

    # -- commands ------------------------------------------------------------------------

    def move(self, dataset_id: int, name: str, ctx: Context) -> None:
        if name != self.name:
            check_item_name(name, "name")
        if (dataset_id, name) != (self.dataset_id, self.name):
            self._moved(dataset_id, name, ctx.actor, ctx.session_id)

    @event("Moved")
    def _moved(self, dataset_id: int, name: str, actor: str, session_id: UUID | None) -> None:
        self.dataset_id, self.name = dataset_id, name

    def remove(self, ctx: Context) -> None:
        self._removed(ctx.actor, ctx.session_id)

    @event("Removed")
    def _removed(self, actor: str, session_id: UUID | None) -> None:
        self.removed = True

    def revive(self, meta: MetaState, state: ItemState, ctx: Context) -> None:
        """Bring a removed item back with the given content (used by revert)."""
        check_item_name(state.name, "name")
        objects = check_annotation(meta, state)
        self._revived(
            state.dataset_id, state.name, state.media, state.tags, objects,
            state.description, ctx.actor, ctx.session_id,
        )

    @event("Revived")
    def _revived(
        self, dataset_id: int, name: str, media: MediaLink, tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...], description: str, actor: str,
        session_id: UUID | None,
    ) -> None:
        self._set_content(dataset_id, name, media, tags, objects, description)
        self.removed = False

    def replace_annotation(self, meta: MetaState, state: ItemState, ctx: Context) -> None:
        """Replace tags, objects and description at once (an annotation PUT, a revert)."""
        objects = check_annotation(meta, state)
        current = (self.tags, tuple(self.objects.values()), self.description)
        if (state.tags, objects, state.description) != current:
            self._annotation_replaced(
                state.tags, objects, state.description, ctx.actor, ctx.session_id
            )

    @event("AnnotationReplaced")
    def _annotation_replaced(
        self, tags: tuple[Tag, ...], objects: tuple[AnnotationObject, ...],
        description: str, actor: str, session_id: UUID | None,
    ) -> None:
        self.tags = tags
        self.objects = {o.id: o for o in objects}
        self.description = description

    def add_object(self, meta: MetaState, obj: AnnotationObject, ctx: Context) -> None:
        if obj.id in self.objects:
            raise ValidationError("id", f"object {obj.id} already exists in item {self.name}")
        self._object_added(check_object(meta, obj), ctx.actor, ctx.session_id)

    @event("ObjectAdded")
    def _object_added(self, obj: AnnotationObject, actor: str, session_id: UUID | None) -> None:
        self.objects[obj.id] = obj

    def change_object(
        self,
        meta: MetaState,
        object_id: int,
        ctx: Context,
        now: str,
        *,
        geometry: dict[str, Any] | None = None,
        class_id: int | None = None,
        tags: tuple[Tag, ...] | None = None,
    ) -> None:
        """Change an object's geometry, class and/or tags: one event per kind of change."""
        old = self.get_object(object_id)
        new = AnnotationObject(
            old.id,
            old.class_id if class_id is None else class_id,
            old.geometry if geometry is None else geometry,
            old.tags if tags is None else tags,
            old.labeler, old.created_at, now, old.description,
        )
        new = check_object(meta, new)
        if new.class_id != old.class_id:
            self._class_changed(object_id, new.class_id, new.geometry, now, ctx.actor,
                                ctx.session_id)
        elif new.geometry != old.geometry:
            self._geometry_changed(object_id, new.geometry, now, ctx.actor, ctx.session_id)
        if new.tags != old.tags:
            self._object_tags_changed(object_id, new.tags, now, ctx.actor, ctx.session_id)

    @event("ObjectGeometryChanged")
    def _geometry_changed(
        self, object_id: int, geometry: dict[str, Any], updated_at: str, actor: str,
        session_id: UUID | None,
    ) -> None:
        self._update_object(object_id, geometry=geometry, updated_at=updated_at)

    @event("ObjectClassChanged")
    def _class_changed(
        self, object_id: int, class_id: int, geometry: dict[str, Any], updated_at: str,
        actor: str, session_id: UUID | None,
    ) -> None:
        self._update_object(object_id, class_id=class_id, geometry=geometry,
                            updated_at=updated_at)

    @event("ObjectTagsChanged")
    def _object_tags_changed(
        self, object_id: int, tags: tuple[Tag, ...], updated_at: str, actor: str,
        session_id: UUID | None,
    ) -> None:
        self._update_object(object_id, tags=tags, updated_at=updated_at)

    def _update_object(self, object_id: int, **changes: Any) -> None:
        self.objects[object_id] = replace(self.objects[object_id], **changes)

    def remove_object(self, object_id: int, ctx: Context) -> None:
        self.get_object(object_id)
        self._object_removed(object_id, ctx.actor, ctx.session_id)

    @event("ObjectRemoved")
    def _object_removed(self, object_id: int, actor: str, session_id: UUID | None) -> None:
        del self.objects[object_id]

    def set_tag(self, meta: MetaState, tag: Tag, ctx: Context) -> None:
        check_tags(meta, (tag,), where="tags")
        self._tag_set(tag, ctx.actor, ctx.session_id)

    @event("TagSet")
    def _tag_set(self, tag: Tag, actor: str, session_id: UUID | None) -> None:
        self.tags = (*(t for t in self.tags if t.meta_id != tag.meta_id), tag)

    def remove_tag(self, meta_id: int, ctx: Context) -> None:
        if all(t.meta_id != meta_id for t in self.tags):
            raise NotFoundError("tag", f"meta id {meta_id} on item {self.name}")
        self._tag_removed(meta_id, ctx.actor, ctx.session_id)

    @event("TagRemoved")
    def _tag_removed(self, meta_id: int, actor: str, session_id: UUID | None) -> None:
        self.tags = tuple(t for t in self.tags if t.meta_id != meta_id)


def check_annotation(meta: MetaState, state: ItemState) -> tuple[AnnotationObject, ...]:
    """Objects of an item checked against the meta; duplicate object ids refused."""
    if state.dataset_id not in meta.datasets:
        raise ValidationError("dataset", f"dataset id {state.dataset_id} does not exist")
    check_tags(meta, state.tags, where="tags")
    seen: set[int] = set()
    objects = []
    for i, obj in enumerate(state.objects):
        if obj.id in seen:
            raise ValidationError(f"objects[{i}].id", f"duplicate object id {obj.id}")
        seen.add(obj.id)
        try:
            objects.append(check_object(meta, obj))
        except ValidationError as exc:
            raise exc.within(f"objects[{i}]") from None
    return tuple(objects)


def restored_item(project_id: UUID, state: ItemState, ctx: Context) -> Item:
    """An item re-created from content the log already validated (restore): only its name
    is checked again, since a name the rule refuses cannot be exported."""
    check_item_name(state.name, "name")
    return Item(project_id, state.dataset_id, state.name, state.media, state.tags,
                state.objects, state.description, ctx.actor, ctx.session_id)
