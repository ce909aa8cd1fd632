"""Read a Supervisely images project (``meta.json`` + dataset folders) into a ProjectState.

The reader only converts: geometries are kept as the format gives them and are
validated by the application. An object's shape is its class's shape, except for classes
of shape ``any``, whose objects carry their own shape as ``geometry["geometryType"]``
(the object's ``geometryType``, or the shape detected from its geometry keys). An object
keeps only its shape's geometry keys: older projects also carry the other shapes' keys,
``null`` or empty.

Both layouts Supervisely has written are read, file by file: ``ann/<image name>.json``,
and the older ``ann/<image stem>.json`` beside ``img/<stem>.<ext>``, whose tags may be
bare tag names and whose objects have no ids (the import gives them fresh ones).
Every refusal is a ValidationError whose field is ``"<file relative to root>:<json path>"``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from application.loading import gc_paused
from domain.errors import ValidationError
from domain.geometry.validate import GEOMETRY_KEYS as SHAPE_KEYS
from domain.geometry.validate import detect_shape
from domain.state import ItemState, MetaState, ProjectState
from domain.values import (
    AnnotationObject,
    Dataset,
    MediaLink,
    Tag,
)
from infrastructure.formats.files import is_int, load_json
from infrastructure.formats.media_sources import MediaSource, OperatorFolder
from infrastructure.formats.supervisely_meta import field_error, list_at, read_meta, text_at

GEOMETRY_KEYS: tuple[str, ...] = (
    "points",
    "bitmap",
    "nodes",
    "edges",
    "faces",
    "vertices",
    "angle",
)
"""Keys of a Supervisely object that make up its geometry."""

MEDIA_KEY = "annoledger_media"
"""Key of ``meta/<item>.json`` that links an item to pixels stored elsewhere."""

_NOT_DATASET_DIRS = frozenset({"ann", "img", "meta", "img_info"})

Progress = Callable[[int, int], None]
Locate = Callable[[str], str]


def read_supervisely(
    root: Path, *, progress: Progress | None = None, media: MediaSource | None = None
) -> ProjectState:
    """Read the Supervisely project at ``root``; its name is the folder's name."""
    return read_supervisely_located(root, progress=progress, media=media)[0]


def read_supervisely_located(
    root: Path, *, progress: Progress | None = None, media: MediaSource | None = None
) -> tuple[ProjectState, Locate]:
    """The project at ``root``, and what turns an item's ``dataset/name`` into its
    annotation file, so that a later refusal names the file the user has. ``media`` makes
    the items' media links (default: local files that stay inside ``root``)."""
    with gc_paused():
        state, sources = _read(Path(root), progress, media or OperatorFolder((Path(root),)))
    return state, lambda path: sources.get(path, path)


def _read(
    root: Path, progress: Progress | None, media: MediaSource
) -> tuple[ProjectState, dict[str, str]]:
    if not root.is_dir():
        raise ValidationError(str(root), "not a directory")
    if not (root / "meta.json").exists():
        raise ValidationError("meta.json", f"missing: {root} is not a Supervisely project")
    classes, tag_metas = read_meta(load_json(root / "meta.json", "meta.json"))
    datasets, dirs = _find_datasets(root)
    meta = MetaState(root.name, classes, tag_metas, datasets)
    jobs = [
        (ds_id, dirs[ds_id], ann)
        for ds_id in sorted(dirs)
        for ann in sorted((dirs[ds_id] / "ann").iterdir())
        if ann.name.endswith(".json")  # any kind of file: load_json reads regular ones only
    ]
    reader = _ItemReader(root, meta, media)
    state = ProjectState(meta)
    sources: dict[str, str] = {}
    for done, (ds_id, ds_dir, ann_path) in enumerate(jobs, 1):
        item = reader.read(ds_id, ds_dir, ann_path)
        state.items[(ds_id, item.name)] = item
        sources[f"{meta.dataset_path(ds_id)}/{item.name}"] = (
            ann_path.relative_to(root).as_posix()
        )
        if progress is not None:
            progress(done, len(jobs))
    return state, sources


