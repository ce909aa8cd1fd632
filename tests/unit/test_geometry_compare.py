"""Geometry-aware compare: objects matched by id, then IoU; moved, resized, reshaped,
reclassified and retagged told apart from added and removed."""

from __future__ import annotations

from typing import Any

import pytest

from domain.geometry.png import encode_mask
from domain.geometry_compare import compare_geometry, geometry_change
from domain.state import ItemState
from domain.values import AnnotationObject, MediaLink, Tag

MEDIA = MediaLink("file:///x.jpg", "0" * 64, 1, 100, 100)
SHAPES = {1: "rectangle", 2: "rectangle", 3: "polygon", 4: "bitmap"}


def shape(obj: AnnotationObject) -> str | None:
    return SHAPES.get(obj.class_id)


def rect(x: float, y: float, w: float, h: float) -> dict[str, Any]:
    return {"points": {"exterior": [[x, y], [x + w, y + h]], "interior": []}}


def poly(*points: tuple[float, float]) -> dict[str, Any]:
    return {"points": {"exterior": [list(p) for p in points], "interior": []}}


def item(*objects: AnnotationObject) -> ItemState:
    return ItemState(1, "a.jpg", MEDIA, (), objects)


def compare(before: list[AnnotationObject], after: list[AnnotationObject],
            threshold: float = 0.5) -> Any:
    return compare_geometry({"ds/a.jpg": item(*before)}, {"ds/a.jpg": item(*after)}, shape,
                            shape, threshold)


def test_an_object_shifted_as_a_whole_is_moved() -> None:
    result = compare([AnnotationObject(7, 1, rect(10, 10, 40, 20))],
                     [AnnotationObject(7, 1, rect(15, 12, 40, 20))])
    [m] = result.matches
    assert (m.by, m.changes) == ("id", ("moved",))
    assert 0 < m.iou < 1
    assert [x.before for x in result.of("moved")] == [7]


def test_an_object_scaled_on_its_axes_is_resized_and_a_new_vertex_reshapes() -> None:
    square = poly((0, 0), (10, 0), (10, 10), (0, 10))
    result = compare(
        [AnnotationObject(1, 1, rect(10, 10, 40, 20)), AnnotationObject(2, 3, square)],
        [AnnotationObject(1, 1, rect(10, 10, 60, 20)),
         AnnotationObject(2, 3, poly((0, 0), (10, 0), (12, 5), (10, 10), (0, 10)))])
    assert [m.changes for m in result.matches] == [("resized",), ("reshaped",)]
    assert result.counts()["resized"] == result.counts()["reshaped"] == 1


def test_a_class_change_is_reported_apart_from_geometry_and_tags() -> None:
    result = compare([AnnotationObject(1, 1, rect(0, 0, 10, 10)),
                      AnnotationObject(2, 1, rect(50, 50, 10, 10))],
                     [AnnotationObject(1, 2, rect(0, 0, 10, 10)),
                      AnnotationObject(2, 1, rect(50, 50, 10, 10), (Tag(9, "x"),))])
    assert [m.changes for m in result.matches] == [("reclassified",), ("retagged",)]
    assert result.unchanged == 0


def test_objects_with_new_ids_are_matched_by_iou_above_the_threshold() -> None:
    result = compare([AnnotationObject(1, 1, rect(0, 0, 10, 10))],
                     [AnnotationObject(99, 1, rect(1, 0, 10, 10))])
    [m] = result.matches
    assert (m.before, m.after, m.by, m.changes) == (1, 99, "iou", ("moved",))
    assert m.iou == pytest.approx(90 / 110)
    assert not result.added and not result.removed


def test_below_the_threshold_an_object_is_removed_and_another_added() -> None:
    before = [AnnotationObject(1, 1, rect(0, 0, 10, 10))]
    after = [AnnotationObject(2, 1, rect(5, 0, 10, 10))]
    assert compare(before, after, 0.5).counts()["added"] == 1
    loose = compare(before, after, 0.3)
    assert loose.counts()["matched_by_iou"] == 1 and not loose.removed


def test_iou_matching_takes_the_best_pairs_first() -> None:
    result = compare(
        [AnnotationObject(1, 1, rect(0, 0, 10, 10)), AnnotationObject(2, 1, rect(2, 0, 10, 10))],
        [AnnotationObject(3, 1, rect(2, 0, 10, 10)), AnnotationObject(4, 1, rect(0, 0, 10, 10))])
    assert sorted((m.before, m.after, m.changes) for m in result.matches) == [
        (1, 4, ()), (2, 3, ())]


def test_items_on_one_side_only_add_or_remove_all_their_objects() -> None:
    result = compare_geometry(
        {"ds/old.jpg": item(AnnotationObject(1, 1, rect(0, 0, 5, 5)))},
        {"ds/new.jpg": item(AnnotationObject(2, 1, rect(0, 0, 5, 5)))}, shape, shape)
    assert result.removed == [("ds/old.jpg", 1)] and result.added == [("ds/new.jpg", 2)]
    data = result.as_json()
    assert data["counts"]["added"] == data["counts"]["removed"] == 1


def test_a_mask_with_the_same_pixels_at_another_origin_is_moved() -> None:
    data = encode_mask([[1, 1, 0], [0, 1, 1]])
    other = encode_mask([[1, 1, 1], [0, 1, 1]])
    a = {"bitmap": {"origin": [3, 4], "data": data}}
    assert geometry_change(a, {"bitmap": {"origin": [5, 4], "data": data}}) == "moved"
    assert geometry_change(a, {"bitmap": {"origin": [3, 4], "data": other}}) == "reshaped"
    result = compare([AnnotationObject(1, 4, a)],
                     [AnnotationObject(1, 4, {"bitmap": {"origin": [4, 4], "data": data}})])
    assert result.matches[0].changes == ("moved",) and 0 < result.matches[0].iou < 1


def test_keypoints_moving_together_are_moved_and_a_toggled_flag_reshapes() -> None:
    a = {"nodes": {"n1": {"loc": [1, 1]}, "n2": {"loc": [5, 5]}}, "edges": []}
    b = {"nodes": {"n1": {"loc": [2, 3]}, "n2": {"loc": [6, 7]}}, "edges": []}
    c = {"nodes": {"n1": {"loc": [1, 1], "disabled": True}, "n2": {"loc": [5, 5]}},
         "edges": []}
    assert geometry_change(a, b) == "moved"
    assert geometry_change(a, c) == "reshaped"
