"""Write a project's state as a Supervisely images project.

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

Items arrive in batches (:class:`~domain.state.StateStream`) and are written as they
come, so a project of any size is never held in memory whole. While one batch's files
are created by a second thread (the system calls release the interpreter; creating a
file is where a busy disk makes an export wait), the next batch is read and encoded.
The files go to a hidden
folder beside ``outdir``, renamed to ``outdir`` once every item is written: an item that
cannot be written (a name no file can have, an object of an unknown class) leaves
nothing behind. JSON files hold one line each (as before: what a line-based diff of two
exports shows does not change), encoded by orjson.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState, StateStream
from domain.supervisely_json import annotation_json, image_info_json, meta_json
from domain.values import MediaLink
from infrastructure.formats.files import json_bytes, write_new

Readable = Callable[[MediaLink], Path | None]
"""The file whose bytes an export may link for a media link, or None."""
Progress = Callable[[int, int], None]
File = tuple[str, bytes | Path]
"""A file to create: its path, and its bytes or the file it links to."""


def write_supervisely(state: ProjectState | StateStream, outdir: Path,
                      readable: Readable | None = None,
                      progress: Progress | None = None) -> None:
    """Write ``state`` into ``outdir``, which must not exist or be empty; ``img/`` links
    only the files ``readable`` names (none without it). ``progress(done, total)`` is
    called after each batch."""
    stream = state if isinstance(state, StateStream) else StateStream.of(state)
    target = _target(Path(outdir))
    dirs = _dataset_dirs(stream.meta)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.{secrets.token_hex(6)}.partial"
    work.mkdir()  # the umask's permissions, as the folder written in place had
    pending: Future[None] | None = None
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="export-files") as files:
            writer = _Writer(stream.meta, work, dirs, readable)
            done = 0
            for batch in stream.batches:
                encoded = [f for item in batch for f in writer.item(item)]
                if pending is not None:
                    pending.result()
                pending = files.submit(_create, encoded)
                done += len(batch)
                if progress is not None:
                    progress(done, stream.total)
            if pending is not None:
                pending.result()
        os.rename(work, target)  # onto an empty folder too (POSIX rename(2))
    except BaseException:
        if pending is not None:
            pending.cancel()
        shutil.rmtree(work, ignore_errors=True)
        raise


def _create(files: list[File]) -> None:
    for path, content in files:
        if isinstance(content, bytes):
            write_new(path, content)
        else:
            os.symlink(content, path)


def _target(outdir: Path) -> Path:
    """The folder to create: ``outdir``, or where it leads when it is a link."""
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ValidationError("outdir", f"{outdir} exists and is not an empty directory")
    return outdir.resolve() if outdir.is_symlink() else outdir.absolute()


class _Writer:
    """Writes items' files under a project folder whose datasets' folders it makes."""

    def __init__(self, meta: MetaState, root: Path, dirs: dict[int, Path],
                 readable: Readable | None) -> None:
        self.meta = meta
        self.readable = readable
        self.folders: dict[int, str] = {}
        write_new(root / "meta.json", json_bytes(meta_json(meta)))
        for ds_id, rel in dirs.items():
            folder = root / rel
            for sub in ("ann", "img", "img_info"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            self.folders[ds_id] = f"{folder}{os.sep}"
        self.meta_dirs: set[int] = set()

    def item(self, item: ItemState) -> list[File]:
        """The files of ``item``, encoded (its folders made)."""
        meta = self.meta
        folder = self.folders.get(item.dataset_id)
        try:
            _check_name(item.name, "name")
            if folder is None:
                raise ValidationError("dataset_id", f"unknown dataset {item.dataset_id}")
            ann = annotation_json(meta, item)
        except ValidationError as exc:  # named only then: most items are written as they are
            where = f"{meta.dataset_path(item.dataset_id)}/{item.name}" \
                if folder is not None else item.name
            raise exc.within(f"items[{where}]") from None
        name = item.name  # paths as strings: pathlib's parsing would cost more than the write
        files: list[File] = [
            (f"{folder}ann{os.sep}{name}.json", json_bytes(ann)),
            (f"{folder}img_info{os.sep}{name}.json", json_bytes(image_info_json(item))),
        ]
        if item.info is not None and item.info.meta:
            if item.dataset_id not in self.meta_dirs:
                os.makedirs(f"{folder}meta", exist_ok=True)
                self.meta_dirs.add(item.dataset_id)
            files.append((f"{folder}meta{os.sep}{name}.json", json_bytes(item.info.meta)))
        source = self.readable(item.media) if self.readable is not None else None
        if source is not None:
            files.append((f"{folder}img{os.sep}{name}", source))
        return files


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
