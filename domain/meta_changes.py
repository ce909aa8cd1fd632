"""What a project event changed, and what any event targets.

Companion of :mod:`domain.changes`: a project's :class:`~domain.changes.Names` folded over
its meta events, a few words for each, and the target (kind and id) of every event, so
audit rows can be filtered by project, dataset, item, object, class, tag, version or
session.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from uuid import UUID

from domain.changes import KINDS, SAFE_FIELDS, Names, event_kind, plural


class Target(NamedTuple):
    kind: str
    id: str
    object_id: int | None = None


def fold_names(before: Names | None, event: Any) -> Names:
    """The names after a project event (a new value)."""
    name = event_kind(event).rpartition(".")[2]
    if name == "Created" or before is None:
        classes = tuple(getattr(event, "classes", ()))
        datasets = tuple(getattr(event, "datasets", ()))
        return Names(getattr(event, "name", ""), {c.id: c.title for c in classes},
                     {t.id: t.name for t in getattr(event, "tag_metas", ())},
                     {d.id: d.name for d in datasets}, {c.id: c.shape for c in classes},
                     {d.id: d.parent_id for d in datasets if d.parent_id is not None})
    after = before.copy()
    if name == "Renamed":
        after.project = event.name
    elif name in ("ClassAdded", "ClassChanged"):
        after.classes[event.object_class.id] = event.object_class.title
        after.shapes[event.object_class.id] = event.object_class.shape
    elif name == "ClassRemoved":
        after.classes.pop(event.class_id, None)
        after.shapes.pop(event.class_id, None)
    elif name in ("TagMetaAdded", "TagMetaChanged"):
        after.tags[event.tag_meta.id] = event.tag_meta.name
    elif name == "TagMetaRemoved":
        after.tags.pop(event.meta_id, None)
    elif name == "DatasetCreated":
        after.datasets[event.dataset.id] = event.dataset.name
        if event.dataset.parent_id is not None:
            after.parents[event.dataset.id] = event.dataset.parent_id
    elif name == "DatasetRenamed":
        after.datasets[event.dataset_id] = event.name
    elif name == "DatasetMoved":
        after.parents.pop(event.dataset_id, None)
        if event.parent_id is not None:
            after.parents[event.dataset_id] = event.parent_id
    elif name == "DatasetRemoved":
        after.datasets.pop(event.dataset_id, None)
        after.parents.pop(event.dataset_id, None)
    return after


def describe_project(event: Any, before: Names | None, after: Names) -> str:
    name = event_kind(event).rpartition(".")[2]
    old = before or Names()
    if name == "Created":
        source = event.provenance
        text = (f"project '{after.project}': {plural(len(after.classes), 'class')}, "
                f"{plural(len(after.tags), 'tag')}, {plural(len(after.datasets), 'dataset')}")
        if source is not None:
            how = f"derived by {source.operation}" if source.operation else "restored"
            text += f"; {how} from '{source.project_name}' ver. {source.version}"
        return text
    if name == "Renamed":
        return f"name {old.project} → {after.project}"
    if name.startswith(("Class", "TagMeta", "Dataset")):
        return _describe_named(name, event, old, after)
    if name == "VersionCreated":
        v = event.version
        return f"version {v.number} '{v.title}' at position {v.position}"
    if name == "Reverted":
        return f"reverted to version {event.to_version}"
    if name == "ExtraChanged":
        return f"meta.json fields now {', '.join(sorted(event.extra)) or 'none'}"
    return name


def _describe_named(name: str, event: Any, old: Names, after: Names) -> str:
    if name.startswith("Class"):
        book_old, book_new, what = old.classes, after.classes, "class"
        key = event.class_id if name == "ClassRemoved" else event.object_class.id
    elif name.startswith("TagMeta"):
        book_old, book_new, what = old.tags, after.tags, "tag"
        key = event.meta_id if name == "TagMetaRemoved" else event.tag_meta.id
    else:
        book_old, book_new, what = old.datasets, after.datasets, "dataset"
        key = event.dataset.id if name == "DatasetCreated" else event.dataset_id
    was, now = book_old.get(key, f"#{key}"), book_new.get(key, f"#{key}")
    if name.endswith(("Added", "Created")):
        extra = f" ({event.object_class.shape})" if name == "ClassAdded" else ""
        return f"{what} {now} added{extra}"
    if name.endswith("Removed"):
        return f"{what} {was} removed"
    if name == "DatasetMoved":
        parent = event.parent_id
        under = "the root" if parent is None else after.dataset_path(parent)
        return f"dataset {now} moved under {under}"
    return f"{what} {was} → {now}" if was != now else f"{what} {now} changed"


def describe_other(event: Any) -> str:
    """Events of other aggregates (app sessions, tokens...): only harmless fields."""
    name = event_kind(event).rpartition(".")[2]
    values = ((k, getattr(event, k, None)) for k in SAFE_FIELDS)
    shown = [f"{k}={str(v)[:80]}" for k, v in values if isinstance(v, (str, int)) and v != ""]
    return f"{name} " + " ".join(shown) if shown else name


def target_of(event: Any) -> Target:
    """What an event is about: kind and id (and the object, for object events)."""
    aggregate, _, name = event_kind(event).rpartition(".")
    oid = str(event.originator_id)
    if aggregate == "Item":
        obj = getattr(event, "obj", None)
        object_id = obj.id if obj is not None else getattr(event, "object_id", None)
        if object_id is not None:
            return Target("object", str(object_id), object_id)
        if name in ("TagSet", "TagRemoved"):
            meta_id = event.tag.meta_id if name == "TagSet" else event.meta_id
            return Target("tag", str(meta_id))
        return Target("item", oid)
    if aggregate == "Project":
        return _project_target(name, event, oid)
    return Target(KINDS.get(aggregate, aggregate.lower() or "event"), oid)


def _project_target(name: str, event: Any, oid: str) -> Target:
    if name.startswith("Class"):
        return Target("class", str(event.class_id if name == "ClassRemoved"
                                   else event.object_class.id))
    if name.startswith("TagMeta"):
        return Target("tag", str(event.meta_id if name == "TagMetaRemoved"
                                 else event.tag_meta.id))
    if name.startswith("Dataset"):
        return Target("dataset", str(event.dataset.id if name == "DatasetCreated"
                                     else event.dataset_id))
    if name == "VersionCreated":
        return Target("version", str(event.version.number))
    if name == "Reverted":
        return Target("version", str(event.to_version))
    return Target("project", oid)


def session_of(event: Any) -> UUID | None:
    """The app session that caused an event (an app session's own events: itself)."""
    if event_kind(event).startswith("AppSession."):
        return event.originator_id  # type: ignore[no-any-return]
    session = getattr(event, "session_id", None)
    return session if isinstance(session, UUID) else None
