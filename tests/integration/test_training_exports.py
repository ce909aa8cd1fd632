"""COCO, YOLO and Pascal VOC exports of real projects, on SQLite and PostgreSQL.

COCO: the val2014 sample (830 polygons, 9 RLE crowd masks; an object in several
polygons is imported as a bitmap) exported, loaded by
pycocotools, and re-imported through annoledger's COCO import with the same objects.
YOLO and VOC: the real Supervisely demo (rectangles, a polygon, points, lines, cuboids)
with its pixels, which the media access rule lets exports link.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from uuid import UUID

import pytest
from PIL import Image
from pycocotools.coco import COCO as CocoApi

from application.ledger import Ledger
from domain.errors import ValidationError
from domain.geometry.measure import area
from domain.state import ProjectState
from domain.values import Context
from tests.conftest import DEMO, FIXTURES

COCO = FIXTURES / "instances_val2014_100.json"


def objects_by_image(state: ProjectState) -> dict[str, set[tuple[int, str, str]]]:
    meta = state.meta
    return {i.name: {(o.id, meta.classes[o.class_id].title,
                      json.dumps(o.geometry, sort_keys=True)) for o in i.objects}
            for i in state.items.values()}


def test_coco_export_loads_in_pycocotools_and_reimports_with_the_same_objects(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    project = app.imports.from_files("coco", COCO, ctx, name="val").project
    app.exports.to_files("coco", project, tmp_path / "out", ctx=ctx)
    written = tmp_path / "out" / "annotations" / "instances_instances_val2014_100.json"
    api = CocoApi(str(written))
    assert len(api.getImgIds()) == 100 and len(api.getAnnIds()) == 839
    state = app.versions.state_of(project, "current")
    masks = 0
    for ann in api.loadAnns(api.getAnnIds()):
        mask = api.annToMask(ann)
        assert mask.shape == (api.imgs[ann["image_id"]]["height"],
                              api.imgs[ann["image_id"]]["width"])
        if isinstance(ann["segmentation"], dict):
            masks += 1
            assert int(mask.sum()) == ann["area"]
        _, _, w, h = ann["bbox"]
        assert w > 0 and h > 0 and ann["iscrowd"] == 0
    bitmaps = sum(o.geometry.get("geometryType", state.meta.classes[o.class_id].shape)
                  == "bitmap" for i in state.items.values() for o in i.objects)
    assert masks == bitmaps >= 9  # RLE crowds, and objects in several polygons
    again = app.imports.from_files("coco", written, ctx, name="again").project
    back = app.versions.state_of(again, "current")
    assert objects_by_image(back) == objects_by_image(state)
    assert {c.title: c.shape for c in back.meta.classes.values()} == {
        c.title: c.shape for c in state.meta.classes.values()}


@pytest.fixture
def demo(app: Ledger, ctx: Context) -> UUID:
    return app.imports.from_files("supervisely", DEMO, ctx, name="demo").project


def test_yolo_export_normalises_boxes_and_links_the_images(
        app: Ledger, ctx: Context, demo: UUID, tmp_path: Path) -> None:
    out = tmp_path / "yolo"
    app.exports.to_files("yolo", demo, out, ctx=ctx)
    state = app.versions.state_of(demo, "current")
    meta = state.meta
    data = (out / "data.yaml").read_text()
    names = sorted(meta.classes)
    for i, class_id in enumerate(names):
        assert f'  {i}: "{meta.classes[class_id].title}"' in data
    assert '"train": ["images/ds"]' in data and '"val": ["images/ds"]' in data
    boxes = 0
    for item in state.items.values():
        label = out / "labels" / "ds" / f"{Path(item.name).stem}.txt"
        lines = label.read_text().splitlines()
        areas = [o for o in item.objects
                 if meta.classes[o.class_id].shape in ("rectangle", "polygon")]
        assert len(lines) == len(areas)
        for line, obj in zip(lines, areas, strict=True):
            index, *coords = line.split()
            assert names[int(index)] == obj.class_id and len(coords) == 4
            values = [float(v) for v in coords]
            assert all(0.0 <= v <= 1.0 for v in values)
            if meta.classes[obj.class_id].shape == "rectangle":
                (x0, y0), (x1, y1) = obj.geometry["points"]["exterior"]
                w, h = item.media.width, item.media.height
                assert values[0] == pytest.approx((x0 + x1) / 2 / w, abs=1e-6)
                assert values[3] == pytest.approx((y1 - y0) / h, abs=1e-6)
                boxes += 1
        image = out / "images" / "ds" / item.name
        assert image.is_symlink() and Image.open(image).size == (item.media.width,
                                                                 item.media.height)
    assert boxes == sum(meta.classes[o.class_id].shape == "rectangle"
                        for i in state.items.values() for o in i.objects) > 0


def test_yolo_segment_writes_polygons_and_refuses_masks(app: Ledger, ctx: Context,
                                                         demo: UUID, tmp_path: Path) -> None:
    out = tmp_path / "seg"
    app.exports.to_files("yolo-segment", demo, out, ctx=ctx)
    polygon_lines = [line for f in (out / "labels" / "ds").iterdir()
                     for line in f.read_text().splitlines() if len(line.split()) > 9]
    assert polygon_lines
    assert all(0 <= float(v) <= 1 for line in polygon_lines for v in line.split()[1:])
    coco = app.imports.from_files("coco", COCO, ctx, name="val").project
    with pytest.raises(ValidationError, match="has no outline for YOLO segment"):
        app.exports.to_files("yolo-segment", coco, tmp_path / "none", ctx=ctx)
    assert not (tmp_path / "none").exists()


def test_voc_export_writes_boxes_sets_and_class_masks(app: Ledger, ctx: Context, demo: UUID,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "voc"
    app.exports.to_files("voc", demo, out, ctx=ctx)
    state = app.versions.state_of(demo, "current")
    meta = state.meta
    stems = (out / "ImageSets" / "Main" / "ds.txt").read_text().split()
    assert sorted(stems) == sorted(Path(i.name).stem for i in state.items.values())
    index = {c: i for i, c in enumerate(sorted(meta.classes), 1)}
    for item in state.items.values():
        stem = Path(item.name).stem
        root = ET.parse(out / "Annotations" / f"{stem}.xml").getroot()
        areas = [o for o in item.objects
                 if meta.classes[o.class_id].shape in ("rectangle", "polygon")]
        assert [o.findtext("name") for o in root.iter("object")] == [
            meta.classes[o.class_id].title for o in areas]
        assert root.findtext("size/width") == str(item.media.width)
        if not areas:
            continue
        mask = Image.open(out / "SegmentationClass" / f"{stem}.png")
        assert mask.mode == "P" and mask.size == (item.media.width, item.media.height)
        last = areas[-1]
        shape = meta.classes[last.class_id].shape
        painted = mask.histogram()[index[last.class_id]]
        assert 0 < painted <= area(shape, last.geometry) * 1.1 + 2 * (
            item.media.width + item.media.height)
        assert (out / "JPEGImages" / item.name).is_symlink()
    assert "background" in (out / "labelmap.txt").read_text()


def test_an_unknown_export_format_is_refused(app: Ledger, ctx: Context, demo: UUID,
                                             tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="format: cannot export 'kitti'"):
        app.exports.to_files("kitti", demo, tmp_path / "k", ctx=ctx)