def _find_datasets(root: Path) -> tuple[dict[int, Dataset], dict[int, Path]]:
    """Every folder with an ``ann/`` folder is a dataset; the nearest such ancestor is
    its parent. Ids are 1.. in sorted path order."""
    if (root / "ann").is_dir():
        raise ValidationError("ann", "annotations at the project root: datasets are folders")
    found: list[tuple[str, ...]] = []
    for dirpath, dirnames, _ in os.walk(root):
        rel = Path(dirpath).relative_to(root).parts
        if rel and "ann" in dirnames and (Path(dirpath) / "ann").is_dir():
            found.append(rel)
            dirnames[:] = [d for d in dirnames if d not in _NOT_DATASET_DIRS]
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    datasets: dict[int, Dataset] = {}
    dirs: dict[int, Path] = {}
    ids: dict[tuple[str, ...], int] = {}
    names: dict[tuple[int | None, str], str] = {}
    for ds_id, rel in enumerate(sorted(found), 1):
        parent = next((ids[rel[:n]] for n in range(len(rel) - 1, 0, -1) if rel[:n] in ids), None)
        label = "/".join(rel)
        other = names.setdefault((parent, rel[-1]), label)
        if other != label:
            raise ValidationError(label, f"dataset name {rel[-1]!r} also used by {other}")
        ids[rel] = ds_id
        datasets[ds_id] = Dataset(ds_id, rel[-1], parent)
        dirs[ds_id] = root.joinpath(*rel)
    return datasets, dirs


