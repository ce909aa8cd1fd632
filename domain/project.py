"""The Project aggregate: a project's meta (classes, tag metas, datasets) and versions.

Items live in their own aggregates (:mod:`domain.item`); the project holds only what is
small and shared, so loading it stays cheap at any number of items.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    ConflictError,
    DuplicateNameError,
    NoChangesError,
    NotFoundError,
    ValidationError,
)
from domain.names import check_dataset_name, check_project_name
from domain.state import MetaState
from domain.values import (
    SHAPES,
    TAG_VALUE_TYPES,
    Context,
    Dataset,
    ObjectClass,
    Provenance,
    TagMeta,
    Version,
)


class Project(Aggregate):
    extra: dict[str, Any] | None = None
    """The format's project-level fields we do not model (``meta.json``'s ``projectType``,
    ``projectSettings``...), never changed in place. A class default: snapshots taken
    before projects had it load without it (None and ``{}`` both mean none)."""

    @event("Created")
    def __init__(
        self,
        name: str,
        classes: tuple[ObjectClass, ...],
        tag_metas: tuple[TagMeta, ...],
        datasets: tuple[Dataset, ...],
        provenance: Provenance | None,
        actor: str,
        session_id: UUID | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.classes = {c.id: c for c in classes}
        self.tag_metas = {t.id: t for t in tag_metas}
        self.datasets = {d.id: d for d in datasets}
        self.provenance = provenance
        self.versions: list[Version] = []
        self.extra = extra or {}

    @classmethod
    def create(cls, meta: MetaState, ctx: Context, provenance: Provenance | None = None) -> Project:
        """A new project; its name and every dataset's name follow :mod:`domain.names`."""
        check_project_name(meta.name, "name")
        for i, ds in enumerate(meta.datasets.values()):
            check_dataset_name(ds.name, f"datasets[{i}].name")
        for c in meta.classes.values():
            check_class(c)
        for t in meta.tag_metas.values():
            check_tag_meta(t)
        return cls(
            meta.name, tuple(meta.classes.values()), tuple(meta.tag_metas.values()),
            tuple(meta.datasets.values()), provenance, ctx.actor, ctx.session_id,
            meta.extra or None,
        )

    @property
    def meta(self) -> MetaState:
        return MetaState(self.name, dict(self.classes), dict(self.tag_metas), dict(self.datasets),
                         self.extra or {})

    def change_extra(self, extra: dict[str, Any], ctx: Context) -> None:
        """Replace the format's unmodelled project fields (a sync, a revert)."""
        if extra != (self.extra or {}):
            self._extra_changed(extra, ctx.actor, ctx.session_id)

    @event("ExtraChanged")
    def _extra_changed(self, extra: dict[str, Any], actor: str,
                       session_id: UUID | None) -> None:
        self.extra = extra

    @property
    def latest_version(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def get_version(self, number: int) -> Version:
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        raise NotFoundError("version", f"{number} of project '{self.name}'")

    def rename(self, name: str, ctx: Context) -> None:
        check_project_name(name, "name")
        if name != self.name:
            self._renamed(name, ctx.actor, ctx.session_id)

    @event("Renamed")
    def _renamed(self, name: str, actor: str, session_id: UUID | None) -> None:
        self.name = name

    # -- classes -----------------------------------------------------------------------

    def add_class(self, cls: ObjectClass, ctx: Context) -> ObjectClass:
        if cls.id == 0:
            cls = replace(cls, id=_next_id(self.classes))
        if cls.id in self.classes:
            raise ConflictError(f"class id {cls.id} exists")
        self._check_title(cls)
        self._class_added(check_class(cls), ctx.actor, ctx.session_id)
        return cls

    def change_class(self, cls: ObjectClass, objects_using: int, ctx: Context) -> None:
        old = self.get_class(cls.id)
        self._check_title(cls)
        check_class(cls)
        if cls.shape != old.shape and objects_using:
            raise ConflictError(
                f"class '{old.title}' is used by {objects_using} objects: its shape cannot change"
            )
        if cls != old:
            self._class_changed(cls, ctx.actor, ctx.session_id)

    def remove_class(self, class_id: int, objects_using: int, ctx: Context) -> None:
        cls = self.get_class(class_id)
        if objects_using:
            raise ConflictError(f"class '{cls.title}' is used by {objects_using} objects")
        self._class_removed(class_id, ctx.actor, ctx.session_id)

    def get_class(self, class_id: int) -> ObjectClass:
        try:
            return self.classes[class_id]
        except KeyError:
            raise NotFoundError("class", class_id) from None

    def _check_title(self, cls: ObjectClass) -> None:
        for other in self.classes.values():
            if other.title == cls.title and other.id != cls.id:
                raise DuplicateNameError(f"class title '{cls.title}' is taken")

    @event("ClassAdded")
    def _class_added(self, object_class: ObjectClass, actor: str, session_id: UUID | None) -> None:
        self.classes[object_class.id] = object_class

    @event("ClassChanged")
    def _class_changed(
        self, object_class: ObjectClass, actor: str, session_id: UUID | None
    ) -> None:
        self.classes[object_class.id] = object_class

    @event("ClassRemoved")
    def _class_removed(self, class_id: int, actor: str, session_id: UUID | None) -> None:
        del self.classes[class_id]

    # -- tag metas ---------------------------------------------------------------------

    def add_tag_meta(self, tag_meta: TagMeta, ctx: Context) -> TagMeta:
        if tag_meta.id == 0:
            fields = _fields(tag_meta)
            fields["id"] = _next_id(self.tag_metas)
            tag_meta = TagMeta(**fields)
        if tag_meta.id in self.tag_metas:
            raise ConflictError(f"tag meta id {tag_meta.id} exists")
        self._check_tag_name(tag_meta)
        self._tag_meta_added(check_tag_meta(tag_meta), ctx.actor, ctx.session_id)
        return tag_meta

    def change_tag_meta(self, tag_meta: TagMeta, ctx: Context) -> None:
        if self.get_tag_meta(tag_meta.id) != tag_meta:
            self._check_tag_name(tag_meta)
            self._tag_meta_changed(check_tag_meta(tag_meta), ctx.actor, ctx.session_id)

    def remove_tag_meta(self, meta_id: int, uses: int, ctx: Context) -> None:
        tag_meta = self.get_tag_meta(meta_id)
        if uses:
            raise ConflictError(f"tag '{tag_meta.name}' is used {uses} times")
        self._tag_meta_removed(meta_id, ctx.actor, ctx.session_id)

    def get_tag_meta(self, meta_id: int) -> TagMeta:
        try:
            return self.tag_metas[meta_id]
        except KeyError:
            raise NotFoundError("tag meta", meta_id) from None

    def _check_tag_name(self, tag_meta: TagMeta) -> None:
        for other in self.tag_metas.values():
            if other.name == tag_meta.name and other.id != tag_meta.id:
                raise DuplicateNameError(f"tag name '{tag_meta.name}' is taken")

    @event("TagMetaAdded")
    def _tag_meta_added(self, tag_meta: TagMeta, actor: str, session_id: UUID | None) -> None:
        self.tag_metas[tag_meta.id] = tag_meta

    @event("TagMetaChanged")
    def _tag_meta_changed(self, tag_meta: TagMeta, actor: str, session_id: UUID | None) -> None:
        self.tag_metas[tag_meta.id] = tag_meta

    @event("TagMetaRemoved")
    def _tag_meta_removed(self, meta_id: int, actor: str, session_id: UUID | None) -> None:
        del self.tag_metas[meta_id]

    # -- datasets ----------------------------------------------------------------------

    def create_dataset(
        self, name: str, parent_id: int | None, ctx: Context, dataset_id: int = 0,
        description: str = "",
    ) -> Dataset:
        check_dataset_name(name, "name")
        self._check_parent(parent_id, None)
        self._check_sibling_name(name, parent_id, None)
        dataset = Dataset(dataset_id or _next_id(self.datasets), name, parent_id, description)
        if dataset.id in self.datasets:
            raise ConflictError(f"dataset id {dataset.id} exists")
        self._dataset_created(dataset, ctx.actor, ctx.session_id)
        return dataset

    def change_dataset(self, dataset_id: int, name: str, parent_id: int | None,
                       ctx: Context, description: str | None = None) -> None:
        """Rename and/or move a dataset (a move may not create a cycle), and/or describe
        it (None leaves its description as it is)."""
        old = self.get_dataset(dataset_id)
        if name != old.name:
            check_dataset_name(name, "name")
        self._check_parent(parent_id, dataset_id)
        self._check_sibling_name(name, parent_id, dataset_id)
        if name != old.name:
            self._dataset_renamed(dataset_id, name, ctx.actor, ctx.session_id)
        if parent_id != old.parent_id:
            self._dataset_moved(dataset_id, parent_id, ctx.actor, ctx.session_id)
        if description is not None and description != old.description:
            self._dataset_described(dataset_id, description, ctx.actor, ctx.session_id)

    def remove_dataset(self, dataset_id: int, items_left: int, ctx: Context) -> None:
        self.get_dataset(dataset_id)
        children = [d.name for d in self.datasets.values() if d.parent_id == dataset_id]
        if children or items_left:
            raise ConflictError(
                f"dataset {dataset_id} still holds {items_left} items and datasets {children}"
            )
        self._dataset_removed(dataset_id, ctx.actor, ctx.session_id)

    def get_dataset(self, dataset_id: int) -> Dataset:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            raise NotFoundError("dataset", dataset_id) from None

    def _check_parent(self, parent_id: int | None, moving: int | None) -> None:
        current = parent_id
        while current is not None:
            if current == moving:
                raise ValidationError("parent", f"dataset {moving} cannot be inside itself")
            current = self.get_dataset(current).parent_id

    def _check_sibling_name(self, name: str, parent_id: int | None, own: int | None) -> None:
        for d in self.datasets.values():
            if d.name == name and d.parent_id == parent_id and d.id != own:
                raise DuplicateNameError(f"dataset name '{name}' is taken")

    @event("DatasetCreated")
    def _dataset_created(self, dataset: Dataset, actor: str, session_id: UUID | None) -> None:
        self.datasets[dataset.id] = dataset

    @event("DatasetRenamed")
    def _dataset_renamed(self, dataset_id: int, name: str, actor: str,
                         session_id: UUID | None) -> None:
        self.datasets[dataset_id] = replace(self.datasets[dataset_id], name=name)

    @event("DatasetMoved")
    def _dataset_moved(self, dataset_id: int, parent_id: int | None, actor: str,
                       session_id: UUID | None) -> None:
        self.datasets[dataset_id] = replace(self.datasets[dataset_id], parent_id=parent_id)

    @event("DatasetDescribed")
    def _dataset_described(self, dataset_id: int, description: str, actor: str,
                           session_id: UUID | None) -> None:
        self.datasets[dataset_id] = replace(self.datasets[dataset_id], description=description)

    @event("DatasetRemoved")
    def _dataset_removed(self, dataset_id: int, actor: str, session_id: UUID | None) -> None:
        del self.datasets[dataset_id]

    # -- versions ----------------------------------------------------------------------

    def create_version(self, version: Version, ctx: Context) -> None:
        latest = self.latest_version
        if latest is not None and latest.digest == version.digest:
            raise NoChangesError(latest.number, latest.digest)
        if version.number != len(self.versions) + 1:
            raise ConflictError(f"next version is {len(self.versions) + 1}, not {version.number}")
        self._version_created(version, ctx.actor, ctx.session_id)

    @event("VersionCreated")
    def _version_created(self, version: Version, actor: str, session_id: UUID | None) -> None:
        self.versions.append(version)

    def revert_target(self, to_version: int, current_digest: str) -> Version:
        """The version to revert to, given the project's current digest: refused, as a
        version of an unchanged project is, when the state already equals it (a revert
        that would change nothing records nothing, not even its ``Reverted`` marker)."""
        version = self.get_version(to_version)
        if version.digest == current_digest:
            raise NoChangesError(version.number, version.digest, (
                f"nothing to revert: the project's state equals version {version.number} "
                f"(digest {version.digest[:12]})"))
        return version

    def record_revert(self, to_version: int, digest: str, ctx: Context) -> None:
        self.get_version(to_version)
        self._reverted(to_version, digest, ctx.actor, ctx.session_id)

    @event("Reverted")
    def _reverted(self, to_version: int, digest: str, actor: str, session_id: UUID | None) -> None:
        """Marks in the log that the events before it brought the project back."""


def check_name(name: str, field: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, "must be a non-empty string")
    if "/" in name or len(name) > 255:
        raise ValidationError(field, f"'{name}' may not contain '/' or exceed 255 characters")


def check_class(cls: ObjectClass) -> ObjectClass:
    check_name(cls.title, "class.title")
    if cls.shape not in SHAPES:
        raise ValidationError("class.shape", f"unknown shape '{cls.shape}' for '{cls.title}'")
    return cls


def check_tag_meta(tag_meta: TagMeta) -> TagMeta:
    check_name(tag_meta.name, "tag.name")
    if tag_meta.value_type not in TAG_VALUE_TYPES:
        raise ValidationError(
            "tag.value_type", f"unknown value type '{tag_meta.value_type}' for '{tag_meta.name}'"
        )
    if tag_meta.value_type == "oneof_string" and not tag_meta.values:
        raise ValidationError("tag.values", f"'{tag_meta.name}' is oneof_string but has no values")
    return tag_meta


def _next_id(existing: dict[int, Any]) -> int:
    return max(existing, default=0) + 1


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}
