"""Bringing existing content to imported content with the fewest, finest events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from application.core.bulk import BATCH_ITEMS, Batch, encoded_together, item_batch
from application.core.clock import utc_now
from application.core.ledger_core import LedgerCore
from application.core.progress import ProgressFn
from application.items.items import assign_id, new_object_id
from application.ports import ProjectWrite
from domain.digest import meta_hash
from domain.errors import ValidationError
from domain.item import Item
from domain.project import Project
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Context, Tag

Where = Callable[[MetaState, ItemState], str]
"""What an error about an item should name (its source file, or its path)."""


@dataclass
class Remap:
    """Ids in the imported content -> ids in the target project."""

    classes: dict[int, int] = field(default_factory=dict)
    tag_metas: dict[int, int] = field(default_factory=dict)
    datasets: dict[int, int] = field(default_factory=dict)

    def tags(self, tags: tuple[Tag, ...]) -> tuple[Tag, ...]:
        return tuple(replace(t, meta_id=self.tag_metas[t.meta_id]) for t in tags)

    def item(self, state: ItemState) -> ItemState:
        objects = tuple(
            replace(o, class_id=self.classes[o.class_id], tags=self.tags(o.tags))
            for o in state.objects
        )
        return ItemState(self.datasets[state.dataset_id], state.name, state.media,
                         self.tags(state.tags), objects, state.description, info=state.info)


def plan_meta(project: Project, source: MetaState, ctx: Context) -> Remap:
    """Add the classes, tag metas and datasets the project lacks; map every id."""
    remap = Remap()
    for cls in source.classes.values():
        have = project.meta.class_by_title(cls.title)
        if have is None:
            free = cls.id not in project.classes
            added = project.add_class(replace(cls, id=cls.id if free else 0), ctx)
            remap.classes[cls.id] = added.id
            continue
        if have.shape != cls.shape:
            raise ValidationError(
                f"classes.{cls.title}.shape",
                f"the project has shape '{have.shape}', the import '{cls.shape}'")
        if (have.color, have.geometry_config, have.extra) != (cls.color, cls.geometry_config,
                                                              cls.extra):
            project.change_class(replace(cls, id=have.id), 0, ctx)
        remap.classes[cls.id] = have.id
    for tm in source.tag_metas.values():
        existing = project.meta.tag_meta_by_name(tm.name)
        if existing is None:
            fresh = replace(tm, id=tm.id if tm.id not in project.tag_metas else 0)
            remap.tag_metas[tm.id] = project.add_tag_meta(fresh, ctx).id
        else:
            if replace(tm, id=existing.id) != existing:
                project.change_tag_meta(replace(tm, id=existing.id), ctx)
            remap.tag_metas[tm.id] = existing.id
    by_depth = sorted(source.datasets.values(), key=lambda d: source.dataset_path(d.id).count("/"))
    for ds in by_depth:
        path = source.dataset_path(ds.id)
        found = project.meta.dataset_by_path(path)
        if found is None:
            parent = None if ds.parent_id is None else remap.datasets[ds.parent_id]
            free = ds.id not in project.datasets
            found = project.create_dataset(ds.name, parent, ctx, ds.id if free else 0,
                                           ds.description)
        remap.datasets[ds.id] = found.id
    project.change_extra(source.extra, ctx)
    return remap


def match_objects(item: Item, target: tuple[AnnotationObject, ...]) -> tuple[AnnotationObject, ...]:
    """Give each imported object the id of the current object it is: by id, then content."""
    left = dict(item.objects)
    matched = []
    for o in target:
        if o.id and o.id in left:
            del left[o.id]
            matched.append(o)
            continue
        twin = next((c for c in left.values()
                     if c.class_id == o.class_id and c.geometry == o.geometry), None)
        if twin is not None:
            del left[twin.id]
            matched.append(replace(o, id=twin.id, labeler=o.labeler or twin.labeler,
                                   created_at=o.created_at or twin.created_at))
        else:
            fresh = o.id if o.id and o.id not in item.objects else new_object_id()
            matched.append(replace(o, id=fresh))
    return tuple(matched)


def sync_item(item: Item, meta: MetaState, target: ItemState, ctx: Context,
              now: str) -> bool:
    """Record on ``item`` the events that make its annotation equal ``target``'s; False if
    none was needed.

    Every difference is recorded as made, on what it changed: each object's class,
    geometry, tags and details (labeler, description, times, unmodelled fields) by
    :meth:`Item.change_object`, each item tag, and the item's description. An object that
    the files give another shape under its id is removed and added again (an object keeps
    its shape). ``updated_at`` follows :func:`domain.item.stamped`: the file's when it has
    one, else ``now`` for an object that changed. Syncing the same files again finds
    nothing to record.
    """
    objects = match_objects(item, target.objects)
    wanted = {o.id: o for o in objects}
    if (wanted == item.objects and target.description == item.description
            and {t.meta_id: t for t in target.tags} == {t.meta_id: t for t in item.tags}
            and target.info == item.info):
        return False
    before = item.version
    item.change_info(target.info, ctx)  # the format's data of the item (img_info, meta...)
    item.describe(target.description, ctx)
    reshaped = set(item.reshaped(meta, objects))
    for object_id in [i for i in item.objects if i not in wanted or i in reshaped]:
        item.remove_object(object_id, ctx)
    for o in objects:
        if o.id not in item.objects:
            item.add_object(meta, o, ctx)
        else:
            item.change_object(meta, o.id, ctx, now, geometry=o.geometry, class_id=o.class_id,
                               tags=o.tags, labeler=o.labeler, description=o.description,
                               created_at=o.created_at, updated_at=o.updated_at,
                               extra=o.extra)
    current_tags = {t.meta_id: t for t in item.tags}
    target_tags = {t.meta_id: t for t in target.tags}
    for meta_id in current_tags.keys() - target_tags.keys():
        item.remove_tag(meta_id, ctx)
    for meta_id, tag in target_tags.items():
        if current_tags.get(meta_id) != tag:
            item.set_tag(meta, tag, ctx)
    return item.version != before


def sync_batches(core: LedgerCore, project: Project, source: ProjectState, ctx: Context, *,
                 progress: ProgressFn, where: Where, fresh_ids: bool = False
                 ) -> Iterator[Batch]:
    """The batches that bring ``project`` to ``source`` (imports into a project, and
    operations run in place): the meta it lacks first, then new, changed and removed
    items, every change dated alike (:func:`domain.item.stamped`). ``fresh_ids``: objects
    without an id (older exports) get one."""
    project_id = project.id
    remap = plan_meta(project, source.meta, ctx)
    meta = project.meta
    now = utc_now()
    current = {(e.dataset_id, e.name): e for e in core.store.catalog(project_id)}
    wanted: dict[tuple[int, str], ItemState] = {}
    for given in source.items.values():
        mapped = remap.item(given)
        wanted[(mapped.dataset_id, mapped.name)] = mapped
    transcoder = core.mapper.transcoder
    yield [project], ProjectWrite(project_id, meta_hash=meta_hash(meta), name=meta.name)
    total = len(wanted) + len(current)
    progress(0, total)
    done = 0
    pending: list[Item] = []
    for key, state in wanted.items():
        entry = current.get(key)
        try:
            if entry is None:
                uploaded = assign_ids(state) if fresh_ids else state
                pending.append(Item.upload(project_id, meta, uploaded, ctx))
            else:
                item = core.get_item(entry.item_id)
                if sync_item(item, meta, state, ctx, now):
                    pending.append(item)
        except ValidationError as exc:
            raise exc.within(where(meta, state)) from None
        done += 1
        if len(pending) >= BATCH_ITEMS:
            with encoded_together(transcoder, pending):
                yield item_batch(project_id, pending)
            progress(done, total)
            pending = []
    for key, entry in current.items():
        if key not in wanted:
            item = core.get_item(entry.item_id)
            item.remove(ctx)
            pending.append(item)
        done += 1
    if pending:
        with encoded_together(transcoder, pending):
            yield item_batch(project_id, pending)
    progress(done, done)


def assign_ids(state: ItemState) -> ItemState:
    """Objects without an id (older exports) get a fresh one."""
    if all(o.id for o in state.objects):
        return state
    return replace(state, objects=tuple(assign_id(o) for o in state.objects))
