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
Objects, tags and meta are read by :mod:`domain.supervisely_json`, as the HTTP API reads
them; this module walks the folders and finds the media. Every refusal is a
ValidationError whose field is ``"<file relative to root>:<json path>"``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.supervisely_json import Names, parse_annotation
from domain.values import Dataset, MediaLink
from infrastructure.formats.files import is_int, load_json
from infrastructure.formats.media_sources import MediaSource, OperatorFolder
from infrastructure.formats.supervisely_meta import field_error, in_file, read_meta, text_at

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
        self.names = Names.of(meta)
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
        try:
            ann = parse_annotation(self.names, data)
        except ValidationError as exc:
            raise in_file(file, exc) from None
        media = self._media(ds_dir, name, size["width"], size["height"])
        return ItemState(ds_id, name, media, ann.tags, ann.objects, ann.description)

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
