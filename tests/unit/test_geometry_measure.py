"""Specifications of geometry measures: boxes, areas, centroids and IoU of every shape."""

from __future__ import annotations

import base64
import math
import random
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import GeometryError
from domain.geometry import area, bbox, centroid, iou, normalize_geometry
from domain.geometry.png import decode_mask, encode_mask

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2))
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


# --- a small PNG writer, so tests need neither Pillow nor fixture files ------------------

def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filtered(line: bytes, prior: bytes, kind: int, bpp: int) -> bytes:
    out = bytearray([kind])
    for i, value in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
        out.append((value - pred) % 256)
    return bytes(out)


def _pack(samples: list[int], depth: int) -> bytes:
    if depth >= 8:
        return b"".join(s.to_bytes(depth // 8, "big") for s in samples)
    bits = "".join(format(s, f"0{depth}b") for s in samples)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def make_png(pixels: list[list[tuple[int, ...]]], depth: int, color: int,
             interlaced: bool = False, filters: tuple[int, ...] = (0, 1, 2, 3, 4)) -> str:
    """``bitmap.data`` for ``pixels`` (rows of per-channel samples), cycling row filters."""
    height, width = len(pixels), len(pixels[0])
    bpp = max(1, depth * CHANNELS[color] // 8)
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    raw = b""
    row_number = 0
    for x0, y0, dx, dy in passes:
        sub = [row[x0::dx] for row in pixels[y0::dy]]
        if not sub or not sub[0]:
            continue
        prior = bytes(len(_pack([s for px in sub[0] for s in px], depth)))
        for row in sub:
            line = _pack([s for px in row for s in px], depth)
            raw += _filtered(line, prior, filters[row_number % len(filters)], bpp)
            prior = line
            row_number += 1

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, int(interlaced))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
           + chunk(b"IEND", b""))
    return base64.b64encode(zlib.compress(png)).decode()


def bitmap(rows: list[str], origin: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """A bitmap geometry drawn as text: ``#`` is on, anything else off."""
    data = encode_mask([[int(ch == "#") for ch in row] for row in rows])
    return {"bitmap": {"origin": list(origin), "data": data}}


def pts(exterior: Any, interior: Any = None) -> dict[str, Any]:
    return {"points": {"exterior": exterior, "interior": interior or []}}


def rect(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    return pts([[x1, y1], [x2, y2]])


def polygon(*points: tuple[float, float], holes: Any = None) -> dict[str, Any]:
    return pts([list(p) for p in points], holes)


def decoded(data: str) -> list[list[bool]]:
    mask = decode_mask(data)
    return [[bool(row >> (mask.width - 1 - x) & 1) for x in range(mask.width)]
            for row in mask.rows]


# --- PNG decoding -------------------------------------------------------------------------

ON_SAMPLE: dict[int, Callable[[int], tuple[int, ...]]] = {
    0: lambda r: (r,),
    2: lambda r: (0, r, 0),
    3: lambda r: (r,),
    4: lambda r: (200, r),
    6: lambda r: (9, 9, 9, r),
}
"""Samples of one pixel per color type whose on-ness is decided by ``r`` being non-zero."""


@pytest.mark.parametrize("interlaced", [False, True])
@pytest.mark.parametrize(("depth", "color"), [(1, 0), (2, 0), (4, 3), (8, 0), (8, 2), (8, 3),
                                              (8, 4), (8, 6), (16, 0), (16, 6)])
def test_mask_pixels_are_on_where_gray_index_color_or_alpha_is_nonzero(
    depth: int, color: int, interlaced: bool
) -> None:
    rng = random.Random(depth * 10 + color)
    top = (1 << depth) - 1
    width, height = 19, 11
    truth = [[rng.random() < 0.4 for _ in range(width)] for _ in range(height)]
    pixels = [[ON_SAMPLE[color](rng.randint(1, top) if on else 0) for on in row]
              for row in truth]
    for filters in ((0,), (1,), (2,), (3,), (4,), (0, 1, 2, 3, 4)):
        data = make_png(pixels, depth, color, interlaced, filters)
        assert decoded(data) == truth, filters


def test_filters_that_wrap_past_255_decode_exactly() -> None:
    pixels: list[list[tuple[int, ...]]] = [[(v,) for v in (250, 3, 255, 0, 7)],
                                           [(v,) for v in (0, 255, 1, 254, 128)]]
    truth = [[v[0] != 0 for v in row] for row in pixels]
    for kind in range(5):
        assert decoded(make_png(pixels, 8, 0, filters=(kind,))) == truth


def test_measuring_a_bitmap_with_truncated_pixel_data_names_the_data_field() -> None:
    png = zlib.decompress(base64.b64decode(make_png([[(1,), (0,)]] * 4, 8, 0)))
    start = png.index(b"IDAT") + 4
    length = struct.unpack(">I", png[start - 8:start - 4])[0]
    body = zlib.compress(zlib.decompress(png[start:start + length])[:-3])
    broken = (png[:start - 8] + struct.pack(">I", len(body)) + b"IDAT" + body
              + struct.pack(">I", zlib.crc32(b"IDAT" + body)) + png[start + length + 4:])
    geometry = {"bitmap": {"origin": [0, 0], "data": base64.b64encode(zlib.compress(broken))
                           .decode()}}
    assert normalize_geometry("bitmap", geometry) == geometry  # validation reads the header only
    with pytest.raises(GeometryError) as caught:
        area("bitmap", geometry)
    assert caught.value.field == "bitmap.data" and "truncated" in caught.value.message


# --- bbox ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("shape", "geometry", "box"),
    [
        ("point", pts([[5, 6]]), (5, 6, 5, 6)),
        ("rectangle", rect(1, 2, 3, 4), (1, 2, 3, 4)),
        ("polygon", polygon((0, 5), (4, -1), (2, 9)), (0, -1, 4, 9)),
        ("line", pts([[3, 3], [1, 7], [2, 0]]), (1, 0, 3, 7)),
        ("bitmap", bitmap(["..#", "#.."], (10, 20)), (10, 20, 13, 22)),
        ("alpha_mask", bitmap(["."], (1, 1)), (1, 1, 2, 2)),
        ("graph", {"nodes": {"a": {"loc": [1, 8]}, "b": {"loc": [4, 2]}}}, (1, 2, 4, 8)),
        ("cuboid_2d", {"vertices": {"a": {"loc": [1, 8]}, "b": {"loc": [4, 2]}}}, (1, 2, 4, 8)),
        ("cuboid", {"points": [[0, 0], [2, 0], [2, 2], [0, 2], [1, -1], [3, -1], [1, 1]],
                    "faces": [[0, 1, 2, 3], [0, 4, 5, 1], [4, 0, 3, 6]]}, (0, -1, 3, 2)),
        ("oriented_bbox", {**rect(0, 0, 4, 2), "angle": math.pi / 2}, (1, -1, 3, 3)),
    ],
)
def test_bbox_encloses_every_shape(shape: str, geometry: dict[str, Any],
                                   box: tuple[float, ...]) -> None:
    assert bbox(shape, normalize_geometry(shape, geometry)) == pytest.approx(box)


# --- area and centroid --------------------------------------------------------------------

def test_polygon_area_is_the_shoelace_area_minus_its_holes() -> None:
    square = polygon((0, 0), (10, 0), (10, 10), (0, 10),
                     holes=[[[2, 2], [4, 2], [4, 4], [2, 4]], [[6, 6], [6, 7], [7, 6]]])
    assert area("polygon", square) == 100 - 4 - 0.5


def test_polygon_area_does_not_depend_on_winding() -> None:
    assert area("polygon", polygon((0, 0), (0, 3), (3, 0))) == 4.5


def test_box_areas_ignore_rotation_and_shapes_without_area_measure_zero() -> None:
    assert area("rectangle", rect(1, 1, 4, 3)) == 6
    assert area("oriented_bbox", {**rect(1, 1, 4, 3), "angle": 0.3}) == 6
    assert area("line", pts([[0, 0], [5, 5]])) == 0.0
    assert area("point", pts([[1, 1]])) == 0.0


def test_bitmap_area_counts_the_set_pixels() -> None:
    assert area("bitmap", bitmap(["#.#", "###", "..."])) == 5


def test_centroids_of_areas_are_their_centres_of_mass() -> None:
    assert centroid("polygon", polygon((0, 0), (3, 0), (0, 3))) == pytest.approx((1, 1))
    assert centroid("rectangle", rect(0, 0, 4, 2)) == (2, 1)
    holed = polygon((0, 0), (4, 0), (4, 2), (0, 2), holes=[[[2, 0], [4, 0], [4, 2], [2, 2]]])
    assert centroid("polygon", holed) == pytest.approx((1, 1))


def test_bitmap_centroid_is_the_mean_of_its_pixel_centres() -> None:
    assert centroid("bitmap", bitmap(["#..", "...", "..#"], (10, 0))) == (11.5, 1.5)
    wide = bitmap(["." * 70 + "#"], (0, 0))
    assert centroid("bitmap", wide) == (70.5, 0.5)


def test_line_centroid_is_weighted_by_length_and_points_are_averaged() -> None:
    assert centroid("line", pts([[0, 0], [10, 0], [10, 1]])) == pytest.approx((60 / 11, 1 / 22))
    assert centroid("point", pts([[3, 4]])) == (3, 4)
    nodes = {"nodes": {"a": {"loc": [0, 0]}, "b": {"loc": [2, 4]}}}
    assert centroid("graph", nodes) == (1, 2)


def test_degenerate_polygon_centroid_falls_back_to_the_vertex_mean() -> None:
    assert centroid("polygon", polygon((0, 0), (1, 1), (2, 2))) == (1, 1)


# --- IoU ----------------------------------------------------------------------------------

def test_identical_geometries_overlap_fully_and_disjoint_ones_not_at_all() -> None:
    assert iou("rectangle", rect(0, 0, 2, 2), "rectangle", rect(0, 0, 2, 2)) == 1.0
    assert iou("rectangle", rect(0, 0, 2, 2), "rectangle", rect(5, 5, 7, 7)) == 0.0
    tri = polygon((0, 0), (4, 0), (0, 4))
    assert iou("polygon", tri, "polygon", polygon((5, 5), (9, 5), (5, 9))) == 0.0


def test_half_overlapping_rectangles_have_iou_one_third() -> None:
    assert iou("rectangle", rect(0, 0, 2, 1), "rectangle", rect(1, 0, 3, 1)) == pytest.approx(1 / 3)
    as_polygon = polygon((1, 0), (3, 0), (3, 1), (1, 1))
    assert iou("rectangle", rect(0, 0, 2, 1), "polygon", as_polygon) == pytest.approx(1 / 3)


def test_polygon_iou_is_exact_even_where_edges_cross() -> None:
    square = polygon((-1, -1), (1, -1), (1, 1), (-1, 1))
    diamond = polygon((1.5, 0), (0, 1.5), (-1.5, 0), (0, -1.5))
    assert iou("polygon", square, "polygon", diamond) == pytest.approx(3.5 / 5, abs=1e-12)
    triangle = polygon((0, 0), (2, 0), (0, 2))
    assert iou("polygon", triangle, "rectangle", rect(0, 0, 2, 2)) == pytest.approx(0.5)


def test_the_same_polygon_listed_the_other_way_round_overlaps_fully() -> None:
    a = polygon((0, 0), (5, 1), (4, 6), (1, 4))
    b = polygon((1, 4), (4, 6), (5, 1), (0, 0))
    assert iou("polygon", a, "polygon", b) == pytest.approx(1.0)


def test_self_intersecting_polygons_follow_the_even_odd_rule() -> None:
    bowtie = polygon((0, 0), (2, 2), (2, 0), (0, 2))
    left_wing = polygon((0, 0), (1, 1), (0, 2))
    assert iou("polygon", bowtie, "polygon", left_wing) == pytest.approx(0.5, abs=1e-12)


def test_holes_do_not_count_as_overlap() -> None:
    ring = polygon((0, 0), (4, 0), (4, 4), (0, 4), holes=[[[1, 1], [3, 1], [3, 3], [1, 3]]])
    assert iou("polygon", ring, "rectangle", rect(1, 1, 3, 3)) == 0.0
    assert iou("polygon", ring, "rectangle", rect(0, 0, 4, 4)) == pytest.approx(12 / 16)


def test_oriented_bbox_turned_a_quarter_matches_the_upright_rectangle() -> None:
    turned = {**rect(0, 0, 4, 2), "angle": math.pi / 2}
    assert iou("oriented_bbox", turned, "rectangle", rect(1, -1, 3, 3)) == pytest.approx(1.0)
    diamond = polygon((0, -math.sqrt(2)), (math.sqrt(2), 0), (0, math.sqrt(2)),
                      (-math.sqrt(2), 0))
    square = {**rect(-1, -1, 1, 1), "angle": math.pi / 4}
    assert iou("oriented_bbox", square, "polygon", diamond) == pytest.approx(1.0)


def test_bitmap_iou_is_exact_over_pixel_sets_at_their_origins() -> None:
    a = bitmap(["##", "##"], (0, 0))
    assert iou("bitmap", a, "bitmap", bitmap(["##", "##"], (0, 0))) == 1.0
    assert iou("bitmap", a, "bitmap", bitmap(["###", "..."], (0, 0))) == pytest.approx(2 / 5)
    assert iou("bitmap", a, "alpha_mask", bitmap(["##", "##"], (1, 1))) == pytest.approx(1 / 7)
    assert iou("bitmap", a, "bitmap", bitmap(["##"], (5, 5))) == 0.0


def test_bitmap_against_vector_areas_rasterizes_by_pixel_centres() -> None:
    mask = bitmap(["###", "###"], (2, 3))
    assert iou("bitmap", mask, "rectangle", rect(2, 3, 5, 5)) == 1.0
    assert iou("rectangle", rect(2, 3, 5, 4), "bitmap", mask) == pytest.approx(0.5)
    triangle = polygon((0, 0), (4, 0), (0, 4))
    stairs = bitmap(["####", "###.", "##..", "#..."])
    assert iou("polygon", triangle, "bitmap", stairs) == pytest.approx(6 / 10)


def test_points_overlap_by_a_one_pixel_footprint() -> None:
    p = pts([[0, 0]])
    assert iou("point", p, "point", pts([[0, 0]])) == 1.0
    assert iou("point", p, "point", pts([[0.5, 0]])) == pytest.approx(1 / 3)
    assert iou("point", p, "point", pts([[3, 3]])) == 0.0


def test_lines_graphs_and_cuboids_fall_back_to_bounding_box_iou() -> None:
    line = pts([[0, 0], [2, 0]])
    assert iou("line", line, "line", pts([[1, 0], [3, 0]])) == pytest.approx(1 / 3)
    assert iou("line", line, "rectangle", rect(0, -0.5, 2, 0.5)) == pytest.approx(1.0)
    graph = {"nodes": {"a": {"loc": [0, 0]}, "b": {"loc": [4, 4]}}}
    moved = {"nodes": {"a": {"loc": [0, 0]}, "b": {"loc": [4, 2]}}}
    assert iou("graph", graph, "graph", graph) == 1.0
    assert iou("graph", graph, "graph", moved) == pytest.approx(0.5)


box = st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.integers(1, 15), st.integers(1, 15))


@given(box, box)
def test_polygon_sweep_agrees_with_the_closed_form_for_rectangles(
    a: tuple[int, int, int, int], b: tuple[int, int, int, int]
) -> None:
    ra, rb = rect(a[0], a[1], a[0] + a[2], a[1] + a[3]), rect(b[0], b[1], b[0] + b[2], b[1] + b[3])
    (x1, y1), (x2, y2) = rb["points"]["exterior"]
    as_polygon = polygon((x1, y1), (x2, y1), (x2, y2), (x1, y2))
    exact = iou("rectangle", ra, "rectangle", rb)
    assert iou("rectangle", ra, "polygon", as_polygon) == pytest.approx(exact, abs=1e-12)


ring = st.lists(st.tuples(st.integers(-10, 10), st.integers(-10, 10)), min_size=3, max_size=8)


@given(ring, ring)
def test_iou_is_symmetric_and_between_zero_and_one(a: list[Any], b: list[Any]) -> None:
    pa, pb = polygon(*a), polygon(*b)
    forward, backward = iou("polygon", pa, "polygon", pb), iou("polygon", pb, "polygon", pa)
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(backward, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 20), min_size=6, max_size=6),
       st.lists(st.floats(0, 20), min_size=6, max_size=6))
