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

Beside ``ann/``, a dataset may hold what Supervisely's SDK writes when it downloads a
project: ``img_info/<item>.json`` (the platform's ImageInfo) and ``meta/<item>.json``
(the item's own meta dict, user data). The item's media is, first, its file in ``img/``
(whose sha256 and size the ImageInfo, when it gives them, must match); else the
ImageInfo's ``link`` (checked as any link the import reads: see
:mod:`infrastructure.formats.media_sources`), with its ``hash`` and ``size``; else the
item's name, with that hash and size. Its meta is the ImageInfo's ``meta`` updated by
``meta/<item>.json``, as the SDK uploads it. Every other ImageInfo field is kept
(:class:`~domain.values.ItemInfo`), and a modelled field whose value the item's media
does not give back (a ``link`` beside pixels, a null ``width``) is kept as given, so the
writer (:mod:`infrastructure.formats.supervisely_writer`) gives the file back.

``meta/<item>.json`` files of annoledger 0.1 (``{"annoledger_media": {...}}``, the link
these releases wrote there) are still read as the item's link when there is no ImageInfo.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.supervisely_json import (
    ImageInfo,
    Names,
    item_info,
    media_info_json,
    parse_annotation,
    parse_image_info,
    storable,
)
from domain.values import Dataset, MediaLink
from infrastructure.formats.files import is_int, load_json
from infrastructure.formats.media_sources import MediaSource, OperatorFolder
from infrastructure.formats.supervisely_meta import field_error, in_file, read_meta, text_at

