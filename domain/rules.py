"""Checks an annotation against its project's classes and tag metas.

Kept apart from the aggregates so that imports can validate thousands of objects
without building an aggregate per object.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from domain.errors import GeometryError, ValidationError
from domain.geometry.validate import normalize_geometry
from domain.state import MetaState
from domain.values import AnnotationObject, Tag, TagMeta

ANY_SHAPE_KEY = "geometryType"
"""An object of an ``any`` class carries its concrete shape under this geometry key."""


def object_shape(meta: MetaState, obj: AnnotationObject) -> str:
    cls = meta.classes.get(obj.class_id)
    if cls is None:
        raise ValidationError("class", f"object {obj.id}: class id {obj.class_id} does not exist")
    if cls.shape != "any":
        declared = obj.geometry.get(ANY_SHAPE_KEY)
        if declared is not None and declared != cls.shape:
            raise ValidationError(
                "geometryType",
                f"object {obj.id}: shape '{declared}' differs from class "
                f"'{cls.title}' shape '{cls.shape}'",
            )
        return cls.shape
    shape = obj.geometry.get(ANY_SHAPE_KEY)
    if not isinstance(shape, str):
        raise ValidationError(
            "geometryType", f"object {obj.id}: class '{cls.title}' is 'any': geometryType needed"
        )
    return shape


def _concrete_shape(meta: MetaState, obj: AnnotationObject) -> str | None:
    """The shape an object is (its class's, or the one it carries in an ``any`` class);
    None when its class is unknown or it carries none (the object checks name why)."""
    cls = meta.classes.get(obj.class_id)
    if cls is None:
        return None
    shape = cls.shape if cls.shape != "any" else obj.geometry.get(ANY_SHAPE_KEY)
    return shape if isinstance(shape, str) else None


def keeping_shape(meta: MetaState, old: AnnotationObject,
                  new: AnnotationObject) -> AnnotationObject:
    """``new``, the object ``old`` becomes, when it keeps its shape: a class may change,
    the shape may not (a rectangle given a class of lines would silently be a line, and a
    reader of either version would see another kind of object under the same id). An
    object moving into an ``any`` class carries its shape along. A class change that
    changes the shape raises a :class:`ValidationError` on ``classId``: the object is
    to be removed and one of the new class added."""
    if new.class_id == old.class_id:
        return new
    was = _concrete_shape(meta, old)
    cls = meta.classes.get(new.class_id)
    if was is None or cls is None:
        return new
    geometry = new.geometry
    if cls.shape == "any" and ANY_SHAPE_KEY not in geometry:
        geometry = {**geometry, ANY_SHAPE_KEY: was}
    becomes = cls.shape if cls.shape != "any" else geometry.get(ANY_SHAPE_KEY)
    if isinstance(becomes, str) and becomes != was:
        raise ValidationError(
            "classId", f"object {old.id} is a {was} and would become a {becomes} in class "
                       f"'{cls.title}': a class change keeps the object's shape (remove the "
                       f"object and add one of the new class)")
    return new if geometry is new.geometry else replace(new, geometry=geometry)


def changes_shape(meta: MetaState, old: AnnotationObject, new: AnnotationObject) -> bool:
    """Whether ``new`` under ``old``'s id is another shape (see :func:`keeping_shape`)."""
    try:
        keeping_shape(meta, old, new)
    except ValidationError:
        return True
    return False


def check_object(meta: MetaState, obj: AnnotationObject) -> AnnotationObject:
    """The object with a normalized geometry, or a :class:`ValidationError` naming why."""
    shape = object_shape(meta, obj)
    try:
        geometry = normalize_geometry(shape, obj.geometry)
    except GeometryError as exc:
        raise exc.within(f"object {obj.id} geometry") from None
    if meta.classes[obj.class_id].shape == "any":
        geometry[ANY_SHAPE_KEY] = shape
    check_tags(meta, obj.tags, where=f"object {obj.id} tags", on_object=True)
    if geometry == obj.geometry:
        return obj
    return AnnotationObject(
        obj.id, obj.class_id, geometry, obj.tags, obj.labeler,
        obj.created_at, obj.updated_at, obj.description,
    )


def check_tags(
    meta: MetaState, tags: Iterable[Tag], *, where: str, on_object: bool = False
) -> None:
    for i, tag in enumerate(tags):
        tag_meta = meta.tag_metas.get(tag.meta_id)
        if tag_meta is None:
            raise ValidationError(f"{where}[{i}]", f"tag meta id {tag.meta_id} does not exist")
        check_tag_value(tag_meta, tag.value, f"{where}[{i}].value")
        applicable = tag_meta.applicable_type
        if (applicable == "imagesOnly" and on_object) or (
            applicable == "objectsOnly" and not on_object
        ):
            raise ValidationError(f"{where}[{i}]", f"tag '{tag_meta.name}' is {applicable}")


def check_tag_value(tag_meta: TagMeta, value: object, field: str) -> None:
    kind = tag_meta.value_type
    ok = True
    if kind == "none":
        ok = value is None
    elif kind == "any_string":
        ok = isinstance(value, str)
    elif kind == "any_number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(float(value))  # type: ignore[arg-type]
    elif kind == "oneof_string":
        ok = value in tag_meta.values
    if not ok:
        allowed = f" (allowed: {', '.join(tag_meta.values)})" if tag_meta.values else ""
        raise ValidationError(
            field, f"value {value!r} is not valid for tag '{tag_meta.name}' of type {kind}{allowed}"
        )
