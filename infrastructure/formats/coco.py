"""Read a COCO instances file (``categories``, ``images``, ``annotations``) into a ProjectState.

Images go to the dataset named after the file's stem; a ``file_name`` with folders
(``train/a.jpg``, ``a/b/c.jpg``) puts its item in a top-level dataset per first folder,
nested per deeper one (``train`` holds ``a.jpg``; ``a`` -> ``b`` holds ``c.jpg``: see
:mod:`infrastructure.formats.coco_folders`), and its pixels are looked for at that
relative path under the images folder. ``..``, ``.``, absolute paths and empty parts
are refused, naming the image's ``file_name``. Each annotation becomes one object keeping its
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

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, MediaLink, ObjectClass
from infrastructure.formats.coco_folders import Folders
from infrastructure.formats.files import is_int, load_json
from infrastructure.formats.masks import (
    bitmap_geometry,
    crop_to_content,
    rasterize_polygons,
    rle_decode,
)
from infrastructure.formats.media_sources import MediaSource, coco_files

Progress = Callable[[int, int], None]
_NUMBER = frozenset((int, float))


def class_color(name: str) -> str:
    """A deterministic color for a category name."""
    return f"#{int.from_bytes(hashlib.sha256(name.encode()).digest()[:3], 'big'):06X}"


def read_coco(
    path: Path, *, images_dir: Path | None = None, progress: Progress | None = None,
    media: MediaSource | None = None,
) -> ProjectState:
    """Read the COCO file at ``path``; pixels are looked for in ``images_dir``. ``media``
    makes the items' media links (default: local files must stay inside ``images_dir``,
    or the COCO file's folder when there is none)."""
    source = media or coco_files(None, Path(path), images_dir)
    return _read(Path(path), images_dir, progress, source)


def _read(
    path: Path, images_dir: Path | None, progress: Progress | None, media: MediaSource
) -> ProjectState:
    file = path.name
    data = load_json(path, file)
    if not isinstance(data, dict):
        raise ValidationError(file, "a COCO file is a JSON object")
    names = _categories(file, _list(file, data, "categories", required=True))
    raw_images = _list(file, data, "images", required=True)
    images = _images(file, raw_images)
    entries = {img["id"]: i for i, img in enumerate(raw_images)}
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
    folders = Folders(path.stem)
    items: dict[tuple[int, str], ItemState] = {}
    for done, (image_id, (name, width, height, _)) in enumerate(images.items(), 1):
        field = f"{file}:images[{entries[image_id]}].file_name"
        dataset_id, leaf = folders.place(name, field)
        if (dataset_id, leaf) in items:
            raise ValidationError(field, f"{name!r} names the same item as another image")
        items[(dataset_id, leaf)] = ItemState(
            dataset_id=dataset_id,
            name=leaf,
            media=_media(media, images_dir, name, width, height,
                         f"{file}:images[{entries[image_id]}]", raw_images[entries[image_id]]),
            objects=tuple(reader.by_image.get(image_id, ())),
        )
        if progress is not None:
            progress(done, len(images))
    return ProjectState(MetaState(path.stem, classes, {}, folders.used()), items)


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


def _media(media: MediaSource, images_dir: Path | None, name: str, width: int, height: int,
           where: str, raw: dict[str, Any]) -> MediaLink:
    """The image file in ``images_dir``, else its ``coco_url`` or ``flickr_url``, else its
    name; ``where`` names the image's entry (``instances.json:images[3]``)."""
    if images_dir is not None and not Path(name).is_absolute() and ".." not in Path(name).parts:
        candidate = Path(images_dir) / name
        found = media.pixels(candidate, candidate.as_posix(), width, height)
        if found is not None:
            return found
    for key in ("coco_url", "flickr_url"):
        if raw.get(key):
            return media.link(str(raw[key]), "", 0, width, height, f"{where}.{key}")
    return media.name(name, width, height, f"{where}.file_name")


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
