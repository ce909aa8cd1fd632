"""Imports: a whole project read by a format adapter, written in one transaction.

``import_state`` creates a project; ``sync_state`` brings an existing project to the
imported content and records events only for what differs (objects matched by id,
then by content).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from uuid import UUID

from application.base import LedgerBase
from application.bulk import BATCH_ITEMS, Batch, item_batch, write_batches
from application.item_commands import assign_id
from application.loading import gc_paused
from application.ports import ProjectWrite
from application.sync import plan_meta, sync_item
from application.views import ImportResult, ProgressFn, no_progress
from domain.digest import meta_hash
from domain.errors import ValidationError
from domain.item import Item
from domain.names import check_dataset_name
from domain.project import Project
from domain.state import ItemState, MetaState, ProjectState
from domain.values import Context

Locate = Callable[[str], str]
"""Turns an item's ``dataset/name`` into what an error should name (its source file)."""


class ImportCommands(LedgerBase):
    def import_state(
        self, source: ProjectState, ctx: Context, *, name: str | None = None,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        meta = MetaState(name or source.meta.name, source.meta.classes, source.meta.tag_metas,
                         source.meta.datasets)
        self.check_name_free(meta.name)
        project = Project.create(meta, ctx)
        first: Batch = ([project], ProjectWrite(project.id, meta_hash=meta_hash(meta),
                                                name=meta.name))
        items = self._upload_batches(project.id, meta, source, ctx, progress, locate)
        with gc_paused():
            events = write_batches(self, _chain(first, items))
        self.maybe_snapshot(project.id)
        return self.import_result(project.id, events)

    def sync_state(
        self, project_id: UUID, source: ProjectState, ctx: Context, *,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        project = self.get_project(project_id)
        for i, ds in enumerate(source.meta.datasets.values()):  # as a new project would
            check_dataset_name(ds.name, f"datasets[{i}].name")
        remap = plan_meta(project, source.meta, ctx)
        meta = project.meta
        current = {(e.dataset_id, e.name): e for e in self.store.catalog(project_id)}
        wanted: dict[tuple[int, str], ItemState] = {}
        for item in source.items.values():
            mapped = remap.item(item)
            wanted[(mapped.dataset_id, mapped.name)] = mapped

        def batches() -> Iterator[Batch]:
            yield [project], ProjectWrite(project_id, meta_hash=meta_hash(meta), name=meta.name)
            progress(0, len(wanted) + len(current))
            done, pending = 0, []
            for key, state in wanted.items():
                entry = current.get(key)
                try:
                    if entry is None:
                        pending.append(Item.upload(project_id, meta, _assign_ids(state), ctx))
                    else:
                        item = self.get_item(entry.item_id)
                        if sync_item(item, meta, state, ctx, entry.state_hash):
                            pending.append(item)
                except ValidationError as exc:
                    raise exc.within(locate(_path(meta, state))) from None
                done += 1
                if len(pending) >= BATCH_ITEMS:
                    yield item_batch(project_id, pending)
                    progress(done, len(wanted) + len(current))
                    pending = []
            for key, entry in current.items():
                if key not in wanted:
                    item = self.get_item(entry.item_id)
                    item.remove(ctx)
                    pending.append(item)
                done += 1
            if pending:
                yield item_batch(project_id, pending)
            progress(done, done)

        with gc_paused():
            events = write_batches(self, batches())
        self.maybe_snapshot(project_id)
        return self.import_result(project_id, events)

    def _upload_batches(
        self, project_id: UUID, meta: MetaState, source: ProjectState, ctx: Context,
        progress: ProgressFn, locate: Locate,
    ) -> Iterator[Batch]:
        total = len(source.items)
        progress(0, total)
        pending: list[Item] = []
        for done, state in enumerate(source.iter_items(), 1):
            try:
                pending.append(Item.upload(project_id, meta, _assign_ids(state), ctx))
            except ValidationError as exc:
                raise exc.within(locate(_path(meta, state))) from None
            if len(pending) >= BATCH_ITEMS or done == total:
                yield item_batch(project_id, pending)
                progress(done, total)
                pending = []

    def import_result(self, project_id: UUID, events: int) -> ImportResult:
        head = self.store.head(project_id)
        assert head is not None
        return ImportResult(project_id, head.items, head.objects, events)


def _chain(first: Batch, rest: Iterator[Batch]) -> Iterator[Batch]:
    yield first
    yield from rest


def _path(meta: MetaState, state: ItemState) -> str:
    try:
        return f"{meta.dataset_path(state.dataset_id)}/{state.name}"
    except KeyError:
        return state.name


def _assign_ids(state: ItemState) -> ItemState:
    """Objects without an id (older exports) get a fresh one."""
    if all(o.id for o in state.objects):
        return state
    return replace(state, objects=tuple(assign_id(o) for o in state.objects))
