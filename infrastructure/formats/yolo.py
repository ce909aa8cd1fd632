"""Write a ProjectState in Ultralytics' YOLO layout: ``data.yaml``,
``images/<dataset>/<item>`` (linked to the media when the server holds them) and
``labels/<dataset>/<stem>.txt``, one line per object.

``detect`` writes ``class cx cy w h`` of each area object's box; ``segment`` writes
``class x1 y1 x2 y2 ...`` of each outline (rectangle, polygon exterior, oriented bbox
corners). Coordinates are divided by the image's size and clipped into [0, 1]. Class
indices count from 0 in class id order; ``data.yaml`` names them. A dataset is a split:
its path is a key of ``data.yaml``; ``train`` and ``val``, which Ultralytics requires,
fall back to every dataset when the project has no dataset of that name. Points, lines,
graphs and cuboids have no YOLO form and are left out; so are masks in ``segment`` mode,
whose outline is for ``ops convert --shape polygon`` to trace: a mask is refused there,
naming the object, before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain.errors import ValidationError
from domain.geometry.measure import MASK_SHAPES, bbox
from domain.rules import object_shape
from domain.state import ProjectState
from infrastructure.formats.coco_export import link_media, prepare_outdir
from infrastructure.formats.outlines import AREA_SHAPES, OUTLINE_SHAPES, rings
from infrastructure.formats.supervisely_writer import Readable

TASKS = ("detect", "segment")


def write_yolo(state: ProjectState, outdir: Path, readable: Readable | None = None, *,
               task: str = "detect") -> None:
    if task not in TASKS:
        raise ValidationError("task", f"unknown task {task!r} (one of {', '.join(TASKS)})")
    meta = state.meta
    index = {class_id: i for i, class_id in enumerate(sorted(meta.classes))}
    labels: dict[Path, str] = {}
    for item in state.iter_items():
        width, height = item.media.width, item.media.height
        if width <= 0 or height <= 0:
            raise ValidationError(f"items[{state.item_path(item)}].media",
                                  "has no width and height to normalise by")
        lines = []
        for obj in item.objects:
            shape = object_shape(meta, obj)
            if shape not in AREA_SHAPES:
                continue
            if task == "segment" and shape in MASK_SHAPES:
                raise ValidationError(
                    f"items[{state.item_path(item)}].objects.{obj.id}",
                    f"a {shape} has no outline for YOLO segment: convert its class to "
                    f"polygons first (ops convert --shape polygon)")
            if task == "segment" and shape in OUTLINE_SHAPES:
                points = rings(shape, obj.geometry)[0]
                coords = [f"{_unit(x / width)} {_unit(y / height)}" for x, y in points]
            else:
                x0, y0, x1, y1 = bbox(shape, obj.geometry) or (0.0, 0.0, 0.0, 0.0)
                x0, x1 = _clip(x0, width), _clip(x1, width)
                y0, y1 = _clip(y0, height), _clip(y1, height)
                coords = [_unit((x0 + x1) / 2 / width), _unit((y0 + y1) / 2 / height),
                          _unit((x1 - x0) / width), _unit((y1 - y0) / height)]
            lines.append(" ".join([str(index[obj.class_id]), *coords]))
        rel = Path(meta.dataset_path(item.dataset_id)) / f"{Path(item.name).stem}.txt"
        if rel in labels:
            raise ValidationError(f"items[{state.item_path(item)}].name",
                                  f"another item of the dataset also has labels {rel}")
        labels[rel] = "".join(line + "\n" for line in lines)
    prepare_outdir(outdir)
    for rel, text in labels.items():
        path = outdir / "labels" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for item in state.iter_items():
        link_media(outdir / "images" / meta.dataset_path(item.dataset_id), item, readable)
    (outdir / "data.yaml").write_text(_data_yaml(state, outdir, index), encoding="utf-8")


def _data_yaml(state: ProjectState, outdir: Path, index: dict[int, int]) -> str:
    """YAML written as JSON scalars (valid YAML) so that any name is quoted safely."""
    meta = state.meta
    splits = sorted({meta.dataset_path(i.dataset_id) for i in state.items.values()})
    everything = [f"images/{s}" for s in splits]
    keys: dict[str, str | list[str]] = {s: f"images/{s}" for s in splits}
    keys.setdefault("train", everything)
    keys.setdefault("val", keys["train"])
    out = [f"path: {json.dumps(str(outdir.resolve()))}"]
    out += [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in keys.items()]
    out.append(f"nc: {len(index)}")
    out.append("names:")
    out += [f"  {i}: {json.dumps(meta.classes[c].title)}" for c, i in index.items()]
    return "\n".join(out) + "\n"


def _clip(value: float, size: int) -> float:
    return min(max(value, 0.0), float(size))


def _unit(value: float) -> str:
    return f"{min(max(value, 0.0), 1.0):.6f}"
