"""Converting a class's objects between rectangle, polygon and bitmap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.operations.convert import convert, parse_convert
from domain.errors import ValidationError
from domain.geometry.measure import area
from domain.item import check_annotation
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass
from infrastructure.imaging import bitmaps
from tests.fake_media import FakeMedia, run_input

LINK = MediaLink("https://example.com/a.png", "0" * 64, 10, 120, 90)


def _state(shape: str, *geometries: dict[str, Any], other: bool = True) -> ProjectState:
    classes = {1: ObjectClass(1, "car", shape), 2: ObjectClass(2, "road", "line")}
    objects = [AnnotationObject(10 + i, 1, g) for i, g in enumerate(geometries)]
    if other:
        objects.append(AnnotationObject(99, 2, {"points": {"exterior": [[1, 1], [50, 60]],
                                                           "interior": []}}))
    meta = MetaState("p", classes, {}, {1: Dataset(1, "ds")})
    item = ItemState(1, "a.png", LINK, objects=tuple(objects))
    return ProjectState(meta, {(1, "a.png"): item})


def _run(state: ProjectState, title: str, shape: str) -> ProjectState:
    return convert(run_input(state, FakeMedia()), {"class": title, "shape": shape})


def _box(x1: int, y1: int, x2: int, y2: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x1, y1], [x2, y2]], "interior": []}}


@given(st.integers(0, 100), st.integers(0, 80), st.integers(1, 20), st.integers(1, 10))
def test_rectangle_to_polygon_to_rectangle_is_the_identity(x: int, y: int, w: int,
                                                           h: int) -> None:
    box = _box(x, y, x + w, y + h)
    as_polygon = _run(_state("rectangle", box), "car", "polygon")
    assert as_polygon.meta.classes[1].shape == "polygon"
    (polygon, road) = next(iter(as_polygon.items.values())).objects
    assert area("polygon", polygon.geometry) == w * h
    back = _run(as_polygon, "car", "rectangle")
    assert next(iter(back.items.values())) == next(iter(_state("rectangle", box).items.values()))
    assert road.class_id == 2  # objects of other classes are left alone


def test_a_polygon_with_a_hole_becomes_its_pixels_and_traces_back_with_the_hole() -> None:
    polygon = {"points": {"exterior": [[10, 10], [70, 10], [70, 60], [10, 60]],
                          "interior": [[[30, 30], [50, 30], [50, 40], [30, 40]]]}}
    as_bitmap = _run(_state("polygon", polygon), "car", "bitmap")
    item = next(iter(as_bitmap.items.values()))
    check_annotation(as_bitmap.meta, item)
    origin, mask = bitmaps.decode("bitmap", item.objects[0].geometry)
    assert origin == (10, 10) and mask.shape == (50, 60)
    assert int(mask.sum()) == 60 * 50 - 20 * 10
    traced = _run(as_bitmap, "car", "polygon")
    (obj, _road) = next(iter(traced.items.values())).objects
    assert len(obj.geometry["points"]["interior"]) == 1
    again = _run(traced, "car", "bitmap")
    assert next(iter(again.items.values())).objects[0].geometry == item.objects[0].geometry


def test_a_mask_of_two_parts_becomes_two_polygons_with_fresh_ids() -> None:
    mask = np.zeros((20, 40), dtype=np.uint8)
    mask[2:8, 2:8] = 1
    mask[10:18, 20:39] = 1
    state = _state("bitmap", bitmaps.encode("bitmap", (5, 5), mask), other=False)
    objects = next(iter(_run(state, "car", "polygon").items.values())).objects
    assert [o.id for o in objects] == [10, 11]
    assert sorted(area("polygon", o.geometry) for o in objects) == pytest.approx(
        [5.5 * 5.5, 18.5 * 7.5])  # traced a quarter pixel inside the pixels' edges
    as_boxes = _run(state, "car", "rectangle")
    assert next(iter(as_boxes.items.values())).objects[0].geometry == _box(7, 7, 44, 23)


def test_an_oriented_box_becomes_its_turned_corners() -> None:
    box = {"points": {"exterior": [[20, 20], [60, 40]], "interior": []}, "angle": 0.5}
    polygon = next(iter(_run(_state("oriented_bbox", box), "car", "polygon").items.values()))
    assert area("polygon", polygon.objects[0].geometry) == pytest.approx(800)


@pytest.mark.parametrize(("params", "field", "says"), [
    ({"class": "bike", "shape": "polygon"}, "class", "unknown class 'bike' (classes: car, road)"),
    ({"class": "road", "shape": "polygon"}, "class", "class 'road' is a line: only area"),
    ({"class": "car", "shape": "rectangle"}, "shape", "class 'car' is already a rectangle"),
])
def test_what_cannot_convert_is_refused_naming_it(params: dict[str, str], field: str,
                                                  says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        convert(run_input(_state("rectangle", _box(1, 1, 5, 5)), FakeMedia()), params)
    assert caught.value.field == field
    assert caught.value.message.startswith(says)


def test_parameters_are_checked() -> None:
    assert parse_convert({"class": " car ", "shape": "bitmap"}) == {"class": "car",
                                                                    "shape": "bitmap"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"class": "car", "shape": "cuboid"}, "shape"),
        ({"shape": "polygon"}, "class"),
        ({"class": "car", "shape": "polygon", "to": 1}, "to")]
    for params, field in cases:
        with pytest.raises(ValidationError) as caught:
            parse_convert(params)
        assert caught.value.field == field


def test_objects_of_an_any_class_convert_and_the_class_takes_the_shape() -> None:
    state = _state("any", {**_box(5, 5, 25, 15), "geometryType": "rectangle"},
                   {"points": {"exterior": [[30, 30], [60, 30], [45, 50]], "interior": []},
                    "geometryType": "polygon"})
    out = _run(state, "car", "bitmap")
    item = next(iter(out.items.values()))
    check_annotation(out.meta, item)
    assert out.meta.classes[1].shape == "bitmap"
    assert all(set(o.geometry) == {"bitmap"} for o in item.objects if o.class_id == 1)
    with_point = _state("any", {"points": {"exterior": [[3, 3]], "interior": []},
                                "geometryType": "point"})
    with pytest.raises(ValidationError, match="object 10: a point cannot become a polygon"):
        _run(with_point, "car", "polygon")


def test_an_alpha_mask_traces_to_polygons_of_its_non_zero_pixels() -> None:
    values = np.zeros((10, 10), dtype=np.uint8)
    values[2:6, 3:9] = 40
    values[4, 4] = 255
    state = _state("alpha_mask", bitmaps.encode("alpha_mask", (0, 0), values), other=False)
    (obj,) = next(iter(_run(state, "car", "polygon").items.values())).objects
    assert area("polygon", obj.geometry) == pytest.approx(5.5 * 3.5)