class _ItemReader:
    """Reads ``ann/<item>.json`` files against a project's meta."""

    def __init__(self, root: Path, meta: MetaState, media: MediaSource) -> None:
        self.root = root
        self.media = media
        self.meta = meta
        self.class_by_title = {c.title: c for c in meta.classes.values()}
        self.tag_by_name = {t.name: t for t in meta.tag_metas.values()}
        self.seen: dict[tuple[int, str], str] = {}
        self.images: dict[int, tuple[frozenset[str], dict[str, list[str]]]] = {}

    def read(self, ds_id: int, ds_dir: Path, ann_path: Path) -> ItemState:
        file = ann_path.relative_to(self.root).as_posix()
        name = ann_path.name[: -len(".json")]
        if not name:
            raise ValidationError(file, "an annotation file needs an item name before .json")
        name = self._item_name(ds_id, ds_dir, name, file)
        other = self.seen.setdefault((ds_id, unicodedata.normalize("NFC", name)), file)
        if other != file:
            raise ValidationError(file, f"duplicate item name {name!r} (also {other})")
        data = load_json(ann_path, file)
        if not isinstance(data, dict):
            raise ValidationError(file, "must be a JSON object")
        size = data.get("size")
        if not isinstance(size, dict):
            raise field_error(file, "size", "missing image size {height, width}")
        for key in ("height", "width"):
            if not is_int(size.get(key)) or size[key] < 0:
                raise field_error(file, f"size.{key}", "must be a non-negative integer")
        media = self._media(ds_dir, name, size["width"], size["height"])
        objects = tuple(
            self._object(file, f"objects[{i}]", obj)
            for i, obj in enumerate(list_at(data, "objects", file))
        )
        return ItemState(
            dataset_id=ds_id,
            name=name,
            media=media,
            tags=self._tags(file, "", data),
            objects=objects,
            description=text_at(data, "description", file, ""),
        )

    def _item_name(self, ds_id: int, ds_dir: Path, base: str, file: str) -> str:
        """The image ``ann/<base>.json`` annotates: ``img/<base>``, or else the one image
        whose stem is ``base`` (the older layout), or else ``base`` when there is none."""
        if ds_id not in self.images:
            self.images[ds_id] = _image_index(ds_dir / "img")
        names, by_stem = self.images[ds_id]
        if base in names:
            return base
        found = by_stem.get(unicodedata.normalize("NFC", base), [])
        if len(found) > 1:
            raise ValidationError(
                file,
                f"{len(found)} images have the name stem {base!r} ({', '.join(sorted(found))}):"
                " name the annotation file after its image, as <image name>.json",
            )
        return found[0] if found else base

    def _media(self, ds_dir: Path, name: str, width: int, height: int) -> MediaLink:
        pixels = ds_dir / "img" / name
        found = self.media.pixels(pixels, pixels.relative_to(self.root).as_posix(), width, height)
        if found is not None:
            return found
        meta_path = ds_dir / "meta" / f"{name}.json"
        if meta_path.is_file():
            file = meta_path.relative_to(self.root).as_posix()
            link = load_json(meta_path, file)
            if isinstance(link, dict) and MEDIA_KEY in link:
                media = link[MEDIA_KEY]
                if not isinstance(media, dict):
                    raise field_error(file, MEDIA_KEY, "must be a JSON object")
                uri = text_at(media, "uri", file, MEDIA_KEY)
                sha = text_at(media, "sha256", file, MEDIA_KEY)
                size = media.get("size", 0)
                if not uri or not is_int(size) or size < 0:
                    raise field_error(
                        file, MEDIA_KEY, "needs a uri and a non-negative integer size"
                    )
                return self.media.link(uri, sha, size, width, height, f"{file}:{MEDIA_KEY}.uri")
        return self.media.name(name, width, height, name)

    def _object(self, file: str, field: str, obj: Any) -> AnnotationObject:
        if not isinstance(obj, dict):
            raise field_error(file, field, "must be a JSON object")
        title = obj.get("classTitle")
        if title is None and is_int(obj.get("classId")):
            found = self.meta.classes.get(obj["classId"])
            title = found.title if found else None
        cls = self.class_by_title.get(title) if isinstance(title, str) else None
        if cls is None:
            raise field_error(file, f"{field}.classTitle", f"unknown class {title!r}")
        geometry = {key: obj[key] for key in GEOMETRY_KEYS if obj.get(key) is not None}
        declared = obj.get("geometryType")
        if declared is not None and not isinstance(declared, str):
            raise field_error(file, f"{field}.geometryType", "must be a string")
        if cls.shape == "any":
            shape = declared or detect_shape(geometry)
            if not shape:
                raise field_error(file, f"{field}.geometryType", "missing, and not detectable")
        elif declared and declared != cls.shape:
            raise field_error(
                file,
                f"{field}.geometryType",
                f"{declared!r} contradicts class {cls.title!r} of shape {cls.shape!r}",
            )
        else:
            shape = cls.shape
        geometry = _shape_keys(shape, geometry)
        if cls.shape == "any":
            geometry["geometryType"] = shape
        object_id = obj.get("id", 0)
        if not is_int(object_id):
            raise field_error(file, f"{field}.id", "must be an integer")
        return AnnotationObject(
            id=object_id,
            class_id=cls.id,
            geometry=geometry,
            tags=self._tags(file, field, obj),
            labeler=text_at(obj, "labelerLogin", file, field),
            created_at=text_at(obj, "createdAt", file, field),
            updated_at=text_at(obj, "updatedAt", file, field),
            description=text_at(obj, "description", file, field),
        )

    def _tags(self, file: str, field: str, owner: dict[str, Any]) -> tuple[Tag, ...]:
        tags: list[Tag] = []
        prefix = f"{field}.tags" if field else "tags"
        for i, raw in enumerate(list_at(owner, "tags", file, field)):
            where = f"{prefix}[{i}]"
            if isinstance(raw, str):
                raw = {"name": raw}
            elif not isinstance(raw, dict):
                raise field_error(file, where, "must be a tag name or a JSON object")
            name = raw.get("name")
            if name is None and is_int(raw.get("tagId")):
                found = self.meta.tag_metas.get(raw["tagId"])
                name = found.name if found else None
            meta = self.tag_by_name.get(name) if isinstance(name, str) else None
            if meta is None:
                raise field_error(file, f"{where}.name", f"unknown tag {name!r}")
            value = raw.get("value")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, str | int | float)
            ):
                raise field_error(file, f"{where}.value", "must be a string, a number or null")
            tags.append(
                Tag(
                    meta_id=meta.id,
                    value=value,
                    labeler=text_at(raw, "labelerLogin", file, where),
                    created_at=text_at(raw, "createdAt", file, where),
                    updated_at=text_at(raw, "updatedAt", file, where),
                )
            )
        return tuple(tags)


def _image_index(img_dir: Path) -> tuple[frozenset[str], dict[str, list[str]]]:
    """The file names in a dataset's ``img/``, and those names by their NFC stem."""
    names: set[str] = set()
    by_stem: dict[str, list[str]] = {}
    if img_dir.is_dir():
        with os.scandir(img_dir) as entries:
            for entry in entries:
                if entry.is_file() or entry.is_symlink():
                    names.add(entry.name)
                    stem, dot, _ = entry.name.rpartition(".")
                    if dot and stem:
                        by_stem.setdefault(unicodedata.normalize("NFC", stem), []).append(
                            entry.name
                        )
    return frozenset(names), by_stem


def _shape_keys(shape: str, geometry: dict[str, Any]) -> dict[str, Any]:
    """Only the keys a shape is made of; an unknown shape keeps all, for the domain to
    refuse it."""
    keys = SHAPE_KEYS.get(shape)
    if keys is None:
        return geometry
    return {key: value for key, value in geometry.items() if key in keys}
