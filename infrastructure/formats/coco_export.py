"""Write a ProjectState as COCO instances: ``annotations/instances_<dataset>.json`` per
dataset, and ``images/<dataset>/<item>`` linked to the media when the server holds them.

Each area object is one annotation keeping its id: a polygon without holes as its
polygon; a polygon with holes, a bitmap and an alpha mask as a compressed RLE of the
whole image (COCO polygons cannot hold holes); a rectangle as its ``bbox`` with no
segmentation (the COCO importer reads it back as a rectangle); an oriented bbox as the
polygon of its corners. Every annotation has its ``bbox`` ``[x, y, w, h]``, its ``area``
(pixels for masks, exact for outlines) and ``iscrowd`` 0. Categories are the project's
classes, by id. Points, lines, graphs and cuboids have no COCO instance form and are
left out. Nested datasets are named by path, ``/`` written as ``-``. Image ids count
from 1 in the items' stable order.
"""

from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path
from typing import Any

from PIL import Image

from domain.errors import ValidationError
from domain.geometry.measure import area, bbox
from domain.rules import object_shape
from domain.state import ItemState, ProjectState
from infrastructure.formats.masks import counts_to_rle_string
from infrastructure.formats.outlines import AREA_SHAPES, mask_of, rings
from infrastructure.formats.supervisely_writer import Readable


def write_coco(state: ProjectState, outdir: Path, readable: Readable | None = None) -> None:
    """Write ``state`` into ``outdir`` (missing or empty)."""
    prepare_outdir(outdir)
    meta = state.meta
    categories = [{"id": c.id, "name": c.title, "supercategory": ""}
                  for c in sorted(meta.classes.values(), key=lambda c: c.id)]
    files: dict[str, dict[str, Any]] = {}
    for image_id, item in enumerate(state.iter_items(), 1):
        name = dataset_file_name(meta.dataset_path(item.dataset_id))
        doc = files.setdefault(name, {"images": [], "annotations": [],
                                      "categories": categories})
        doc["images"].append({"id": image_id, "file_name": item.name,
                              "width": item.media.width, "height": item.media.height})
        for obj in item.objects:
            shape = object_shape(meta, obj)
            if shape in AREA_SHAPES:
                try:
                    doc["annotations"].append(annotation(item, obj.id, obj.class_id, shape,
                                                         obj.geometry, image_id))
                except (KeyError, ValueError) as exc:
                    raise ValidationError(f"items[{state.item_path(item)}].objects.{obj.id}",
                                          f"cannot be written as COCO: {exc}") from None
        link_media(outdir / "images" / name, item, readable)
    (outdir / "annotations").mkdir(parents=True, exist_ok=True)
    for name, doc in files.items():
        (outdir / "annotations" / f"instances_{name}.json").write_text(
            json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def annotation(item: ItemState, object_id: int, class_id: int, shape: str,
               geometry: dict[str, Any], image_id: int) -> dict[str, Any]:
    x0, y0, x1, y1 = bbox(shape, geometry) or (0.0, 0.0, 0.0, 0.0)
    out: dict[str, Any] = {"id": object_id, "image_id": image_id, "category_id": class_id,
                           "bbox": [x0, y0, x1 - x0, y1 - y0], "area": area(shape, geometry),
                           "iscrowd": 0}
    if shape == "rectangle":
        (left, top), (right, bottom) = geometry["points"]["exterior"]
        out["bbox"] = [left, top, right - left, bottom - top]
        out["segmentation"] = []
        return out
    outline = rings(shape, geometry) if shape in ("polygon", "oriented_bbox") else []
    if len(outline) == 1:
        out["segmentation"] = [[v for point in outline[0] for v in point]]
        return out
    width, height = item.media.width, item.media.height
    mask = mask_of(shape, geometry, width, height)
    out["segmentation"] = {"size": [height, width], "counts": rle_counts(mask)}
    out["area"] = float(sum(mask.histogram()[1:]))
    return out


def rle_counts(mask: Image.Image) -> str:
    """COCO's compressed RLE of a mask: runs of 0s and 1s, column by column."""
    column_major = mask.transpose(Image.Transpose.TRANSPOSE).convert("L").tobytes()
    counts: list[int] = []
    expected = 0
    for value, run in groupby(column_major):
        bit = 1 if value else 0
        if bit != expected:
            counts.append(0)
        counts.append(sum(1 for _ in run))
        expected = 1 - bit
    return counts_to_rle_string(counts)


def dataset_file_name(path: str) -> str:
    return path.replace("/", "-")


def prepare_outdir(outdir: Path) -> None:
    """An export writes into a missing or empty folder only."""
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ValidationError("outdir", f"{outdir} exists and is not an empty directory")
    outdir.mkdir(parents=True, exist_ok=True)


def link_media(folder: Path, item: ItemState, readable: Readable | None) -> None:
    """``folder/<item>`` links the item's pixels when the media access rule allows it;
    media are never copied."""
    source = readable(item.media) if readable is not None else None
    if source is not None:
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink(source, folder / item.name)