LEGACY_MEDIA_KEY = "annoledger_media"
"""Key of ``meta/<item>.json`` under which annoledger 0.1 wrote an item's media link."""
RECONCILED = ("link", "hash", "size", "width", "height", "meta")
"""ImageInfo fields the item's media and meta give back; one they do not is kept."""

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
    parts = read_meta(load_json(root / "meta.json", "meta.json"))
    datasets, dirs = _find_datasets(root)
    meta = MetaState(root.name, parts.classes, parts.tag_metas, datasets, parts.extra)
    jobs = [  # names, not paths: a Path per file would cost more than reading its JSON
        (ds_id, dirs[ds_id], ann)
        for ds_id in sorted(dirs)
        for ann in sorted(os.listdir(dirs[ds_id] / "ann"))
        if ann.endswith(".json")  # any kind of file: load_json reads regular ones only
    ]
    reader = _ItemReader(root, meta, media)
    state = ProjectState(meta)
    sources: dict[str, str] = {}
    for done, (ds_id, ds_dir, ann_name) in enumerate(jobs, 1):
        item, file = reader.read(ds_id, ds_dir, ann_name)
        state.items[(ds_id, item.name)] = item
        sources[f"{meta.dataset_path(ds_id)}/{item.name}"] = file
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
        self.dirs: dict[Path, str] = {}
        self.listed: dict[tuple[Path, str], frozenset[str]] = {}

    def read(self, ds_id: int, ds_dir: Path, ann_name: str) -> tuple[ItemState, str]:
        """The item ``ann/<ann_name>`` annotates, and that file relative to the root."""
        file = f"{self._rel(ds_dir)}/ann/{ann_name}"
        name = ann_name[: -len(".json")]
        if not name:
            raise ValidationError(file, "an annotation file needs an item name before .json")
        name = self._item_name(ds_id, ds_dir, name, file)
        other = self.seen.setdefault((ds_id, unicodedata.normalize("NFC", name)), file)
        if other != file:
            raise ValidationError(file, f"duplicate item name {name!r} (also {other})")
        data = load_json(os.path.join(ds_dir, "ann", ann_name), file)
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
        width, height = size["width"], size["height"]
        raw, image = self._image_info(ds_dir, name)
        own_meta, legacy = self._own_meta(ds_dir, name, image is not None)
        media = self._media(ds_dir, name, width, height, image, legacy)
        meta = {**(image.meta or {}), **own_meta} if image is not None else own_meta
        if image is not None:
            image = _reconcile(raw, image, media, meta)
        return ItemState(ds_id, name, media, ann.tags, ann.objects, ann.description,
                         info=item_info(image, meta, ann.extra)), file

    def _rel(self, ds_dir: Path) -> str:
        """The dataset's folder relative to the root (``a/datasets/b``)."""
        rel = self.dirs.get(ds_dir)
        if rel is None:
            rel = self.dirs[ds_dir] = ds_dir.relative_to(self.root).as_posix()
        return rel

    def _label(self, ds_dir: Path, folder: str, name: str) -> str:
        """``<dataset>/<folder>/<name>.json`` relative to the root: what errors name."""
        return f"{self._rel(ds_dir)}/{folder}/{name}.json"

    def _has(self, ds_dir: Path, folder: str, name: str) -> bool:
        """Whether the dataset's ``folder`` holds ``<name>.json`` (each folder is listed
        once: most projects have no ``img_info/`` nor ``meta/``, and a stat per item and
        folder would cost more than reading the annotations)."""
        key = (ds_dir, folder)
        found = self.listed.get(key)
        if found is None:
            path = ds_dir / folder
            found = self.listed[key] = frozenset(
                os.listdir(path) if path.is_dir() else ())
        return f"{name}.json" in found

    def _image_info(self, ds_dir: Path, name: str) -> tuple[dict[str, Any], ImageInfo | None]:
        """``img_info/<name>.json``, raw and read, if there is one."""
        if not self._has(ds_dir, "img_info", name):
            return {}, None
        path = ds_dir / "img_info" / f"{name}.json"
        file = self._label(ds_dir, "img_info", name)
        raw = load_json(path, file)
        try:
            return raw, parse_image_info(raw, name)
        except ValidationError as exc:
            raise in_file(file, exc) from None

    def _own_meta(self, ds_dir: Path, name: str,
                  has_info: bool) -> tuple[dict[str, Any], MediaLink | None]:
        """``meta/<name>.json`` (an empty dict when there is none), and the link an
        annoledger 0.1 export wrote in it (only read when there is no ImageInfo)."""
        if not self._has(ds_dir, "meta", name):
            return {}, None
        path = ds_dir / "meta" / f"{name}.json"
        file = self._label(ds_dir, "meta", name)
        data = load_json(path, file)
        if not isinstance(data, dict):
            raise ValidationError(file, "must be a JSON object (the item's meta)")
        try:
            storable(data, "")
        except ValidationError as exc:
            raise in_file(file, exc) from None
        if has_info or LEGACY_MEDIA_KEY not in data:
            return data, None
        rest = {k: v for k, v in data.items() if k != LEGACY_MEDIA_KEY}
        return rest, self._legacy_link(data[LEGACY_MEDIA_KEY], file)

    def _legacy_link(self, media: Any, file: str) -> MediaLink:
        """The ``{"annoledger_media": {uri, sha256, size, width, height}}`` of 0.1."""
        if not isinstance(media, dict):
            raise field_error(file, LEGACY_MEDIA_KEY, "must be a JSON object")
        uri = text_at(media, "uri", file, LEGACY_MEDIA_KEY)
        sha = text_at(media, "sha256", file, LEGACY_MEDIA_KEY)
        size = media.get("size", 0)
        if not uri or not is_int(size) or size < 0:
            raise field_error(file, LEGACY_MEDIA_KEY, "needs a uri and a non-negative integer size")
        return MediaLink(uri, sha, size, 0, 0)

    def _media(self, ds_dir: Path, name: str, width: int, height: int,
               image: ImageInfo | None, legacy: MediaLink | None) -> MediaLink:
        found = self.media.pixels(ds_dir / "img" / name, f"{self._rel(ds_dir)}/img/{name}",
                                  width, height)
        info_file = self._label(ds_dir, "img_info", name)
        if image is not None:
            for key, value, own in (("width", image.width, width),
                                    ("height", image.height, height)):
                if value is not None and value != own:
                    raise field_error(info_file, key, f"is {value}, but the annotation's "
                                                      f"size.{key} is {own}")
        if found is not None:
            if image is not None and image.sha256 and image.sha256 != found.sha256:
                raise field_error(info_file, "hash", f"does not match the bytes of img/{name}")
            if image is not None and image.size is not None and image.size != found.size:
                raise field_error(info_file, "size", f"is {image.size}, but img/{name} has "
                                                     f"{found.size} bytes")
            return found
        if image is not None:
            size = image.size or 0
            if image.link is not None:
                return self.media.link(image.link, image.sha256, size, width, height,
                                       f"{info_file}:link")
            named = self.media.name(name, width, height, name)
            return replace(named, sha256=image.sha256, size=size)
        if legacy is not None:
            return self.media.link(legacy.uri, legacy.sha256, legacy.size, width, height,
                                   f"{self._label(ds_dir, 'meta', name)}:{LEGACY_MEDIA_KEY}.uri")
        return self.media.name(name, width, height, name)

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


def _reconcile(raw: dict[str, Any], image: ImageInfo, media: MediaLink,
               meta: dict[str, Any]) -> ImageInfo:
    """``image`` with the fields of :data:`RECONCILED` that the item does not give back
    (written from its media and meta, they would differ) kept as given in its extra."""
    written = {**media_info_json(media), "meta": meta}
    kept = {key: raw[key] for key in RECONCILED if key in raw and raw[key] != written[key]}
    return replace(image, extra={**image.extra, **kept}) if kept else image


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