def test_triangle_iou_matches_a_fine_raster_estimate(a: list[float], b: list[float]) -> None:
    ta = polygon((a[0], a[1]), (a[2], a[3]), (a[4], a[5]))
    tb = polygon((b[0], b[1]), (b[2], b[3]), (b[4], b[5]))
    n = 100
    inside_a = inside_b = both = 0
    for i in range(n):
        for j in range(n):
            x, y = (i + 0.5) * 20 / n, (j + 0.5) * 20 / n
            ia, ib = _in_triangle(a, x, y), _in_triangle(b, x, y)
            inside_a, inside_b, both = inside_a + ia, inside_b + ib, both + (ia and ib)
    if inside_a + inside_b - both < 1000:  # too thin for the raster to judge
        return
    estimate = both / (inside_a + inside_b - both)
    assert iou("polygon", ta, "polygon", tb) == pytest.approx(estimate, abs=0.05)


def _in_triangle(t: list[float], x: float, y: float) -> bool:
    """Whether ``(x, y)`` lies in the triangle ``t``; a triangle of no area has no inside.

    Every side of a triangle whose corners coincide measures 0 at every point, so testing
    the sides' signs alone would put the whole plane inside it.
    """
    corners = [(t[0], t[1]), (t[2], t[3]), (t[4], t[5])]
    turn = (t[2] - t[0]) * (t[5] - t[1]) - (t[3] - t[1]) * (t[4] - t[0])
    if turn == 0:
        return False
    sides = [(bx - ax) * (y - ay) - (by - ay) * (x - ax)
             for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True)]
    return all(v * turn >= 0 for v in sides)


