"""Commands on a project's meta: the project itself, classes, tag metas, datasets."""

from __future__ import annotations

from uuid import UUID

from application.base import LedgerBase
from domain.errors import NotFoundError, ValidationError
from domain.project import Project
from domain.state import MetaState
from domain.values import Context, Dataset, ObjectClass, TagMeta


class MetaCommands(LedgerBase):
    def create_project(self, name: str, ctx: Context, meta: MetaState | None = None) -> UUID:
        self.check_name_free(name)
        base = meta or MetaState(name)
        project = Project.create(MetaState(name, base.classes, base.tag_metas, base.datasets), ctx)
        self.save_project(project)
        return project.id

    def rename_project(self, project_id: UUID, name: str, ctx: Context) -> None:
        self.check_name_free(name, project_id)
        project = self.get_project(project_id)
        project.rename(name, ctx)
        self.save_project(project)

    def add_class(self, project_id: UUID, cls: ObjectClass, ctx: Context) -> ObjectClass:
        project = self.get_project(project_id)
        added = project.add_class(cls, ctx)
        self.save_project(project)
        return added

    def change_class(self, project_id: UUID, cls: ObjectClass, ctx: Context) -> None:
        project = self.get_project(project_id)
        project.change_class(cls, self.objects_using_class(project_id, cls.id), ctx)
        self.save_project(project)

    def remove_class(self, project_id: UUID, class_id: int, ctx: Context) -> None:
        project = self.get_project(project_id)
        project.remove_class(class_id, self.objects_using_class(project_id, class_id), ctx)
        self.save_project(project)

    def add_tag_meta(self, project_id: UUID, tag_meta: TagMeta, ctx: Context) -> TagMeta:
        project = self.get_project(project_id)
        added = project.add_tag_meta(tag_meta, ctx)
        self.save_project(project)
        return added

    def change_tag_meta(self, project_id: UUID, tag_meta: TagMeta, ctx: Context) -> None:
        project = self.get_project(project_id)
        project.change_tag_meta(tag_meta, ctx)
        self.save_project(project)

    def remove_tag_meta(self, project_id: UUID, meta_id: int, ctx: Context) -> None:
        project = self.get_project(project_id)
        uses = sum(1 for e in self.store.catalog(project_id) if meta_id in e.tag_ids)
        project.remove_tag_meta(meta_id, uses, ctx)
        self.save_project(project)

    def create_dataset(
        self, project_id: UUID, name: str, ctx: Context, parent_id: int | None = None
    ) -> Dataset:
        project = self.get_project(project_id)
        dataset = project.create_dataset(name, parent_id, ctx)
        self.save_project(project)
        return dataset

    def change_dataset(
        self, project_id: UUID, dataset_id: int, name: str, parent_id: int | None, ctx: Context
    ) -> None:
        project = self.get_project(project_id)
        project.change_dataset(dataset_id, name, parent_id, ctx)
        self.save_project(project)

    def remove_dataset(self, project_id: UUID, dataset_id: int, ctx: Context) -> None:
        project = self.get_project(project_id)
        left = sum(1 for e in self.store.catalog(project_id) if e.dataset_id == dataset_id)
        project.remove_dataset(dataset_id, left, ctx)
        self.save_project(project)

    def objects_using_class(self, project_id: UUID, class_id: int) -> int:
        """Objects of a class, counted from the catalog (a scan: meta commands are rare)."""
        return sum(n for e in self.store.catalog(project_id) for c, n in e.classes if c == class_id)

    # -- resolving names -----------------------------------------------------------------

    def resolve_project(self, ref: str | UUID) -> UUID:
        """A project by id or by unique name."""
        heads = [h for h in self.store.heads() if h.project_id.int != 0]
        try:
            wanted = ref if isinstance(ref, UUID) else UUID(ref)
        except ValueError:
            named = [h for h in heads if h.name == ref]
            if len(named) == 1:
                return named[0].project_id
            if named:
                raise ValidationError("project", f"name '{ref}' is ambiguous: use an id") from None
            raise NotFoundError("project", ref) from None
        if any(h.project_id == wanted for h in heads):
            return wanted
        raise NotFoundError("project", ref)

    def resolve_dataset(self, project_id: UUID, path: str) -> int:
        meta = self.get_project(project_id).meta
        found = meta.dataset_by_path(path.strip("/"))
        if found is None:
            raise NotFoundError("dataset", path)
        return found.id

    def resolve_item(self, project_id: UUID, ref: str | UUID) -> UUID:
        """An item by id or by its ``dataset/name`` path."""
        try:
            item_id = ref if isinstance(ref, UUID) else UUID(ref)
        except ValueError:
            path, _, name = str(ref).rpartition("/")
            if not path:
                raise ValidationError(
                    "item", f"'{ref}' is neither an id nor dataset/name") from None
            found = self.store.find_item(project_id, self.resolve_dataset(project_id, path), name)
            if found is None:
                raise NotFoundError("item", ref) from None
            return found
        entry = self.store.catalog_entry(item_id)
        if entry is None or self.store.project_of(item_id) != project_id:
            raise NotFoundError("item", ref)
        return item_id
