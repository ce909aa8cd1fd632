"""Augmentation: new images made from each item's pixels, every annotation moved with them.

Parameters: ``pipeline`` (the steps, see :mod:`domain.operations.pipeline`), ``copies``
(augmented items per source item, default 1) and ``replace`` (drop the originals;
default false, originals kept). Each output item is named ``<stem>__aug<k><suffix>``
(``-2``, ``-3``... appended if that name is taken) and says where it came from in its
own meta dict (what Supervisely exports as ``meta/<item>.json``), under ``augmentation``:
``{"source": "<dataset>/<item>", "copy": k, "steps": [{"step": "rotate", "degrees":
7.5}, ...]}``, every value drawn for it included.

Every item's pixels are read and checked before anything is stored: moved annotations
over pixels that were not moved would be wrong, so an item whose image this server cannot
read refuses the whole run, naming the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from application.operations.params import count, flag, known_keys
from application.operations.reshaped import Renumbered, bare
from application.operations.spec import OperationInput
from application.ports import Imaging, Picture
from domain.errors import ValidationError
from domain.operations.pipeline import (
    DrawnStep,
    Step,
    canonical,
    draw_all,
    parse_pipeline,
    record,
)
from domain.rules import ANY_SHAPE_KEY, object_shape
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, ItemInfo

PARAMETERS = ("pipeline", "copies", "replace")
MAX_COPIES = 1000
META_KEY = "augmentation"
"""Key of an augmented item's own meta dict that names its source and drawn steps."""
_SUFFIXES = {True: (".jpg", ".jpeg", ".jpe"), False: (".png",)}


def parse_augment(params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"pipeline": SPEC, "copies": N, "replace": bool}``, checked and canonical."""
    known_keys(params, PARAMETERS)
    if "pipeline" not in params:
        raise ValidationError("pipeline", "is required (';'-separated steps)")
    steps = parse_pipeline(params["pipeline"])
    copies = count(params.get("copies", 1), "copies")
    if copies > MAX_COPIES:
        raise ValidationError("copies", f"{copies} is more than {MAX_COPIES}")
    return {"pipeline": canonical(steps), "copies": copies,
            "replace": flag(params.get("replace", False), "replace")}


def augment(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    """The project with ``copies`` augmented items per item (and the originals unless
    ``replace``); random values come from ``inp.rng``, item by item in path order."""
    checked = parse_augment(params)
    steps = parse_pipeline(checked["pipeline"])
    state = inp.state
    sources = list(state.iter_items())
    for item in sources:
        _probe(inp, item)
    items: dict[tuple[int, str], ItemState] = {} if checked["replace"] else dict(state.items)
    taken = set(state.items)
    total, done = len(sources) * checked["copies"], 0
    for item in sources:
        picture = _picture(inp, item)
        for copy in range(1, checked["copies"] + 1):
            out = _augmented(inp, item, picture, steps, copy, taken)
            key = (out.dataset_id, out.name)
            taken.add(key)
            items[key] = out
            done += 1
            inp.progress(done, total)
    return ProjectState(state.meta, items)


def _read(inp: OperationInput, item: ItemState) -> bytes:
    data = inp.media.read(item)
    if data is None:
        raise ValidationError(
            "items", f"item {inp.state.item_path(item)}: its pixels cannot be read here "
                     f"(media {item.media.uri}); augmentation moves annotations with the "
                     "pixels, so it needs the image itself")
    return data


def _picture(inp: OperationInput, item: ItemState) -> Picture:
    data = _read(inp, item)
    try:
        picture = inp.imaging.decode(data)
    except ValueError as exc:
        raise ValidationError("items", f"item {inp.state.item_path(item)}: {exc}") from None
    _same_size(inp.state, item, inp.imaging.size(picture))
    return picture


def _probe(inp: OperationInput, item: ItemState) -> None:
    """The checks :func:`_picture` makes, reading only the image's header."""
    data = _read(inp, item)
    try:
        size = inp.imaging.size_of(data)
    except ValueError as exc:
        raise ValidationError("items", f"item {inp.state.item_path(item)}: {exc}") from None
    _same_size(inp.state, item, size)


def _same_size(state: ProjectState, item: ItemState, size: tuple[int, int]) -> None:
    """Annotations are drawn on the size the item records: pixels of another size
    (unknown to the item: 0) would move them wrongly."""
    link = item.media
    if link.width and link.height and (link.width, link.height) != size:
        raise ValidationError(
            "items", f"item {state.item_path(item)}: its image is {size[0]}x{size[1]} "
                     f"pixels but the item says {link.width}x{link.height}")


def _augmented(inp: OperationInput, item: ItemState, picture: Picture,
               steps: tuple[Step, ...], copy: int, taken: set[tuple[int, str]]) -> ItemState:
    state, imaging = inp.state, inp.imaging
    width, height = imaging.size(picture)
    drawn = draw_all(steps, inp.rng, width, height)
    objects = _moved_objects(imaging, state.meta, item.objects, drawn)
    result = imaging.apply(picture, drawn)
    out_width, out_height = imaging.size(result)
    encoded = imaging.encode(result)
    link = inp.media.store(encoded.data, out_width, out_height)
    name = _name(item, copy, encoded.jpeg, taken)
    info = item.info or ItemInfo()
    source = {"source": state.item_path(item), "copy": copy, "steps": record(drawn)}
    return ItemState(
        item.dataset_id, name, link, item.tags, objects, item.description, None,
        ItemInfo(meta={**info.meta, META_KEY: source}, ann_extra=info.ann_extra),
    )


def _moved_objects(imaging: Imaging, meta: MetaState, objects: tuple[AnnotationObject, ...],
                   drawn: list[DrawnStep]) -> tuple[AnnotationObject, ...]:
    """Objects through each geometric step in turn, clipped to the image that step
    leaves (what one step cuts off, a later one cannot bring back)."""
    shaped = [(obj, object_shape(meta, obj), bare(obj.geometry)) for obj in objects]
    pieces = [(obj, shape, [geometry]) for obj, shape, geometry in shaped]
    for step in drawn:
        if step.move is None:
            continue
        width, height = step.size
        pieces = [(obj, shape, [moved for g in geometries
                                for moved in imaging.move_geometry(shape, g, step.move,
                                                                   width, height)])
                  for obj, shape, geometries in pieces]
    out = Renumbered(objects)
    for obj, shape, geometries in pieces:
        out.add(obj, geometries, shape if ANY_SHAPE_KEY in obj.geometry else None)
    return tuple(out.objects)


def _name(item: ItemState, copy: int, jpeg: bool, taken: set[tuple[int, str]]) -> str:
    path = PurePosixPath(item.name)
    suffix = path.suffix if path.suffix.lower() in _SUFFIXES[jpeg] else (
        ".jpg" if jpeg else ".png")
    stem = path.stem if path.suffix else item.name
    name, extra = f"{stem}__aug{copy}{suffix}", 1
    while (item.dataset_id, name) in taken:
        extra += 1
        name = f"{stem}__aug{copy}-{extra}{suffix}"
    return name

