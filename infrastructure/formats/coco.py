"""Read a COCO instances file (``categories``, ``images``, ``annotations``) into a ProjectState.

One dataset named after the file's stem. Each annotation becomes one object keeping its
id: a single polygon stays a polygon; several polygons (one object cut in parts) and RLE
masks (compressed or not, crowd or not) become Supervisely bitmaps cropped to the mask;
a bbox without segmentation becomes a rectangle. A category's shape is the one shape of
all its annotations (polygon if it has none), else ``any``, whose objects then carry
their shape as ``geometry["geometryType"]``. Geometries are not validated here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from application.loading import gc_paused
from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass
from infrastructure.formats.files import file_media, is_int, load_json
from infrastructure.formats.masks import (
    bitmap_geometry,
    crop_to_content,
    rasterize_polygons,
    rle_decode,
)

Progress = Callable[[int, int], None]
_NUMBER = frozenset((int, float))


def class_color(name: str) -> str:
    """A deterministic color for a category name."""
    return f"#{int.from_bytes(hashlib.sha256(name.encode()).digest()[:3], 'big'):06X}"


def read_coco(
    path: Path, *, images_dir: Path | None = None, progress: Progress | None = None
) -> ProjectState:
    """Read the COCO file at ``path``; pixels are looked for in ``images_dir``."""
    with gc_paused():
        return _read(Path(path), images_dir, progress)


def _read(path: Path, images_dir: Path | None, progress: Progress | None) -> ProjectState:
    file = path.name
    data = load_json(path, file)
    if not isinstance(data, dict):
        raise ValidationError(file, "a COCO file is a JSON object")
    names = _categories(file, _list(file, data, "categories", required=True))
    images = _images(file, _list(file, data, "images", required=True))
    reader = _AnnotationReader(file, images)
    for i, ann in enumerate(_list(file, data, "annotations", required=False)):
        reader.read(i, ann, names)
    classes: dict[int, ObjectClass] = {}
    for cid, name in names.items():
        kinds = reader.kinds.get(cid, {"polygon"})
        shape = next(iter(kinds)) if len(kinds) == 1 else "any"
        classes[cid] = ObjectClass(cid, name, shape, class_color(name))
    for cid, geometry in reader.geometries:
        if classes[cid].shape == "any":
            geometry["geometryType"] = geometry.pop("_kind")
        else:
            del geometry["_kind"]
    meta = MetaState(path.stem, classes, {}, {1: Dataset(1, path.stem)})
    state = ProjectState(meta)
    for done, (image_id, (name, width, height, uri)) in enumerate(images.items(), 1):
        state.items[(1, name)] = ItemState(
            dataset_id=1,
            name=name,
            media=_media(images_dir, name, uri, width, height),
            objects=tuple(reader.by_image.get(image_id, ())),
        )
        if progress is not None:
            progress(done, len(images))
    return state


def _list(file: str, data: dict[str, Any], key: str, *, required: bool) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{file}:{key}", "missing" if value is None else "must be a list")
    return value


def _categories(file: str, entries: list[Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    seen: set[str] = set()
    for i, cat in enumerate(entries):
        field = f"{file}:categories[{i}]"
        if not isinstance(cat, dict):
            raise ValidationError(field, "must be a JSON object")
        cid, name = cat.get("id"), cat.get("name")
        if not is_int(cid) or cid in names:
            raise ValidationError(f"{field}.id", f"missing or duplicate id {cid!r}")
        if not isinstance(name, str) or not name or name in seen:
            raise ValidationError(f"{field}.name", f"missing or duplicate name {name!r}")
        names[cid] = name
        seen.add(name)
    return names


def _images(file: str, entries: list[Any]) -> dict[int, tuple[str, int, int, str]]:
    """image id -> (file name, width, height, fallback uri)."""
    images: dict[int, tuple[str, int, int, str]] = {}
    seen: set[str] = set()
    for i, img in enumerate(entries):
        field = f"{file}:images[{i}]"
        if not isinstance(img, dict):
            raise ValidationError(field, "must be a JSON object")
        image_id, name = img.get("id"), img.get("file_name")
        if not is_int(image_id) or image_id in images:
            raise ValidationError(f"{field}.id", f"missing or duplicate id {image_id!r}")
        if not isinstance(name, str) or not name or name in seen:
            raise ValidationError(f"{field}.file_name", f"missing or duplicate name {name!r}")
        for key in ("width", "height"):
            if not is_int(img.get(key)) or img[key] < 0:
                raise ValidationError(f"{field}.{key}", "must be a non-negative integer")
        uri = img.get("coco_url") or img.get("flickr_url") or name
        images[image_id] = (name, img["width"], img["height"], str(uri))
        seen.add(name)
    return images


def _media(images_dir: Path | None, name: str, uri: str, width: int, height: int) -> MediaLink:
    if images_dir is not None:
        candidate = Path(images_dir) / name
        if not Path(name).is_absolute() and ".." not in Path(name).parts and candidate.is_file():
            return file_media(candidate, width, height)
    return MediaLink(uri, "", 0, width, height)


class _AnnotationReader:
    """Converts annotations, grouping objects by image and noting each category's shapes."""

    def __init__(self, file: str, images: dict[int, tuple[str, int, int, str]]) -> None:
        self.file = file
        self.images = images
        self.by_image: dict[int, list[AnnotationObject]] = {}
        self.kinds: dict[int, set[str]] = {}
        self.geometries: list[tuple[int, dict[str, Any]]] = []
        self.ids: set[int] = set()

    def read(self, index: int, ann: Any, names: dict[int, str]) -> None:
        field = f"{self.file}:annotations[{index}]"
        if not isinstance(ann, dict):
            raise ValidationError(field, "must be a JSON object")
        image_id, cid, ann_id = ann.get("image_id"), ann.get("category_id"), ann.get("id", 0)
        if not is_int(image_id) or image_id not in self.images:
            raise ValidationError(f"{field}.image_id", f"unknown image {image_id}")
        if not is_int(cid) or cid not in names:
            raise ValidationError(f"{field}.category_id", f"unknown category {cid}")
        if not is_int(ann_id) or (ann_id and ann_id in self.ids):
            raise ValidationError(f"{field}.id", f"invalid or duplicate id {ann_id!r}")
        self.ids.add(ann_id)
        _, width, height, _ = self.images[image_id]
        geometry = self._geometry(field, ann, width, height)
        self.kinds.setdefault(cid, set()).add(geometry["_kind"])
        self.geometries.append((cid, geometry))
        obj = AnnotationObject(id=ann_id, class_id=cid, geometry=geometry)
        self.by_image.setdefault(image_id, []).append(obj)

    def _geometry(self, field: str, ann: dict[str, Any], width: int, height: int) -> dict[str, Any]:
        seg = ann.get("segmentation")
        if seg is None or seg == []:
            box = ann.get("bbox")
            if not isinstance(box, list) or len(box) != 4 or not _numbers(box):
                raise ValidationError(f"{field}.bbox", "no segmentation and no [x, y, w, h] bbox")
            x, y, w, h = box
            exterior = [[x, y], [x + w, y + h]]
            return {"points": {"exterior": exterior, "interior": []}, "_kind": "rectangle"}
        if isinstance(seg, dict):
            return self._rle(f"{field}.segmentation", seg, width, height)
        if not isinstance(seg, list):
            raise ValidationError(f"{field}.segmentation", "must be polygons or an RLE object")
        for j, part in enumerate(seg):
            if not isinstance(part, list) or not part or len(part) % 2 or not _numbers(part):
                raise ValidationError(
                    f"{field}.segmentation[{j}]", "a polygon is a flat even list of numbers"
                )
        if len(seg) == 1:
            pairs = iter(seg[0])
            exterior = [[x, y] for x, y in zip(pairs, pairs, strict=True)]
            return {"points": {"exterior": exterior, "interior": []}, "_kind": "polygon"}
        raster = rasterize_polygons(seg, width, height)
        if raster is None:
            raise ValidationError(f"{field}.segmentation", "polygons cover no pixel of the image")
        return {**bitmap_geometry(*raster), "_kind": "bitmap"}

    def _rle(self, field: str, seg: dict[str, Any], width: int, height: int) -> dict[str, Any]:
        size, counts = seg.get("size"), seg.get("counts")
        if not isinstance(size, list) or len(size) != 2 or not all(is_int(v) for v in size):
            raise ValidationError(f"{field}.size", "an RLE needs its [height, width]")
        if size != [height, width]:
            raise ValidationError(
                f"{field}.size", f"{size} differs from the image's [{height}, {width}]"
            )
        if not isinstance(counts, str | list):
            raise ValidationError(f"{field}.counts", "must be a string or a list of integers")
        try:
            mask = rle_decode(counts, height, width)
        except ValueError as exc:
            raise ValidationError(f"{field}.counts", str(exc)) from None
        cropped = crop_to_content(mask)
        if cropped is None:
            raise ValidationError(f"{field}.counts", "empty mask")
        return {**bitmap_geometry(*cropped), "_kind": "bitmap"}


def _numbers(values: list[Any]) -> bool:
    return set(map(type, values)) <= _NUMBER
