"""Converting a class's objects to another shape, and the class with them.

Parameters: ``class`` (a class title) and ``shape`` (``rectangle``, ``polygon`` or
``bitmap``). What converts (shapes that cover an area; points, lines, graphs and cuboids
do not):

* rectangle <-> polygon: its four corners / the bounding box of the exterior, so
  rectangle -> polygon -> rectangle gives the rectangle back;
* oriented bbox -> polygon (its turned corners) or rectangle (their bounding box);
* any area shape -> bitmap: the pixels whose centres it covers on the item's image (an
  object covering none is dropped);
* bitmap or alpha mask -> polygon: each connected part traced with its holes (a mask of
  several parts becomes several objects); -> rectangle: the mask's bounding box.

Objects of an ``any`` class are converted alike, and the class takes the new shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from application.operations.params import known_keys
from application.operations.reshaped import Renumbered, bare
from application.operations.spec import OperationInput
from application.ports import Imaging
from domain.errors import ValidationError
from domain.geometry.measure import MASK_SHAPES
from domain.operations.moves import Geometry
from domain.operations.shapes import AREA_SHAPES, UNBOUNDED, to_polygon, to_rectangle
from domain.rules import object_shape
from domain.state import ItemState, MetaState, ProjectState
from domain.values import ObjectClass

PARAMETERS = ("class", "shape")
TARGETS = ("rectangle", "polygon", "bitmap")


def parse_convert(params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"class": TITLE, "shape": rectangle|polygon|bitmap}``, checked."""
    known_keys(params, PARAMETERS)
    title, shape = params.get("class"), params.get("shape")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("class", "is required: the title of the class to convert")
    if shape not in TARGETS:
        raise ValidationError("shape", f"{shape!r} is not one of {', '.join(TARGETS)}")
    return {"class": title.strip(), "shape": shape}


def convert(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    """The project with every object of the class in the new shape."""
    checked = parse_convert(params)
    state, target = inp.state, checked["shape"]
    cls = _convertible_class(state.meta, checked["class"], target)
    sources = list(state.iter_items())
    for item in sources:  # refuse before converting anything
        for obj in item.objects:
            if obj.class_id == cls.id and object_shape(state.meta, obj) not in AREA_SHAPES:
                raise ValidationError(
                    "class", f"item {state.item_path(item)} object {obj.id}: a "
                             f"{object_shape(state.meta, obj)} cannot become a {target}")
    items: dict[tuple[int, str], ItemState] = {}
    for done, item in enumerate(sources, 1):
        items[(item.dataset_id, item.name)] = _converted(inp.imaging, state.meta, item,
                                                         cls.id, target)
        inp.progress(done, len(sources))
    classes = {**state.meta.classes, cls.id: replace(cls, shape=target)}
    return ProjectState(replace(state.meta, classes=classes), items)


def _convertible_class(meta: MetaState, title: str, target: str) -> ObjectClass:
    cls = meta.class_by_title(title)
    if cls is None:
        known = ", ".join(sorted(c.title for c in meta.classes.values()))
        raise ValidationError("class", f"unknown class {title!r} (classes: {known})")
    if cls.shape == target:
        raise ValidationError("shape", f"class {title!r} is already a {target}")
    if cls.shape != "any" and cls.shape not in AREA_SHAPES:
        raise ValidationError(
            "class", f"class {title!r} is a {cls.shape}: only area shapes "
                     f"({', '.join(sorted(AREA_SHAPES))}) convert")
    return cls


def _converted(imaging: Imaging, meta: MetaState, item: ItemState, class_id: int,
               target: str) -> ItemState:
    if not any(obj.class_id == class_id for obj in item.objects):
        return item
    width = item.media.width or UNBOUNDED
    height = item.media.height or UNBOUNDED
    out = Renumbered(item.objects)
    for obj in item.objects:
        if obj.class_id != class_id:
            out.objects.append(obj)
            continue
        shape, geometry = object_shape(meta, obj), bare(obj.geometry)
        out.add(obj, _geometries(imaging, shape, geometry, target, width, height))
    return replace(item, objects=tuple(out.objects))


def _geometries(imaging: Imaging, shape: str, geometry: Geometry, target: str, width: int,
                height: int) -> list[Geometry]:
    if shape == target:
        return [geometry]
    if target == "bitmap":
        placed = imaging.area_mask(shape, geometry, width, height)
        return [] if placed is None else [imaging.bitmap_of(placed)]
    if shape in MASK_SHAPES and target == "polygon":
        return imaging.polygons_of(shape, geometry)
    if shape in MASK_SHAPES:
        placed = imaging.area_mask(shape, geometry, UNBOUNDED, UNBOUNDED)
        if placed is None:
            return []
        left, top, right, bottom = imaging.bounds(placed)
        return [{"points": {"exterior": [[left, top], [right, bottom]], "interior": []}}]
    return [to_polygon(shape, geometry) if target == "polygon" else to_rectangle(shape, geometry)]