def test_an_all_but_horizontal_edge_keeps_the_area_finite() -> None:
    """A subnormal ``dy`` once gave the edge an infinite slope, an infinite area and IoU 0."""
    tiny = 2.2250738585e-313
    ta, tb = polygon((0, 0), (0, 2), (13, tiny)), polygon((0, 0), (0, 6), (11, 2))
    flat = polygon((0, 0), (0, 2), (13, 0))
    assert iou("polygon", ta, "polygon", tb) == pytest.approx(iou("polygon", flat, "polygon", tb))
    assert iou("polygon", ta, "polygon", tb) == pytest.approx(143 / 961)  # (143/24) / (961/24)
    assert iou("polygon", ta, "bitmap", bitmap(["#"])) == pytest.approx(1 / 13)


def test_a_triangle_shrunk_to_a_point_overlaps_nothing() -> None:
    """The raster helper once counted every pixel inside such a triangle (0.0525 vs 0.0)."""
    a, b = [0.0] * 6, [0.0, 0.0, 0.0, 3.0, 14.0, 0.0]
    ta = polygon((a[0], a[1]), (a[2], a[3]), (a[4], a[5]))
    tb = polygon((b[0], b[1]), (b[2], b[3]), (b[4], b[5]))
    assert iou("polygon", ta, "polygon", tb) == 0.0
    assert iou("polygon", tb, "polygon", ta) == 0.0
    assert not any(_in_triangle(a, x / 4, y / 4) for x in range(-4, 5) for y in range(-4, 5))
    assert _in_triangle(b, 1, 1) and _in_triangle([0, 0, 14, 0, 0, 3], 1, 1)  # either winding
    assert not _in_triangle(b, 10, 2)
