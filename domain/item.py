"""The Item aggregate: one image with its annotation, one event stream per item.

Small aggregates keep every command O(1): an edit loads one item, never the project,
so annotators on different items never conflict, and two writers on one item meet the
store's optimistic-concurrency check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import NotFoundError, ValidationError
from domain.names import check_item_name
from domain.rules import changes_shape, check_object, check_tags, keeping_shape
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, ItemInfo, MediaLink, Tag


class Item(Aggregate):
    """An uploaded image, its tags and its annotation objects."""

    info: ItemInfo | None = None
    """What the source format said of the item beyond the rest (:class:`ItemInfo`). A
    class default: snapshots taken before items had it load without it."""

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
        info: ItemInfo | None = None,
    ) -> None:
        self.project_id = project_id
        self._set_content(dataset_id, name, media, tags, objects, description)
        self.info = info
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

    class Restored(Aggregate.Created):
        """The item written into a restored project's own stream at its first change
        (copy on write): the state the restore referred to, and where it came from
        (``restored_from``: the source item's id and version)."""

        project_id: UUID
        dataset_id: int
        name: str
        media: MediaLink
        tags: tuple[Tag, ...]
        objects: tuple[AnnotationObject, ...]
        description: str
        actor: str
        session_id: UUID | None
        info: ItemInfo | None
        restored_from: tuple[UUID, int]

    @classmethod
    def materialise(cls, item_id: UUID, project_id: UUID, state: ItemState,
                    restored_from: tuple[UUID, int], origin: Context) -> Item:
        """The item ``item_id`` of a restored project, holding ``state`` (the source
        item's, at the version the restore referred to) in its own stream. Nothing is
        checked: the source's log already did, and the restore checked the name.
        ``origin``: who restored the project, and through which session."""
        return cls._create(
            cls.Restored, id=item_id, project_id=project_id, dataset_id=state.dataset_id,
            name=state.name, media=state.media, tags=state.tags, objects=state.objects,
            description=state.description, actor=origin.actor,
            session_id=origin.session_id, info=state.info, restored_from=restored_from)

    @classmethod
    def upload(cls, project_id: UUID, meta: MetaState, state: ItemState, ctx: Context) -> Item:
        """A new item; its name (:mod:`domain.names`) and its annotation, against the
        project's meta, are checked first."""
        check_item_name(state.name, "name")
        objects = check_annotation(meta, state)
        return cls(
            project_id, state.dataset_id, state.name, state.media, state.tags,
            objects, state.description, ctx.actor, ctx.session_id, state.info,
        )

    # -- queries -------------------------------------------------------------------------

    def to_state(self) -> ItemState:
        return ItemState(
            self.dataset_id, self.name, self.media, self.tags,
            tuple(self.objects.values()), self.description, self.id, self.info,
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
            state.description, ctx.actor, ctx.session_id, state.info,
        )

    @event("Revived")
    def _revived(
        self, dataset_id: int, name: str, media: MediaLink, tags: tuple[Tag, ...],
        objects: tuple[AnnotationObject, ...], description: str, actor: str,
        session_id: UUID | None, info: ItemInfo | None = None,
    ) -> None:
        self._set_content(dataset_id, name, media, tags, objects, description)
        self.info = info
        self.removed = False

    def change_info(self, info: ItemInfo | None, ctx: Context) -> None:
        """Replace what the source format says of the item (a sync, a revert, an annotation
        PUT with other unmodelled fields): opaque data, recorded only when it differs."""
        if info != self.info:
            self._info_changed(info, ctx.actor, ctx.session_id)

    @event("InfoChanged")
    def _info_changed(self, info: ItemInfo | None, actor: str,
                      session_id: UUID | None) -> None:
        self.info = info

    def replace_annotation(self, meta: MetaState, state: ItemState, ctx: Context,
                           now: str) -> None:
        """Replace tags, objects and description at once (an annotation PUT, a revert).
        An object under an id the item has keeps its shape (:func:`keeping_shape`); its
        ``updated_at`` follows :func:`stamped`, ``now`` being the time of this write."""
        kept = []
        for i, obj in enumerate(state.objects):
            old = self.objects.get(obj.id)
            try:
                kept.append(obj if old is None else keeping_shape(meta, old, obj))
            except ValidationError as exc:
                raise exc.within(f"objects[{i}]") from None
        objects = tuple(stamped(self.objects.get(o.id), o, now) for o in
                        check_annotation(meta, replace(state, objects=tuple(kept))))
        current = (self.tags, tuple(self.objects.values()), self.description)
        if (state.tags, objects, state.description) != current:
            self._annotation_replaced(
                state.tags, objects, state.description, ctx.actor, ctx.session_id
            )

    def describe(self, description: str, ctx: Context) -> None:
        """Change the item's description alone (a sync; a PUT replaces it with the rest)."""
        if description != self.description:
            self._description_changed(description, ctx.actor, ctx.session_id)

    @event("DescriptionChanged")
    def _description_changed(self, description: str, actor: str,
                             session_id: UUID | None) -> None:
        self.description = description

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
        labeler: str | None = None,
        description: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Change any of an object's fields (None leaves one as it is), with one event per
        kind of change: class (with the geometry it takes), geometry, tags, and the
        object's details (labeler, description, times, unmodelled fields), so that every
        edit is recorded as made. A class change keeps the object's shape
        (:func:`keeping_shape`); ``updated_at`` follows :func:`stamped`, ``now`` being the
        time of this change."""
        old = self.get_object(object_id)
        given: dict[str, Any] = {
            "class_id": class_id, "geometry": geometry, "tags": tags, "labeler": labeler,
            "description": description, "created_at": created_at, "extra": extra}
        new = replace(old, **{k: v for k, v in given.items() if v is not None},
                      updated_at=updated_at or "")
        new = stamped(old, check_object(meta, keeping_shape(meta, old, new)), now)
        if new == old:
            return
        at = new.updated_at
        if new.class_id != old.class_id:
            self._class_changed(object_id, new.class_id, new.geometry, at, ctx.actor,
                                ctx.session_id)
        elif new.geometry != old.geometry:
            self._geometry_changed(object_id, new.geometry, at, ctx.actor, ctx.session_id)
        if new.tags != old.tags:
            self._object_tags_changed(object_id, new.tags, at, ctx.actor, ctx.session_id)
        if self.objects[object_id] != new:
            self._object_details_changed(object_id, new.labeler, new.description,
                                         new.created_at, at, new.extra, ctx.actor,
                                         ctx.session_id)

    def reshaped(self, meta: MetaState, objects: Iterable[AnnotationObject]) -> list[int]:
        """Ids of the item's objects that ``objects`` hold, under the same id, as another
        shape: such an object cannot change into the other (:func:`keeping_shape`), so a
        sync or a revert removes it and adds the other."""
        return [o.id for o in objects
                if o.id in self.objects and changes_shape(meta, self.objects[o.id], o)]

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

    @event("ObjectDetailsChanged")
    def _object_details_changed(
        self, object_id: int, labeler: str, description: str, created_at: str,
        updated_at: str, extra: dict[str, Any], actor: str, session_id: UUID | None,
    ) -> None:
        """What an object says of itself besides class, geometry and tags, all at once."""
        self._update_object(object_id, labeler=labeler, description=description,
                            created_at=created_at, updated_at=updated_at, extra=extra)

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


def stamped(old: AnnotationObject | None, new: AnnotationObject, now: str) -> AnnotationObject:
    """``new`` with its ``updated_at`` by the one rule of every write path (the API, sync,
    revert; README, "updatedAt"): a time the write supplies is kept as given; otherwise an
    object the write changes gets ``now``, the time of the change, and one it leaves as it
    was keeps its time. So re-sending an annotation or syncing the same files again
    changes nothing, and an edit from a client that keeps no times is dated by the
    server. A new object (``old`` None) keeps what it is given: the API gives it the time
    of its creation, an import what its file holds."""
    if new.updated_at or old is None:
        return new
    if replace(new, updated_at=old.updated_at) == old:
        return old
    return replace(new, updated_at=now)


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
                state.objects, state.description, ctx.actor, ctx.session_id, state.info)
