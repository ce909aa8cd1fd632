"""Rasterizing objects into non-overlapping bitmaps, as Supervisely's "Rasterize objects".

Parameters: ``classes`` (titles), or none for every class of an area shape. Within each
item, the objects of those classes are drawn in their order, later ones on top: each
becomes a bitmap of the pixels (by pixel centres) it covers and no later object covers,
and one left with no pixel is dropped. Objects of other classes and shapes without area
are left as they are. The classes become bitmap classes (an ``any`` class stays ``any``,
its rasterized objects carrying ``bitmap``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from application.operations.params import known_keys, names
from application.operations.reshaped import bare
from application.operations.spec import OperationInput
from application.ports import Imaging
from domain.errors import ValidationError
from domain.operations.shapes import AREA_SHAPES, UNBOUNDED
from domain.rules import ANY_SHAPE_KEY, object_shape
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject

PARAMETERS = ("classes",)


def parse_rasterize(params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"classes": [TITLE, ...]}``, or ``{"classes": None}`` for every area class."""
    known_keys(params, PARAMETERS)
    given = params.get("classes")
    return {"classes": None if given is None else names(given, "classes")}


def rasterize(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    """The project with the chosen classes' objects as non-overlapping bitmaps."""
    checked = parse_rasterize(params)
    state = inp.state
    chosen = _chosen(state.meta, checked["classes"])
    sources = list(state.iter_items())
    items: dict[tuple[int, str], ItemState] = {}
    for done, item in enumerate(sources, 1):
        items[(item.dataset_id, item.name)] = _rasterized(inp.imaging, state.meta, item,
                                                          chosen)
        inp.progress(done, len(sources))
    classes = {cid: (replace(cls, shape="bitmap") if cid in chosen and cls.shape != "any"
                     else cls) for cid, cls in state.meta.classes.items()}
    return ProjectState(replace(state.meta, classes=classes), items)


def _chosen(meta: MetaState, titles: list[str] | None) -> set[int]:
    """Ids of the classes to rasterize, each of an area shape (or ``any``)."""
    drawable = AREA_SHAPES | {"any"}
    if titles is None:
        return {cid for cid, cls in meta.classes.items() if cls.shape in drawable}
    chosen = set()
    for title in titles:
        cls = meta.class_by_title(title)
        if cls is None:
            known = ", ".join(sorted(c.title for c in meta.classes.values()))
            raise ValidationError("classes", f"unknown class {title!r} (classes: {known})")
        if cls.shape not in drawable:
            raise ValidationError("classes", f"class {title!r} is a {cls.shape}: only area "
                                             f"shapes ({', '.join(sorted(AREA_SHAPES))}) "
                                             "can be rasterized")
        chosen.add(cls.id)
    return chosen


def _rasterized(imaging: Imaging, meta: MetaState, item: ItemState,
                chosen: set[int]) -> ItemState:
    width = item.media.width or UNBOUNDED
    height = item.media.height or UNBOUNDED
    indexes = [index for index, obj in enumerate(item.objects)
               if obj.class_id in chosen and object_shape(meta, obj) in AREA_SHAPES]
    if not indexes:
        return item
    masks = [imaging.area_mask(object_shape(meta, item.objects[i]),
                               bare(item.objects[i].geometry), width, height)
             for i in indexes]
    visible = dict(zip(indexes, imaging.uncovered(masks), strict=True))
    objects: list[AnnotationObject] = []
    for index, obj in enumerate(item.objects):
        if index not in visible:
            objects.append(obj)
            continue
        placed = visible.get(index)
        if placed is None:
            continue
        geometry = imaging.bitmap_of(placed)
        if ANY_SHAPE_KEY in obj.geometry:
            geometry[ANY_SHAPE_KEY] = "bitmap"
        objects.append(replace(obj, geometry=geometry))
    return replace(item, objects=tuple(objects))
