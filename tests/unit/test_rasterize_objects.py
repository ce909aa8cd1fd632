"""Rasterizing objects into non-overlapping bitmaps, later objects on top."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from application.operations.rasterize import parse_rasterize, rasterize
from domain.errors import ValidationError
from domain.item import check_annotation
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass
from infrastructure.imaging import bitmaps
from tests.fake_media import FakeMedia, run_input

LINK = MediaLink("https://example.com/a.png", "0" * 64, 10, 100, 80)
CLASSES = {1: ObjectClass(1, "car", "rectangle"), 2: ObjectClass(2, "person", "polygon"),
           3: ObjectClass(3, "lane", "line")}


def _box(x1: int, y1: int, x2: int, y2: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x1, y1], [x2, y2]], "interior": []}}


def _state(*objects: AnnotationObject) -> ProjectState:
    meta = MetaState("p", dict(CLASSES), {}, {1: Dataset(1, "ds")})
    return ProjectState(meta, {(1, "a.png"): ItemState(1, "a.png", LINK, objects=objects)})


def _pixels(geometry: dict[str, Any]) -> np.ndarray[Any, Any]:
    (x, y), values = bitmaps.decode("bitmap", geometry)
    out = np.zeros((80, 100), dtype=bool)
    out[y:y + values.shape[0], x:x + values.shape[1]] = values > 0
    return out


def _run(state: ProjectState, **params: Any) -> ProjectState:
    return rasterize(run_input(state, FakeMedia()), params)


def test_later_objects_cover_earlier_ones_and_nothing_overlaps() -> None:
    lane = AnnotationObject(4, 3, {"points": {"exterior": [[0, 0], [99, 79]], "interior": []}})
    state = _state(
        AnnotationObject(1, 1, _box(10, 10, 60, 50)),
        AnnotationObject(2, 2, {"points": {"exterior": [[40, 30], [90, 30], [90, 70], [40, 70]],
                                           "interior": []}}),
        lane,
        AnnotationObject(3, 1, _box(0, 0, 20, 20)),
    )
    out = _run(state)
    item = next(iter(out.items.values()))
    check_annotation(out.meta, item)
    assert [o.id for o in item.objects] == [1, 2, 4, 3]
    assert item.objects[2] == lane  # no area: left as it was
    car, person, _, top = (_pixels(o.geometry) if "bitmap" in o.geometry else None
                           for o in item.objects)
    assert car is not None and person is not None and top is not None
    assert top.sum() == 400 and person.sum() == 50 * 40
    assert car.sum() == 50 * 40 - 20 * 20 - 10 * 10  # less the person and the top box
    assert not (car & person).any() and not (car & top).any() and not (person & top).any()
    assert {c.title: c.shape for c in out.meta.classes.values()} == {
        "car": "bitmap", "person": "bitmap", "lane": "line"}


def test_an_object_covered_entirely_is_dropped_and_only_chosen_classes_change() -> None:
    state = _state(AnnotationObject(1, 1, _box(20, 20, 30, 30)),
                   AnnotationObject(2, 1, _box(10, 10, 50, 50)),
                   AnnotationObject(3, 2, {"points": {"exterior": [[0, 0], [40, 0], [0, 40]],
                                                      "interior": []}}))
    out = _run(state, classes=["car"])
    objects = next(iter(out.items.values())).objects
    assert [o.id for o in objects] == [2, 3]
    assert objects[1] == state.items[(1, "a.png")].objects[2]  # person untouched, on top or not
    assert out.meta.classes[2].shape == "polygon"


@pytest.mark.parametrize(("classes", "says"), [
    (["lane"], "class 'lane' is a line: only area shapes"),
    (["truck"], "unknown class 'truck'"),
])
def test_classes_that_cannot_be_rasterized_are_refused(classes: list[str], says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _run(_state(), classes=classes)
    assert caught.value.field == "classes"
    assert caught.value.message.startswith(says)


def test_parameters_are_checked() -> None:
    assert parse_rasterize({}) == {"classes": None}
    assert parse_rasterize({"classes": "car, person"}) == {"classes": ["car", "person"]}
    with pytest.raises(ValidationError) as caught:
        parse_rasterize({"classes": ["car", "car"]})
    assert caught.value.field == "classes"
