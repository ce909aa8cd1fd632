"""COCO instances format and the masks behind it: RLE, polygons, Supervisely bitmaps."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from domain.errors import ValidationError
from domain.state import ProjectState
from domain.values import AnnotationObject, MediaLink
from infrastructure.formats import read_coco
from infrastructure.formats.masks import (
    counts_to_rle_string,
    decode_bitmap_data,
    encode_bitmap_data,
    mask_area,
    rasterize_polygons,
    rle_decode,
    rle_string_to_counts,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VAL2014 = FIXTURES / "instances_val2014_100.json"
RLE_REFERENCE = FIXTURES / "coco_crowd_rle_reference.json"
DATUMARO = FIXTURES / "coco_instances"


@pytest.fixture(scope="module")
def val2014() -> ProjectState:
    return read_coco(VAL2014)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VAL2014.read_text())
    return data


def objects_by_id(state: ProjectState) -> dict[int, AnnotationObject]:
    return {o.id: o for item in state.items.values() for o in item.objects}


def test_the_real_file_gives_100_items_839_objects_and_80_classes(val2014: ProjectState) -> None:
    assert val2014.meta.name == "instances_val2014_100"
    assert [d.name for d in val2014.meta.datasets.values()] == ["instances_val2014_100"]
    assert len(val2014.items) == 100
    assert val2014.object_count == 839
    assert len(val2014.meta.classes) == 80
    assert val2014.meta.classes[1].title == "person"


def test_objects_keep_annotation_ids_and_sit_on_their_image(
    val2014: ProjectState, raw: dict[str, Any]
) -> None:
    names = {img["id"]: img["file_name"] for img in raw["images"]}
    for ann in raw["annotations"]:
        item = val2014.items[(1, names[ann["image_id"]])]
        assert ann["id"] in {o.id for o in item.objects}
    item = val2014.items[(1, "COCO_val2014_000000001146.jpg")]
    assert item.media == MediaLink(
        "http://images.cocodataset.org/val2014/COCO_val2014_000000001146.jpg", "", 0, 427, 640
    )


def test_single_polygons_stay_polygons_point_for_point(
    val2014: ProjectState, raw: dict[str, Any]
) -> None:
    objects = objects_by_id(val2014)
    singles = [a for a in raw["annotations"] if not a["iscrowd"] and len(a["segmentation"]) == 1]
    assert len(singles) == 755
    for ann in singles:
        flat = ann["segmentation"][0]
        exterior = objects[ann["id"]].geometry["points"]["exterior"]
        assert [v for point in exterior for v in point] == flat


def test_crowd_masks_decode_to_pycocotools_areas_and_boxes(val2014: ProjectState) -> None:
    reference = json.loads(RLE_REFERENCE.read_text())["annotations"]
    objects = objects_by_id(val2014)
    assert len(reference) == 9
    for ann_id, ref in reference.items():
        bitmap = objects[int(ann_id)].geometry["bitmap"]
        mask = decode_bitmap_data(bitmap["data"])
        assert mask_area(mask) == ref["area"]
        assert bitmap["origin"] == ref["bbox"][:2]
        assert list(mask.size) == ref["bbox"][2:]


def test_compressed_rle_strings_decode_like_pycocotools(raw: dict[str, Any]) -> None:
    reference = json.loads(RLE_REFERENCE.read_text())["annotations"]
    counts = {str(a["id"]): a["segmentation"]["counts"] for a in raw["annotations"] if a["iscrowd"]}
    for ann_id, ref in reference.items():
        assert rle_string_to_counts(ref["counts"]) == counts[ann_id]
        assert counts_to_rle_string(counts[ann_id]) == ref["counts"]


def test_a_file_with_compressed_rle_reads_like_one_with_uncompressed(
    tmp_path: Path, raw: dict[str, Any], val2014: ProjectState
) -> None:
    reference = json.loads(RLE_REFERENCE.read_text())["annotations"]
    for ann in raw["annotations"]:
        if ann["iscrowd"]:
            ann["segmentation"] = {"size": ann["segmentation"]["size"], "counts": ""}
            ann["segmentation"]["counts"] = reference[str(ann["id"])]["counts"]
    path = tmp_path / "instances_val2014_100.json"
    path.write_text(json.dumps(raw))
    assert read_coco(path).items == val2014.items


def test_multi_part_polygons_become_bitmaps_close_to_coco_areas(
    val2014: ProjectState, raw: dict[str, Any]
) -> None:
    objects = objects_by_id(val2014)
    multi = [a for a in raw["annotations"] if not a["iscrowd"] and len(a["segmentation"]) > 1]
    assert len(multi) == 75
    ours = coco = 0.0
    for ann in multi:
        bitmap = objects[ann["id"]].geometry["bitmap"]
        mask = decode_bitmap_data(bitmap["data"])
        x, y, w, h = ann["bbox"]
        assert abs(bitmap["origin"][0] - x) <= 1 and abs(bitmap["origin"][1] - y) <= 1
        assert abs(mask.size[0] - w) <= 2 and abs(mask.size[1] - h) <= 2
        ours += mask_area(mask)
        coco += ann["area"]
    assert 1.0 <= ours / coco < 1.05  # Pillow fills boundary pixels a little more generously


def test_class_shapes_follow_their_annotations_and_any_objects_carry_their_type(
    val2014: ProjectState,
) -> None:
    classes = val2014.meta.classes
    shapes = [c.shape for c in classes.values()]
    assert {s: shapes.count(s) for s in set(shapes)} == {"polygon": 54, "any": 25, "bitmap": 1}
    for item in val2014.items.values():
        for obj in item.objects:
            carried = obj.geometry.get("geometryType")
            if classes[obj.class_id].shape == "any":
                assert carried == ("bitmap" if "bitmap" in obj.geometry else "polygon")
            else:
                assert carried is None
    color = classes[1].color
    assert color.startswith("#") and len(color) == 7
    assert read_coco(VAL2014).meta.classes[1].color == color


def test_bitmaps_pass_the_domain_geometry_check(val2014: ProjectState) -> None:
    validate = pytest.importorskip("domain.geometry.validate")
    for item in val2014.items.values():
        for obj in item.objects:
            if "bitmap" in obj.geometry:
                validate.normalize_geometry("bitmap", obj.geometry)


def test_the_datumaro_instances_sample_reads_with_its_pixels() -> None:
    images = DATUMARO / "images" / "val"
    state = read_coco(DATUMARO / "annotations" / "instances_val.json", images_dir=images)
    (item,) = state.items.values()
    data = (images / "b.jpg").read_bytes()
    assert item.media == MediaLink(
        "file://" + str((images / "b.jpg").resolve()),
        hashlib.sha256(data).hexdigest(),
        len(data),
        5,
        10,
    )
    polygon, crowd = item.objects
    assert polygon.geometry == {
        "points": {"exterior": [[0.0, 0.0], [1.0, 0.0], [1.0, 2.0], [0.0, 2.0]], "interior": []}
    }
    assert crowd.geometry["bitmap"]["origin"] == [0, 0]
    mask = decode_bitmap_data(crowd.geometry["bitmap"]["data"])
    assert mask.size == (2, 10) and mask_area(mask) == 20
    assert {c.title: c.shape for c in state.meta.classes.values()} == {
        "a": "polygon",
        "b": "bitmap",
        "c": "polygon",
    }
    train = read_coco(DATUMARO / "annotations" / "instances_train.json")
    (box,) = train.items[(1, "a.jpg")].objects
    assert box.geometry == {"points": {"exterior": [[2.0, 2.0], [5.0, 3.0]], "interior": []}}
    assert train.meta.classes[2].shape == "rectangle"
    assert train.items[(1, "a.jpg")].media == MediaLink("a.jpg", "", 0, 10, 5)


def write(tmp_path: Path, data: Any, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "categories": [{"id": 1, "name": "a"}],
        "images": [{"id": 5, "file_name": "x.jpg", "width": 4, "height": 3}],
        "annotations": [{"id": 1, "image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1]}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            minimal(annotations=[{"id": 1, "image_id": 999, "category_id": 1}]),
            "bad.json:annotations[0].image_id",
        ),
        (
            minimal(annotations=[{"id": 1, "image_id": 5, "category_id": 3}]),
            "bad.json:annotations[0].category_id",
        ),
        ({"images": [], "annotations": []}, "bad.json:categories"),
        (
            minimal(annotations=[{"image_id": 5, "category_id": 1, "segmentation": [[1, 2, 3]]}]),
            "bad.json:annotations[0].segmentation[0]",
        ),
        (
            minimal(
                annotations=[
                    {
                        "image_id": 5,
                        "category_id": 1,
                        "segmentation": {"size": [3, 4], "counts": [0, 5]},
                    }
                ]
            ),
            "bad.json:annotations[0].segmentation.counts",
        ),
        (
            minimal(annotations=[{"image_id": 5, "category_id": 1, "segmentation": []}]),
            "bad.json:annotations[0].bbox",
        ),
        (
            minimal(images=[{"id": 5, "file_name": "x.jpg", "width": 4, "height": 3}] * 2),
            "bad.json:images[1].id",
        ),
        ("{\n\n  oops", "bad.json"),
    ],
)
def test_bad_input_is_refused_naming_file_and_field(tmp_path: Path, data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_coco(write(tmp_path, data))
    assert caught.value.field == field


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="line 3"):
        read_coco(write(tmp_path, "{\n\n  oops"))


def test_progress_reports_each_image(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    read_coco(VAL2014, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (1, 100) and calls[-1] == (100, 100) and len(calls) == 100


@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=40))
def test_compressed_rle_round_trips_any_counts(counts: list[int]) -> None:
    assert rle_string_to_counts(counts_to_rle_string(counts)) == counts


def test_rle_is_column_major() -> None:
    mask = rle_decode([1, 2, 3], 2, 3)  # column 0: 0 1, column 1: 1 0, column 2: 0 0
    assert mask.convert("L").tobytes() == bytes([0, 255, 0, 255, 0, 0])


@given(st.integers(1, 40), st.integers(1, 20), st.binary(min_size=800, max_size=800))
def test_bitmap_data_round_trips_any_mask(width: int, height: int, noise: bytes) -> None:
    mask = Image.frombytes("L", (width, height), noise[: width * height]).point(
        lambda v: 255 if v > 127 else 0, "1"
    )
    assert decode_bitmap_data(encode_bitmap_data(mask)).tobytes() == mask.tobytes()


def test_polygons_rasterize_to_their_union_clipped_to_the_image() -> None:
    raster = rasterize_polygons([[0, 0, 3, 0, 3, 3, 0, 3], [6, 1, 8, 1, 8, 2]], 7, 5)
    assert raster is not None
    origin, mask = raster
    assert origin == (0, 0)
    assert mask.size == (7, 4)  # the second part is cut at the image's right edge
    assert rasterize_polygons([[20, 20, 30, 20, 30, 30]], 7, 5) is None
