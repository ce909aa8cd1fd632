"""Reverting in place: the events that bring a project back to a version's state.

Order keeps every intermediate position valid: first the meta gains what the target
needs (classes, tag metas, datasets, with the target's ids), then items change, then
the meta loses what the target lacks, and a ``Reverted`` marker closes the sequence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from application.core.bulk import BATCH_ITEMS, Batch, item_batch
from application.core.clock import utc_now
from application.ports import ProjectWrite
from domain.digest import item_hash, meta_hash
from domain.item import Item
from domain.project import Project
from domain.state import MetaState
from domain.values import Context, Version

if TYPE_CHECKING:
    from application.core.ledger_core import LedgerCore
    from application.core.states import Manifest, States


def plan_revert(
    core: LedgerCore, states: States, project: Project, target: MetaState,
    manifest: Manifest, version: Version, ctx: Context,
) -> Iterator[Batch]:
    pid = project.id
    now = utc_now()
    _grow_meta(project, target, ctx)
    union = project.meta
    yield [project], ProjectWrite(pid, meta_hash=meta_hash(union), name=project.name)

    current = {e.item_id: e for e in core.store.catalog(pid)}
    changed = {i for i, v in manifest.versions.items()
               if i not in current or current[i].version != v}
    pending: list[Item] = []
    for state in states.items_at(manifest, changed):
        assert state.id is not None
        entry = current.get(state.id)
        if entry is not None and entry.state_hash == item_hash(state):
            continue
        item: Item = core.repository.get(state.id)
        if item.removed:
            item.revive(union, state, ctx)
        else:
            item.move(state.dataset_id, state.name, ctx)
            # An object keeps its shape: one the version holds as another shape under
            # the same id is removed, and the version's added back.
            for object_id in item.reshaped(union, state.objects):
                item.remove_object(object_id, ctx)
            item.replace_annotation(union, state, ctx, now)
            item.change_info(state.info, ctx)
        pending.append(item)
        if len(pending) >= BATCH_ITEMS:
            yield item_batch(pid, pending)
            pending = []
    for item_id in current.keys() - manifest.versions.keys():
        item = core.get_item(item_id)
        item.remove(ctx)
        pending.append(item)
        if len(pending) >= BATCH_ITEMS:
            yield item_batch(pid, pending)
            pending = []
    if pending:
        yield item_batch(pid, pending)

    _shrink_meta(project, target, ctx)
    project.record_revert(version.number, version.digest, ctx)
    yield [project], ProjectWrite(pid, meta_hash=meta_hash(project.meta), name=project.name)


def _grow_meta(project: Project, target: MetaState, ctx: Context) -> None:
    for cls in target.classes.values():
        if cls.id not in project.classes:
            clash = project.meta.class_by_title(cls.title)
            if clash is not None:  # a newer class took the title: park it under another
                project.change_class(replace(clash, title=f"{clash.title} (before revert)"),
                                     0, ctx)
            project.add_class(cls, ctx)
        elif project.classes[cls.id] != cls:
            project.change_class(cls, 0, ctx)
    for tm in target.tag_metas.values():
        if tm.id not in project.tag_metas:
            project.add_tag_meta(tm, ctx)
        elif project.tag_metas[tm.id] != tm:
            project.change_tag_meta(tm, ctx)
    depth = {d: target.dataset_path(d).count("/") for d in target.datasets}
    for ds in sorted(target.datasets.values(), key=lambda d: depth[d.id]):
        if ds.id not in project.datasets:
            project.create_dataset(ds.name, ds.parent_id, ctx, ds.id, ds.description)
        elif project.datasets[ds.id] != ds:
            project.change_dataset(ds.id, ds.name, ds.parent_id, ctx, ds.description)
    project.change_extra(target.extra, ctx)


def _shrink_meta(project: Project, target: MetaState, ctx: Context) -> None:
    current = project.meta
    depth = {d: current.dataset_path(d).count("/") for d in current.datasets}
    for ds in sorted(current.datasets.values(), key=lambda d: -depth[d.id]):
        if ds.id not in target.datasets:
            project.remove_dataset(ds.id, 0, ctx)
    for class_id in list(project.classes):
        if class_id not in target.classes:
            project.remove_class(class_id, 0, ctx)
    for meta_id in list(project.tag_metas):
        if meta_id not in target.tag_metas:
            project.remove_tag_meta(meta_id, 0, ctx)
