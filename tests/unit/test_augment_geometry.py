"""Geometry moves with the pixels: flips, turns, scales and crops of every shape."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.geometry.measure import area
from domain.operations.affine import IDENTITY, flip_lr, flip_ud, rotation, scaling, translation
from domain.operations.moves import move_vector
from infrastructure.imaging import bitmaps
from infrastructure.imaging.geometries import area_mask, move_geometry
from infrastructure.imaging.raster import Placed

W, H = 200, 150
ints_x = st.integers(0, W)
ints_y = st.integers(0, H)


def _box(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    return {"points": {"exterior": [[x1, y1], [x2, y2]], "interior": []}}


def _poly(exterior: list[list[Any]], *holes: list[list[Any]]) -> dict[str, Any]:
    return {"points": {"exterior": exterior, "interior": list(holes)}}


@st.composite
def star_polygons(draw: st.DrawFn, radius: tuple[float, float] = (20, 45),
                  scale: int = 1, fewest: int = 3) -> list[list[float]]:
    """Simple polygons around a centre well inside a ``scale`` times larger image: one
    vertex per sector of the circle, so the outline never crosses itself."""
    n = draw(st.integers(fewest, 12))
    cx, cy = draw(st.floats(70, 130)) * scale, draw(st.floats(55, 95)) * scale
    jitter = draw(st.lists(st.floats(0, 0.9), min_size=n, max_size=n))
    radii = draw(st.lists(st.floats(*radius), min_size=n, max_size=n))
    angles = [2 * math.pi * (i + j) / n for i, j in enumerate(jitter)]
    return [[cx + r * math.cos(a), cy + r * math.sin(a)] for a, r in zip(angles, radii,
                                                                           strict=True)]


def _canvas(placed: Placed | None, w: int = W, h: int = H) -> np.ndarray[Any, Any]:
    out = np.zeros((h, w), dtype=bool)
    if placed is not None:
        (x, y), mask = placed
        out[y:y + mask.shape[0], x:x + mask.shape[1]] = mask
    return out


def _iou(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


@given(st.lists(st.tuples(ints_x, ints_y), min_size=3, max_size=10, unique=True).filter(
    lambda ps: len({x for x, _ in ps}) > 1 and len({y for _, y in ps}) > 1))
def test_flipping_twice_gives_every_vector_shape_back(points: list[tuple[int, int]]) -> None:
    coords = [list(p) for p in points]
    geometries = {
        "point": _poly(coords[:1]),
        "line": _poly(coords),
        "rectangle": _box(min(x for x, _ in points), min(y for _, y in points),
                          max(x for x, _ in points), max(y for _, y in points)),
        "graph": {"nodes": {str(i): {"loc": c} for i, c in enumerate(coords)}},
        "cuboid": {"points": (coords * 7)[:7], "faces": [[0, 1, 2, 3]] * 3},
    }
    for flip in (flip_lr(W), flip_ud(H)):
        for shape, geometry in geometries.items():
            once = move_vector(shape, geometry, flip, W, H)
            twice = move_vector(shape, once[0], flip, W, H)
            assert twice == [geometry], shape


def test_flipping_a_polygon_with_a_hole_twice_gives_it_back() -> None:
    polygon = _poly([[10, 10], [120, 12], [110, 100], [15, 90]], [[40, 40], [60, 40], [50, 60]])
    once = move_vector("polygon", polygon, flip_lr(W), W, H)[0]
    assert once["points"]["exterior"][0] == [W - 10, 10]
    assert move_vector("polygon", once, flip_lr(W), W, H) == [polygon]


def test_flipping_a_bitmap_twice_gives_it_back_pixel_for_pixel() -> None:
    mask = np.zeros((30, 40), dtype=np.uint8)
    mask[3:20, 5:12] = 1
    mask[25, 39] = 1
    geometry = bitmaps.encode("bitmap", (17, 9), mask)
    once = move_geometry("bitmap", geometry, flip_lr(W), W, H)[0]
    assert once["bitmap"]["origin"] == [W - 17 - 40, 12]
    twice = move_geometry("bitmap", once, flip_lr(W), W, H)[0]
    assert bitmaps.decode("bitmap", twice)[0] == (17 + 5, 9 + 3)  # trimmed to its pixels
    assert (bitmaps.decode("bitmap", twice)[1] == mask[3:26, 5:]).all()


@given(star_polygons())
def test_a_full_turn_in_steps_is_the_identity_within_a_pixel(exterior: list[list[float]]) -> None:
    square = W  # a square image keeps every quarter turn inside it
    geometry = _poly(exterior)
    turned = geometry
    for _ in range(3):
        (turned,) = move_vector("polygon", turned, rotation(120, square, square), square, square)
    back = turned["points"]["exterior"]
    assert len(back) == len(exterior)
    for (x0, y0), (x1, y1) in zip(exterior, back, strict=True):
        assert abs(x0 - x1) <= 1 and abs(y0 - y1) <= 1
    assert move_vector("polygon", geometry, rotation(360, square, square), square,
                       square) == [geometry]


def test_quarter_turns_of_a_bitmap_come_back_exactly() -> None:
    mask = np.zeros((20, 30), dtype=np.uint8)
    mask[2:18, 4:9] = 1
    mask[0, 29] = mask[19, 0] = 1  # the mask spans its whole box, as stored masks do
    geometry = bitmaps.encode("bitmap", (60, 50), mask)
    turned = geometry
    for _ in range(4):
        (turned,) = move_geometry("bitmap", turned, rotation(90, 150, 150), 150, 150)
    assert turned == geometry


@settings(max_examples=60, deadline=None)
@given(star_polygons(radius=(80, 110), scale=2, fewest=5), st.floats(-180, 180),
       st.floats(0.8, 1.5), st.floats(0.8, 1.5))
def test_the_mask_of_a_moved_polygon_is_the_moved_mask(
    exterior: list[list[float]], degrees: float, sx: float, sy: float
) -> None:
    """Objects of a size worth labelling (here 160-220 px across, five sides or more):
    nearest-neighbour resampling only disagrees with the exact outline along the border
    (a sliver, all border, disagrees more: a thin triangle stretched 1.5x gave 0.979)."""
    w, h = 2 * W, 2 * H
    polygon = _poly(exterior)
    where = rotation(degrees, w, h).then(translation(-w / 2, -h / 2)).then(
        scaling(sx, sy)).then(translation(w / 2, h / 2))
    mask = area_mask("polygon", polygon, w, h)
    assert mask is not None
    moved_mask = move_geometry("bitmap", bitmaps.encode("bitmap", mask[0], mask[1].astype(
        np.uint8)), where, w, h)
    moved_polygon = move_vector("polygon", polygon, where, w, h)
    assert moved_mask and moved_polygon
    of_moved = _canvas(area_mask("polygon", moved_polygon[0], w, h), w, h)
    (x, y), values = bitmaps.decode("bitmap", moved_mask[0])
    moved = _canvas(((x, y), values > 0), w, h)
    assert _iou(of_moved, moved) >= 0.98


def test_a_crop_clips_what_crosses_it_and_drops_what_is_outside() -> None:
    crop = translation(-50, -40)  # crop:50,40,100,80
    w, h = 100, 80
    assert move_vector("rectangle", _box(30, 20, 80, 60), crop, w, h) == [_box(0, 0, 30, 20)]
    assert move_vector("rectangle", _box(0, 0, 40, 30), crop, w, h) == []
    assert move_vector("point", _poly([[49, 50]]), crop, w, h) == []
    assert move_vector("point", _poly([[150, 120]]), crop, w, h) == [_poly([[100, 80]])]
    assert move_vector("point", _poly([[60, 50]]), crop, w, h) == [_poly([[10, 10]])]
    # a polygon crossing the corner keeps exactly the part inside
    (clipped,) = move_vector("polygon", _poly([[0, 0], [100, 0], [100, 100], [0, 100]]), crop,
                             w, h)
    assert area("polygon", clipped) == 50 * 60
    # a hole outside the crop disappears, the polygon stays
    polygon = _poly([[40, 30], [140, 30], [140, 110], [40, 110]], [[0, 0], [45, 0], [45, 35]])
    (kept,) = move_vector("polygon", polygon, crop, w, h)
    assert kept["points"]["interior"] == []
    assert area("polygon", kept) == 90 * 70
    # a polygon entirely outside is dropped
    assert move_vector("polygon", _poly([[0, 0], [10, 0], [5, 10]]), crop, w, h) == []


def test_a_line_leaving_and_reentering_the_crop_becomes_two_pieces() -> None:
    line = _poly([[60, 50], [200, 50], [200, 60], [60, 60]])
    pieces = move_vector("line", line, translation(-50, -40), 100, 80)
    assert pieces == [_poly([[10, 10], [100, 10]]), _poly([[100, 20], [10, 20]])]


def test_keypoints_off_the_image_are_disabled_and_an_all_off_graph_is_dropped() -> None:
    graph = {"nodes": {"a": {"loc": [60, 50]}, "b": {"loc": [10, 10]}},
             "edges": [{"src": "a", "dst": "b"}]}
    (moved,) = move_vector("graph", graph, translation(-50, -40), 100, 80)
    assert moved["nodes"] == {"a": {"loc": [10, 10]}, "b": {"loc": [-40, -30], "disabled": True}}
    assert moved["edges"] == graph["edges"]
    assert move_vector("graph", graph, translation(-500, 0), 100, 80) == []


def test_a_turned_rectangle_becomes_the_box_of_its_turned_corners() -> None:
    (box,) = move_vector("rectangle", _box(90, 65, 110, 85), rotation(45, W, H), W, H)
    (x1, y1), (x2, y2) = box["points"]["exterior"]
    side = 20 * math.sqrt(2)
    assert math.isclose(x2 - x1, side) and math.isclose(y2 - y1, side)
    assert math.isclose((x1 + x2) / 2, 100) and math.isclose((y1 + y2) / 2, 75)


def test_an_oriented_box_turns_with_the_image_and_mirrors_under_a_flip() -> None:
    box = {"points": {"exterior": [[90, 70], [110, 80]], "interior": []}, "angle": 0.3}
    (turned,) = move_vector("oriented_bbox", box, rotation(90, W, H), W, H)
    assert math.isclose(turned["angle"], 0.3 - math.pi / 2)
    (flipped,) = move_vector("oriented_bbox", box, flip_lr(W), W, H)
    assert flipped["angle"] == -0.3
    assert flipped["points"]["exterior"] == [[90, 70], [110, 80]]
    assert move_vector("oriented_bbox", box, translation(-200, 0), W, H) == []


def test_a_bitmap_moved_off_the_image_is_dropped() -> None:
    geometry = bitmaps.encode("bitmap", (5, 5), np.ones((4, 4), dtype=np.uint8))
    assert move_geometry("bitmap", geometry, translation(-20, 0), W, H) == []
    assert move_geometry("bitmap", geometry, IDENTITY, W, H) == [geometry]


def test_an_alpha_mask_keeps_its_opacities_when_moved() -> None:
    values = np.array([[0, 10, 200], [255, 0, 7]], dtype=np.uint8)
    geometry = bitmaps.encode("alpha_mask", (3, 4), values)
    (moved,) = move_geometry("alpha_mask", geometry, flip_lr(W), W, H)
    origin, out = bitmaps.decode("alpha_mask", moved)
    assert origin == (W - 6, 4)
    assert (out == values[:, ::-1]).all()
