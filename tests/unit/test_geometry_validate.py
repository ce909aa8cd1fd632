"""Specifications of geometry validation: what each Supervisely shape accepts and refuses."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import GeometryError, ValidationError
from domain.geometry import (
    GEOMETRY_KEYS,
    GEOMETRY_SHAPES,
    detect_shape,
    normalize_geometry,
)
from domain.values import SHAPES

REAL_EXPORT = Path(__file__).resolve().parents[2] / "infrastructure" / "demo_data" / \
    "real_export_vector" / "ds" / "ann"


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 2, height: int = 2, depth: int = 1, color: int = 0, ihdr: bytes | None = None,
        signature: bytes = b"\x89PNG\r\n\x1a\n") -> bytes:
    header = ihdr or struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    stride = (width * depth + 7) // 8
    raw = (b"\x00" + b"\xff" * stride) * height
    return (signature + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def data_of(png_bytes: bytes) -> str:
    return base64.b64encode(zlib.compress(png_bytes)).decode()


def refusal(shape: str, geometry: Any) -> GeometryError:
    with pytest.raises(GeometryError) as caught:
        normalize_geometry(shape, geometry)
    return caught.value


def pts(exterior: Any, interior: Any = None) -> dict[str, Any]:
    return {"points": {"exterior": exterior, "interior": [] if interior is None else interior}}


BITMAP = {"bitmap": {"origin": [3, 4], "data": data_of(png())}}
GRAPH = {"nodes": {"a": {"loc": [1, 2]}, "b": {"loc": [3.5, 4], "disabled": True}},
         "edges": [{"src": "a", "dst": "b"}]}
CUBOID = {"points": [[0, 0], [2, 0], [2, 2], [0, 2], [1, -1], [3, -1], [1, 1]],
          "faces": [[0, 1, 2, 3], [0, 4, 5, 1], [4, 0, 3, 6]]}
VALID: dict[str, dict[str, Any]] = {
    "point": pts([[5, 6]]),
    "rectangle": pts([[1, 2], [3, 4]]),
    "polygon": pts([[0, 0], [10, 0], [0, 10]], [[[1, 1], [2, 1], [1, 2]]]),
    "line": pts([[0, 0], [5.5, 5]]),
    "bitmap": BITMAP,
    "alpha_mask": BITMAP,
    "graph": GRAPH,
    "cuboid": CUBOID,
    "cuboid_2d": {"vertices": {str(i): {"loc": [i, i + 1]} for i in range(8)}},
    "oriented_bbox": {**pts([[1, 2], [3, 4]]), "angle": 0.5},
}


# --- every shape's valid form -------------------------------------------------------------

@pytest.mark.parametrize("shape", sorted(VALID))
def test_each_valid_shape_is_returned_unchanged_as_a_copy(shape: str) -> None:
    geometry = VALID[shape]
    result = normalize_geometry(shape, geometry)
    assert result == geometry
    assert result is not geometry
    assert set(result) <= set(GEOMETRY_KEYS[shape])


@pytest.mark.parametrize("shape", sorted(VALID))
def test_normalizing_twice_gives_the_same_geometry(shape: str) -> None:
    once = normalize_geometry(shape, VALID[shape])
    assert normalize_geometry(shape, once) == once


def test_every_concrete_shape_has_keys_and_any_is_not_a_geometry_type() -> None:
    assert set(GEOMETRY_KEYS) == set(SHAPES) - {"any"} == set(GEOMETRY_SHAPES)


def test_object_level_keys_are_dropped_from_the_geometry() -> None:
    obj = {"classTitle": "cat", "id": 7, "tags": [], **pts([[1, 2], [3, 4]])}
    assert normalize_geometry("rectangle", obj) == pts([[1, 2], [3, 4]])


def test_rectangle_corners_are_reordered_left_top_then_right_bottom() -> None:
    result = normalize_geometry("rectangle", pts([[30, 4], [10, 40]]))
    assert result["points"]["exterior"] == [[10, 4], [30, 40]]


def test_ints_stay_ints_and_floats_stay_floats() -> None:
    result = normalize_geometry("line", pts([[1, 2.5], [3.0, 4]]))
    values = [v for p in result["points"]["exterior"] for v in p]
    assert [type(v) for v in values] == [int, float, float, int]


def test_tuples_become_lists_and_missing_interior_becomes_empty() -> None:
    result = normalize_geometry("line", {"points": {"exterior": ((0, 0), (1, 1))}})
    assert result == pts([[0, 0], [1, 1]])


def test_the_copy_does_not_share_point_lists_with_the_input() -> None:
    geometry = pts([[0, 0], [1, 0], [0, 1]])
    normalize_geometry("polygon", geometry)["points"]["exterior"][0][0] = 99
    assert geometry["points"]["exterior"][0][0] == 0


def test_huge_but_finite_coordinates_are_accepted() -> None:
    geometry = pts([[1e308, 1e308], [1.5e308, 1.7e308]])
    assert normalize_geometry("rectangle", geometry) == geometry


def test_graph_without_edges_keeps_no_edges_key() -> None:
    assert normalize_geometry("graph", {"nodes": {"k": {"loc": [0, 0]}}}) == {
        "nodes": {"k": {"loc": [0, 0]}}
    }


def test_oriented_bbox_written_by_an_older_sdk_as_a_bare_corner_list_is_canonicalized() -> None:
    result = normalize_geometry("oriented_bbox", {"points": [[3, 4], [1, 2]], "angle": 1})
    assert result == {**pts([[1, 2], [3, 4]]), "angle": 1}


def test_bitmap_origin_given_as_whole_floats_becomes_ints() -> None:
    result = normalize_geometry("bitmap", {"bitmap": {"origin": [3.0, 4.0], "data": BITMAP[
        "bitmap"]["data"]}})
    assert result == BITMAP


@pytest.mark.parametrize(("depth", "color"), [(1, 0), (8, 0), (8, 3), (8, 4), (8, 6), (16, 2)])
def test_bitmaps_of_every_mask_color_type_are_accepted(depth: int, color: int) -> None:
    data = data_of(png(depth=depth, color=color))
    assert normalize_geometry("alpha_mask", {"bitmap": {"origin": [0, 0], "data": data}})


def test_every_geometry_of_the_real_export_validates_and_round_trips() -> None:
    files = sorted(REAL_EXPORT.glob("*.json"))
    assert files
    for file in files:
        for obj in json.loads(file.read_text())["objects"]:
            shape = obj["geometryType"]
            result = normalize_geometry(shape, obj)
            assert normalize_geometry(shape, result) == result
            assert all(result[k] == obj[k] for k in result)
            assert detect_shape(obj) in (shape, None)


# --- refusals -----------------------------------------------------------------------------

def test_unknown_shape_is_refused_listing_the_known_ones() -> None:
    error = refusal("circle", {})
    assert error.field == "shape"
    assert "unknown shape 'circle'" in error.message and "polygon" in error.message


def test_any_is_refused_because_a_geometry_has_a_concrete_shape() -> None:
    assert refusal("any", pts([[0, 0]])).field == "shape"


def test_a_geometry_that_is_not_an_object_is_refused() -> None:
    error = refusal("point", [[0, 0]])
    assert error.field == "" and "object" in error.message


@pytest.mark.parametrize(
    ("shape", "geometry", "field", "words"),
    [
        ("polygon", {}, "points", "missing"),
        ("polygon", {"points": [[0, 0]]}, "points", "exterior"),
        ("polygon", {"points": {"interior": []}}, "points.exterior", "missing"),
        ("polygon", {"points": {"exterior": "0,0"}}, "points.exterior", "list"),
        ("point", pts([[0, 0], [1, 1]]), "points.exterior", "exactly 1 point, got 2"),
        ("point", pts([]), "points.exterior", "exactly 1 point, got 0"),
        ("rectangle", pts([[0, 0], [1, 1], [2, 2]]), "points.exterior", "exactly 2"),
        ("rectangle", pts([[0, 0], [1, 1]], [[[0, 0]]]), "points.interior", "no interior"),
        ("line", pts([[0, 0]]), "points.exterior", "at least 2 points, got 1"),
        ("line", pts([[0, 0], [1, 1]], [[[0, 0]]]), "points.interior", "no interior"),
        ("polygon", pts([[0, 0], [1, 1]]), "points.exterior", "at least 3 points, got 2"),
        ("polygon", pts([[0, 0], [1, 0], [0, 1]], [[[0, 0], [1, 1]]]), "points.interior[0]",
         "hole needs at least 3 points, got 2"),
        ("polygon", pts([[0, 0], [1, 0], [0, 1]], {"a": 1}), "points.interior", "list"),
        ("polygon", pts([[0, 0], [1, 0], [0, 1]], [None]), "points.interior[0]", "list"),
        ("line", pts([[0, 0], [1, 1], ["a", 2]]), "points.exterior[2]", "x must be a number"),
        ("line", pts([[0, 0], [1, None]]), "points.exterior[1]", "y must be a number, got null"),
        ("line", pts([[0, 0], [True, 1]]), "points.exterior[1]", "got bool"),
        ("line", pts([[0, 0], [float("nan"), 1]]), "points.exterior[1]", "finite"),
        ("line", pts([[0, 0], [1, float("inf")]]), "points.exterior[1]", "finite"),
        ("line", pts([[0, 0], [1, 2, 3]]), "points.exterior[1]", "got 3 numbers"),
        ("line", pts([[0, 0], {"x": 1, "y": 2}]), "points.exterior[1]", "got dict"),
        ("line", pts([[0, 0], 5]), "points.exterior[1]", "expected [x, y], got int"),
        ("line", pts([[0, 0], [10**400, 0]]), "points.exterior[1]", "too large"),
    ],
)
def test_malformed_point_geometries_are_refused_naming_the_offending_field(
    shape: str, geometry: Any, field: str, words: str
) -> None:
    error = refusal(shape, geometry)
    assert (error.field, words in error.message) == (field, True), error


def test_polygon_with_two_points_is_refused_naming_the_point_list() -> None:
    error = refusal("polygon", pts([[0, 0], [1, 1]]))
    assert str(error) == "points.exterior: polygon needs at least 3 points, got 2"


def test_error_field_can_be_prefixed_by_where_the_geometry_was_found() -> None:
    error = refusal("line", pts([[0, 0], ["a", 0]]))
    assert error.within("objects[3]").field == "objects[3].points.exterior[1]"
    assert isinstance(error, ValidationError)


@pytest.mark.parametrize(
    ("bitmap", "field", "words"),
    [
        ({"origin": [0, 0]}, "bitmap.data", "missing"),
        ({"origin": [0, 0], "data": 5}, "bitmap.data", "base64 string"),
        ({"origin": [0, 0], "data": ""}, "bitmap.data", "non-empty"),
        ({"origin": [0, 0], "data": "not base64!"}, "bitmap.data", "not a valid base64 zlib PNG"),
        ({"origin": [0, 0], "data": base64.b64encode(b"plain").decode()}, "bitmap.data",
         "not a valid base64 zlib PNG"),
        ({"origin": [0, 0], "data": data_of(png(signature=b"GIF89a\0\0"))}, "bitmap.data",
         "signature"),
        ({"origin": [0, 0], "data": data_of(png()[:20])}, "bitmap.data", "IHDR"),
        ({"origin": [0, 0], "data": data_of(png(width=0))}, "bitmap.data", "size"),
        ({"origin": [0, 0], "data": data_of(png(depth=1, color=6))}, "bitmap.data",
         "color type 6 with bit depth 1"),
        ({"origin": [0, 0], "data": data_of(png(ihdr=struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0,
                                                                 2)))}, "bitmap.data",
         "interlace"),
        ({"data": BITMAP["bitmap"]["data"]}, "bitmap.origin", "missing"),
        ({"origin": [0.5, 0], "data": BITMAP["bitmap"]["data"]}, "bitmap.origin", "whole pixel"),
        ({"origin": [0, 0, 0], "data": BITMAP["bitmap"]["data"]}, "bitmap.origin", "[x, y]"),
    ],
)
def test_malformed_bitmaps_are_refused_naming_the_offending_field(
    bitmap: dict[str, Any], field: str, words: str
) -> None:
    for shape in ("bitmap", "alpha_mask"):
        error = refusal(shape, {"bitmap": bitmap})
        assert (error.field, words in error.message) == (field, True), error


def test_bitmap_with_a_corrupted_header_checksum_is_refused() -> None:
    broken = bytearray(png())
    broken[29] ^= 0xFF
    error = refusal("bitmap", {"bitmap": {"origin": [0, 0], "data": data_of(bytes(broken))}})
    assert error.field == "bitmap.data" and "checksum" in error.message


def test_bitmap_key_that_is_not_an_object_is_refused() -> None:
    assert refusal("bitmap", {"bitmap": "abc"}).field == "bitmap"


@pytest.mark.parametrize(
    ("geometry", "field", "words"),
    [
        ({}, "nodes", "missing"),
        ({"nodes": {}}, "nodes", "at least 1 node"),
        ({"nodes": [1, 2]}, "nodes", "object"),
        ({"nodes": {"a": [1, 2]}}, "nodes.a", "loc"),
        ({"nodes": {"a": {}}}, "nodes.a.loc", "missing"),
        ({"nodes": {"a": {"loc": [1]}}}, "nodes.a.loc", "[x, y]"),
        ({"nodes": {"a": {"loc": [1, 2], "disabled": "no"}}}, "nodes.a.disabled", "true or false"),
        ({"nodes": {"a": {"loc": [0, 0]}}, "edges": {"src": "a"}}, "edges", "list"),
        ({"nodes": {"a": {"loc": [0, 0]}}, "edges": ["a"]}, "edges[0]", "src"),
        ({"nodes": {"a": {"loc": [0, 0]}}, "edges": [{"src": "a"}]}, "edges[0].dst", "missing"),
        ({"nodes": {"a": {"loc": [0, 0]}}, "edges": [{"src": "a", "dst": "a"},
                                                     {"src": "a", "dst": "x"}]},
         "edges[1].dst", "edge 1 names unknown node 'x'"),
    ],
)
def test_malformed_graphs_are_refused_naming_the_offending_field(
    geometry: Any, field: str, words: str
) -> None:
    error = refusal("graph", geometry)
    assert (error.field, words in error.message) == (field, True), error


@pytest.mark.parametrize(
    ("geometry", "field", "words"),
    [
        ({"faces": CUBOID["faces"]}, "points", "missing"),
        ({**CUBOID, "points": CUBOID["points"][:6]}, "points", "exactly 7 points, got 6"),
        ({**CUBOID, "points": [*CUBOID["points"][:6], [1, "a"]]}, "points[6]", "y must be"),
        ({"points": CUBOID["points"]}, "faces", "missing"),
        ({**CUBOID, "faces": CUBOID["faces"][:2]}, "faces", "exactly 3 faces"),
        ({**CUBOID, "faces": [[0, 1, 2], *CUBOID["faces"][1:]]}, "faces[0]", "4 point indices"),
        ({**CUBOID, "faces": [*CUBOID["faces"][:2], [4, 0, 3, 7]]}, "faces[2][3]", "got 7"),
        ({**CUBOID, "faces": [*CUBOID["faces"][:2], [4, 0, True, 6]]}, "faces[2][2]", "True"),
    ],
)
def test_malformed_cuboids_are_refused_naming_the_offending_field(
    geometry: Any, field: str, words: str
) -> None:
    error = refusal("cuboid", geometry)
    assert (error.field, words in error.message) == (field, True), error


@pytest.mark.parametrize(
    ("geometry", "field", "words"),
    [
        ({}, "vertices", "missing"),
        ({"vertices": {}}, "vertices", "at least 1 vertex"),
        ({"vertices": {"1": {"loc": ["a", 0]}}}, "vertices.1.loc", "x must be a number"),
    ],
)
def test_malformed_2d_cuboids_are_refused_naming_the_offending_field(
    geometry: Any, field: str, words: str
) -> None:
    error = refusal("cuboid_2d", geometry)
    assert (error.field, words in error.message) == (field, True), error


@pytest.mark.parametrize(
    ("geometry", "field", "words"),
    [
        (pts([[0, 0], [1, 1]]), "angle", "missing"),
        ({**pts([[0, 0], [1, 1]]), "angle": "0.5"}, "angle", "must be a number"),
        ({**pts([[0, 0], [1, 1]]), "angle": False}, "angle", "got bool"),
        ({**pts([[0, 0], [1, 1]]), "angle": float("nan")}, "angle", "finite"),
        ({**pts([[0, 0]]), "angle": 0}, "points.exterior", "exactly 2 corner points, got 1"),
        ({"points": [[0, 0], [1, "a"]], "angle": 0}, "points[1]", "y must be a number"),
    ],
)
def test_malformed_oriented_bboxes_are_refused_naming_the_offending_field(
    geometry: Any, field: str, words: str
) -> None:
    error = refusal("oriented_bbox", geometry)
    assert (error.field, words in error.message) == (field, True), error


# --- shape detection ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("geometry", "shape"),
    [
        (BITMAP, "bitmap"),
        (GRAPH, "graph"),
        (CUBOID, "cuboid"),
        (VALID["cuboid_2d"], "cuboid_2d"),
        (VALID["oriented_bbox"], "oriented_bbox"),
        (pts([[1, 2]]), "point"),
        (VALID["polygon"], "polygon"),
        (pts([[1, 2], [3, 4]]), None),
        (pts([[1, 2], [3, 4], [5, 0]]), None),
        ({"something": 1}, None),
    ],
)
def test_shape_is_detected_from_keys_or_left_open_when_ambiguous(
    geometry: dict[str, Any], shape: str | None
) -> None:
    assert detect_shape(geometry) == shape


# --- properties ---------------------------------------------------------------------------

coordinate = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
point = st.lists(coordinate, min_size=2, max_size=2)


@given(st.lists(point, min_size=2, max_size=2))
def test_rectangle_normalization_is_idempotent_and_orders_corners(corners: list[Any]) -> None:
    once = normalize_geometry("rectangle", pts(corners))
    assert normalize_geometry("rectangle", once) == once
    (left, top), (right, bottom) = once["points"]["exterior"]
    assert left <= right and top <= bottom


@given(st.lists(point, min_size=3, max_size=30),
       st.lists(st.lists(point, min_size=3, max_size=6), max_size=3))
def test_polygon_normalization_is_idempotent(exterior: list[Any], holes: list[Any]) -> None:
    once = normalize_geometry("polygon", pts(exterior, holes))
    assert once == pts(exterior, holes)
    assert normalize_geometry("polygon", once) == once
