"""Write a ProjectState in the Pascal VOC layout: ``Annotations/<stem>.xml`` (each area
object's class and box), ``ImageSets/Main/<dataset>.txt`` (the stems of each dataset),
``SegmentationClass/<stem>.png`` (a palette PNG, pixel value = class index, 0 the
background, objects drawn in order so later ones cover earlier ones), ``labelmap.txt``
(index, class name and colour per line) and ``JPEGImages/<item>`` linked to the media
when the server holds them.

VOC keeps every image in one folder, so two items of the same stem are refused, naming
both, before anything is written. Boxes are whole pixels, 1-based as VOC counts them.
Points, lines, graphs and cuboids have no VOC form and are left out.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

from domain.errors import ValidationError
from domain.geometry.measure import bbox
from domain.rules import object_shape
from domain.state import ItemState, MetaState, ProjectState
from infrastructure.formats.coco_export import dataset_file_name, link_media, prepare_outdir
from infrastructure.formats.outlines import AREA_SHAPES, draw
from infrastructure.formats.supervisely_writer import Readable


def write_voc(state: ProjectState, outdir: Path, readable: Readable | None = None) -> None:
    meta = state.meta
    index = {class_id: i for i, class_id in enumerate(sorted(meta.classes), 1)}
    if len(index) > 254:
        raise ValidationError("classes", f"{len(index)} classes: a VOC class mask holds 254")
    stems: dict[str, str] = {}
    for item in state.iter_items():
        stem = Path(item.name).stem
        if stem in stems:
            raise ValidationError(f"items[{state.item_path(item)}].name",
                                  f"VOC names images by stem: {stems[stem]} is {stem!r} too")
        stems[stem] = state.item_path(item)
    prepare_outdir(outdir)
    for sub in ("Annotations", "ImageSets/Main", "SegmentationClass", "JPEGImages"):
        (outdir / sub).mkdir(parents=True, exist_ok=True)
    sets: dict[str, list[str]] = {}
    for item in state.iter_items():
        stem = Path(item.name).stem
        sets.setdefault(dataset_file_name(meta.dataset_path(item.dataset_id)), []).append(stem)
        areas = [(object_shape(meta, o), o) for o in item.objects]
        areas = [(s, o) for s, o in areas if s in AREA_SHAPES]
        if areas:
            canvas = Image.new("P", (item.media.width, item.media.height), 0)
            canvas.putpalette(_palette())
            for shape, obj in areas:
                draw(canvas, shape, obj.geometry, index[obj.class_id])
            canvas.save(outdir / "SegmentationClass" / f"{stem}.png")
        tree = _annotation(meta, item, [(s, o.class_id, o.geometry) for s, o in areas])
        ET.indent(tree)
        tree.write(outdir / "Annotations" / f"{stem}.xml", encoding="utf-8",
                   xml_declaration=True)
        link_media(outdir / "JPEGImages", item, readable)
    for name, members in sets.items():
        (outdir / "ImageSets" / "Main" / f"{name}.txt").write_text(
            "".join(f"{m}\n" for m in members), encoding="utf-8")
    colors = _palette()
    lines = ["0 background 0,0,0"] + [
        f"{i} {meta.classes[c].title} {','.join(map(str, colors[3 * i:3 * i + 3]))}"
        for c, i in index.items()]
    (outdir / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _annotation(meta: MetaState, item: ItemState,
                objects: list[tuple[str, int, dict[str, object]]]) -> ET.ElementTree:
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = meta.dataset_path(item.dataset_id)
    ET.SubElement(root, "filename").text = item.name
    size = ET.SubElement(root, "size")
    for key, value in (("width", item.media.width), ("height", item.media.height),
                       ("depth", 3)):
        ET.SubElement(size, key).text = str(value)
    ET.SubElement(root, "segmented").text = "1" if objects else "0"
    width, height = item.media.width, item.media.height
    for shape, class_id, geometry in objects:
        x0, y0, x1, y1 = bbox(shape, geometry) or (0.0, 0.0, 0.0, 0.0)
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = meta.classes[class_id].title
        ET.SubElement(obj, "pose").text = "Unspecified"
        truncated = x0 < 0 or y0 < 0 or x1 > width or y1 > height
        ET.SubElement(obj, "truncated").text = "1" if truncated else "0"
        ET.SubElement(obj, "difficult").text = "0"
        box = ET.SubElement(obj, "bndbox")
        for key, value in (("xmin", max(1, math.floor(x0) + 1)),
                           ("ymin", max(1, math.floor(y0) + 1)),
                           ("xmax", min(width, math.ceil(x1))),
                           ("ymax", min(height, math.ceil(y1)))):
            ET.SubElement(box, key).text = str(value)
    return ET.ElementTree(root)


def _palette() -> list[int]:
    """The Pascal VOC colour map: index i's bits spread over red, green and blue."""
    colors: list[int] = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        colors += [r, g, b]
    return colors
