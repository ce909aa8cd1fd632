"""Bringing existing content to imported content with the fewest, finest events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from application.items.items import new_object_id
from domain.errors import ValidationError
from domain.item import Item
from domain.project import Project
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, Tag


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
