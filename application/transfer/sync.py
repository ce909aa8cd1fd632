"""Bringing existing content to imported content with the fewest, finest events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from application.items.items import new_object_id
from domain.digest import item_hash
from domain.errors import ValidationError
from domain.item import Item
from domain.project import Project
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, ObjectClass, Tag, TagMeta


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
                         self.tags(state.tags), objects, state.description)


def plan_meta(project: Project, source: MetaState, ctx: Context) -> Remap:
    """Add the classes, tag metas and datasets the project lacks; map every id."""
    remap = Remap()
    for cls in source.classes.values():
        have = project.meta.class_by_title(cls.title)
        if have is None:
            free = cls.id not in project.classes
            added = project.add_class(ObjectClass(cls.id if free else 0, cls.title, cls.shape,
                                                  cls.color, cls.geometry_config), ctx)
            remap.classes[cls.id] = added.id
            continue
        if have.shape != cls.shape:
            raise ValidationError(
                f"classes.{cls.title}.shape",
                f"the project has shape '{have.shape}', the import '{cls.shape}'")
        if (have.color, have.geometry_config) != (cls.color, cls.geometry_config):
            project.change_class(replace(cls, id=have.id), 0, ctx)
        remap.classes[cls.id] = have.id
    for tm in source.tag_metas.values():
        existing = project.meta.tag_meta_by_name(tm.name)
        if existing is None:
            fresh = TagMeta(tm.id if tm.id not in project.tag_metas else 0, tm.name,
                            tm.value_type, tm.values, tm.color, tm.applicable_type, tm.classes)
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
            found = project.create_dataset(ds.name, parent, ctx, ds.id if free else 0)
        remap.datasets[ds.id] = found.id
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
              current_hash: int) -> bool:
    """Record on ``item`` the events that make it equal ``target``; False if none needed."""
    objects = match_objects(item, target.objects)
    desired = ItemState(item.dataset_id, item.name, item.media, target.tags, objects,
                        target.description)
    if item_hash(desired) == current_hash:
        return False
    if target.description != item.description:
        item.replace_annotation(meta, desired, ctx)
        return True
    wanted = {o.id: o for o in objects}
    for object_id in [i for i in item.objects if i not in wanted]:
        item.remove_object(object_id, ctx)
    for o in objects:
        old = item.objects.get(o.id)
        if old is None:
            item.add_object(meta, o, ctx)
        elif old != o:
            item.change_object(meta, o.id, ctx, o.updated_at or old.updated_at,
                               geometry=o.geometry, class_id=o.class_id, tags=o.tags)
    current_tags = {t.meta_id: t for t in item.tags}
    target_tags = {t.meta_id: t for t in target.tags}
    for meta_id in current_tags.keys() - target_tags.keys():
        item.remove_tag(meta_id, ctx)
    for meta_id, tag in target_tags.items():
        if current_tags.get(meta_id) != tag:
            item.set_tag(meta, tag, ctx)
    return True
