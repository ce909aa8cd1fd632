"""The projects service: a project's meta (the project itself, classes, tag metas,
datasets), the list of projects, and names resolved to ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID

from application.core.ledger_core import LedgerCore
from application.core.states import States
from application.views.projects import ProjectView
from domain.errors import NotFoundError, ValidationError
from domain.names import check_project_name
from domain.project import Project
from domain.state import MetaState
from domain.values import Context, Dataset, ObjectClass, TagMeta

T = TypeVar("T")


class Projects:
    """Each command loads the project, changes it and saves it; when another writer saved
    the project in between, the whole command runs again on the fresh project (a change
    like "set the colour" is applied to what is current, never to a stale copy)."""

    def __init__(self, core: LedgerCore, states: States) -> None:
        self.core = core
        self.states = states

    # -- queries -------------------------------------------------------------------------

    def all(self) -> list[ProjectView]:
        """Every project (the system log is none)."""
        return [ProjectView(h.project_id, h.name, h.items, h.objects, h.position, h.digest)
                for h in self.core.store.heads() if h.project_id.int != 0]

    def view(self, project_id: UUID) -> ProjectView:
        head = self.states.head(project_id)
        return ProjectView(project_id, head.name, head.items, head.objects, head.position,
                           head.digest)

    def get(self, project_id: UUID) -> Project:
        return self.core.get_project(project_id)

    # -- commands ------------------------------------------------------------------------

    def create(self, name: str, ctx: Context, meta: MetaState | None = None) -> UUID:
        """A new project; a taken name is refused here, and by the database when another
        writer takes it in between (:class:`DuplicateNameError` either way)."""
        base = meta or MetaState(name)
        project = Project.create(MetaState(name, base.classes, base.tag_metas, base.datasets,
                                           base.extra), ctx)
        self.core.check_name_free(name)
        self.core.save_project(project)
        return project.id

    def rename(self, project_id: UUID, name: str, ctx: Context) -> None:
        check_project_name(name, "name")
        self.core.check_name_free(name, project_id)
        self._on_project(project_id, lambda p: p.rename(name, ctx))

    def add_class(self, project_id: UUID, cls: ObjectClass, ctx: Context) -> ObjectClass:
        return self._on_project(project_id, lambda p: p.add_class(cls, ctx))

    def change_class(self, project_id: UUID, class_id: int, ctx: Context,
                     **changes: Any) -> ObjectClass:
        """Change some of a class's fields (title, shape, color, geometry_config)."""
        def change(p: Project) -> ObjectClass:
            new = replace(p.get_class(class_id), **changes)
            p.change_class(new, self.objects_using_class(project_id, class_id), ctx)
            return new

        return self._on_project(project_id, change)

    def remove_class(self, project_id: UUID, class_id: int, ctx: Context) -> None:
        self._on_project(project_id, lambda p: p.remove_class(
            class_id, self.objects_using_class(project_id, class_id), ctx))

    def add_tag_meta(self, project_id: UUID, tag_meta: TagMeta, ctx: Context) -> TagMeta:
        return self._on_project(project_id, lambda p: p.add_tag_meta(tag_meta, ctx))

    def change_tag_meta(self, project_id: UUID, meta_id: int, ctx: Context,
                        **changes: Any) -> TagMeta:
        """Change some of a tag meta's fields (name, value_type, values, color...)."""
        def change(p: Project) -> TagMeta:
            new = replace(p.get_tag_meta(meta_id), **changes)
            p.change_tag_meta(new, ctx)
            return new

        return self._on_project(project_id, change)

    def remove_tag_meta(self, project_id: UUID, meta_id: int, ctx: Context) -> None:
        uses = sum(1 for e in self.core.store.catalog(project_id) if meta_id in e.tag_ids)
        self._on_project(project_id, lambda p: p.remove_tag_meta(meta_id, uses, ctx))

    def create_dataset(
        self, project_id: UUID, name: str, ctx: Context, parent_id: int | None = None,
        description: str = "",
    ) -> Dataset:
        return self._on_project(project_id, lambda p: p.create_dataset(
            name, parent_id, ctx, description=description))

    def change_dataset(self, project_id: UUID, dataset_id: int, ctx: Context,
                       **changes: Any) -> Dataset:
        """Rename (``name``), move (``parent_id``; None is the top level) and/or describe
        (``description``)."""
        def change(p: Project) -> Dataset:
            new = replace(p.get_dataset(dataset_id), **changes)
            p.change_dataset(dataset_id, new.name, new.parent_id, ctx, new.description)
            return new

        return self._on_project(project_id, change)

    def remove_dataset(self, project_id: UUID, dataset_id: int, ctx: Context) -> None:
        left = sum(1 for e in self.core.store.catalog(project_id) if e.dataset_id == dataset_id)
        self._on_project(project_id, lambda p: p.remove_dataset(dataset_id, left, ctx))

    def _on_project(self, project_id: UUID, command: Callable[[Project], T]) -> T:
        def attempt() -> T:
            project = self.core.get_project(project_id)
            result = command(project)
            self.core.save_project(project)
            return result

        return self.core.retrying(5, attempt)

    def objects_using_class(self, project_id: UUID, class_id: int) -> int:
        """Objects of a class, counted from the catalog (a scan: meta commands are rare)."""
        return sum(n for e in self.core.store.catalog(project_id)
                   for c, n in e.classes if c == class_id)

    # -- resolving names -----------------------------------------------------------------

    def resolve(self, ref: str | UUID, field: str = "project") -> UUID:
        """A project by id or by unique name; ``field`` is what an ambiguous name's error
        names (the argument or JSON field the reference came from)."""
        heads = [h for h in self.core.store.heads() if h.project_id.int != 0]
        try:
            wanted = ref if isinstance(ref, UUID) else UUID(ref)
        except ValueError:
            named = [h for h in heads if h.name == ref]
            if len(named) == 1:
                return named[0].project_id
            if named:
                raise ValidationError(field, f"project name '{ref}' is ambiguous: use an id") \
                    from None
            raise NotFoundError("project", ref) from None
        if any(h.project_id == wanted for h in heads):
            return wanted
        raise NotFoundError("project", ref)

    def resolve_dataset(self, project_id: UUID, path: str) -> int:
        meta = self.core.get_project(project_id).meta
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
            found = self.core.store.find_item(project_id, self.resolve_dataset(project_id, path),
                                              name)
            if found is None:
                raise NotFoundError("item", ref) from None
            return found
        entry = self.core.store.catalog_entry(item_id)
        if entry is None or self.core.store.project_of(item_id) != project_id:
            raise NotFoundError("item", ref)
        return item_id
