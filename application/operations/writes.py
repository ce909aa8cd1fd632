"""Writing an operation's result: as a new project, or as new events in its source.

A new project's first event names the source version and the operation
(:class:`domain.values.Provenance`). Items whose annotation the operation passed
through unchanged (the same objects and tags, under the same classes and tag metas)
were validated when the source recorded them, so they are written as restores are
(their name checked again); every other item is checked as an upload is.

In place, only differences are recorded, as a sync records them
(:mod:`application.transfer.sync`): classes, tag metas and datasets the result gains
are added, items changed, moved items removed and added under their new key; classes
and datasets the result no longer has are removed last, once no item uses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from application.core.bulk import BATCH_ITEMS, Batch, item_batch
from application.core.ledger_core import LedgerCore
from application.core.progress import ProgressFn
from application.ports import ProjectWrite
from application.transfer.sync import sync_batches
from domain.digest import meta_hash
from domain.errors import ValidationError
from domain.item import Item, restored_item
from domain.project import Project
from domain.state import ProjectState
from domain.values import Context, Provenance


def new_project(source: ProjectState, result: ProjectState, ctx: Context,
                provenance: Provenance, progress: ProgressFn) -> tuple[UUID, Iterator[Batch]]:
    """The new project's id, and the batches that write it whole."""
    project = Project.create(result.meta, ctx, provenance)
    meta = project.meta
    trusted = ({id(i.objects) for i in source.items.values()}
               if (meta.classes, meta.tag_metas) == (source.meta.classes,
                                                     source.meta.tag_metas) else set())
    tags = {id(i.tags) for i in source.items.values()} if trusted else set()

    def batches() -> Iterator[Batch]:
        yield [project], ProjectWrite(project.id, meta_hash=meta_hash(meta), name=meta.name)
        pending: list[Item] = []
        total = len(result.items)
        for done, state in enumerate(result.iter_items(), 1):
            try:
                if (id(state.objects) in trusted and id(state.tags) in tags
                        and state.dataset_id in meta.datasets):
                    pending.append(restored_item(project.id, state, ctx))
                else:
                    pending.append(Item.upload(project.id, meta, state, ctx))
            except ValidationError as exc:
                raise exc.within(f"items[{result.item_path(state)}]") from None
            if len(pending) >= BATCH_ITEMS or done == total:
                yield item_batch(project.id, pending)
                progress(done, total)
                pending = []

    return project.id, batches()


def in_place(core: LedgerCore, project_id: UUID, result: ProjectState, ctx: Context,
             progress: ProgressFn) -> Iterator[Batch]:
    """The batches that bring the project to ``result``, recording only differences."""
    project = core.get_project(project_id)
    yield from sync_batches(core, project, result, ctx, progress=progress,
                            where=lambda _meta, state: f"items[{result.item_path(state)}]")
    _drop_meta(project, result, ctx)
    yield [project], ProjectWrite(project_id, meta_hash=meta_hash(project.meta),
                                  name=project.name)


def _drop_meta(project: Project, result: ProjectState, ctx: Context) -> None:
    """Remove the classes and datasets (deepest first) the result no longer has."""
    keep = result.meta
    for cls in list(project.classes.values()):
        if keep.class_by_title(cls.title) is None:
            project.remove_class(cls.id, 0, ctx)
    gone = [d for d in project.datasets.values()
            if keep.dataset_by_path(project.meta.dataset_path(d.id)) is None]
    for ds in sorted(gone, key=lambda d: -project.meta.dataset_path(d.id).count("/")):
        project.remove_dataset(ds.id, 0, ctx)

