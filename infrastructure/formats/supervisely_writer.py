"""Write a ProjectState as a Supervisely images project.

Layout, as Supervisely's SDK writes a downloaded project: ``meta.json``; per dataset (a
nested one under ``<parent>/datasets/<child>/``) ``ann/<item>.json``,
``img_info/<item>.json`` (the platform's ImageInfo: the item's link, its ``hash`` as
base64 of the sha256, size, width, height, ids and times, and every field imported and
not modelled), ``meta/<item>.json`` (the item's own meta dict, written only when it is
not empty, as the SDK does) and ``img/<item>``, a symlink to the media file when
``readable`` allows one for the link (the media store, a configured media root: see
``infrastructure.media_access``): media are linked, never copied, and any other link is
written as its URI only, never read. Objects of ``any`` classes carry their
shape in ``geometry["geometryType"]``; it becomes the object's ``geometryType``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.supervisely_json import annotation_json, image_info_json, meta_json
from domain.values import MediaLink

Readable = Callable[[MediaLink], Path | None]
"""The file whose bytes an export may link for a media link, or None."""


def write_supervisely(state: ProjectState, outdir: Path, readable: Readable | None = None) -> None:
    """Write ``state`` into ``outdir``, which must not exist or be empty; ``img/`` links
    only the files ``readable`` names (none without it)."""
    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ValidationError("outdir", f"{outdir} exists and is not an empty directory")
    meta = state.meta
    dirs = _dataset_dirs(meta)
    prepared: list[tuple[ItemState, Path, dict[str, Any]]] = []
    for item in state.iter_items():
        field = f"items[{state.item_path(item)}]"
        _check_name(item.name, f"{field}.name")
        if item.dataset_id not in dirs:
            raise ValidationError(f"{field}.dataset_id", f"unknown dataset {item.dataset_id}")
        try:
            ann = annotation_json(meta, item)
        except ValidationError as exc:
            raise exc.within(field) from None
        prepared.append((item, dirs[item.dataset_id], ann))
    outdir.mkdir(parents=True, exist_ok=True)
    _dump(outdir / "meta.json", meta_json(meta))
    for rel in dirs.values():
        for sub in ("ann", "img", "img_info"):
            (outdir / rel / sub).mkdir(parents=True, exist_ok=True)
    for item, rel, ann in prepared:
        ds_dir = outdir / rel
        _dump(ds_dir / "ann" / f"{item.name}.json", ann)
        _dump(ds_dir / "img_info" / f"{item.name}.json", image_info_json(item))
        if item.info is not None and item.info.meta:
            (ds_dir / "meta").mkdir(exist_ok=True)
            _dump(ds_dir / "meta" / f"{item.name}.json", item.info.meta)
        media = item.media
        source = readable(media) if readable is not None else None
        if source is not None:
            os.symlink(source, ds_dir / "img" / item.name)


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def _check_name(name: str, field: str) -> None:
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise ValidationError(field, f"{name!r} cannot be a file name")


def _dataset_dirs(meta: MetaState) -> dict[int, Path]:
    """Folder of each dataset relative to the project folder."""
    dirs: dict[int, Path] = {}

    def resolve(ds_id: int, depth: int) -> Path:
        if ds_id in dirs:
            return dirs[ds_id]
        if ds_id not in meta.datasets or depth > len(meta.datasets):
            raise ValidationError(f"datasets[{ds_id}]", "unknown or cyclic dataset")
        ds = meta.datasets[ds_id]
        _check_name(ds.name, f"datasets[{ds_id}].name")
        if ds.name == "ann":
            raise ValidationError(f"datasets[{ds_id}].name", "'ann' is reserved")
        if ds.parent_id is None:
            path = Path(ds.name)
        else:
            path = resolve(ds.parent_id, depth + 1) / "datasets" / ds.name
        dirs[ds_id] = path
        return path

    for ds_id in sorted(meta.datasets):
        resolve(ds_id, 0)
    return dirs
