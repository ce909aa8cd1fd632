"""Project files over HTTP: a Supervisely export as a zip, an uploaded zip unpacked safely.

Unpacking refuses absolute paths, ``..``, links, too many entries and too many bytes
(zip bombs), naming the offending entry. Uploaded images go into the media store (the
unpacked folder is deleted after the request). The export zip includes an image only when
its link's file is allowed again as it is written (the media store, a media root; never
a symlink out of them), opened without following a last link.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from uuid import UUID

from application import ImportResult, Ledger
from domain.errors import ValidationError
from domain.values import Context
from interfaces.http.download_names import folder_label

MAX_ENTRIES = 100_000
MAX_UNPACKED = 2 << 30
CHUNK = 1 << 20


def export_zip(ledger: Ledger, project_id: UUID, ref: int | str,
               media: bool) -> tuple[Path, Callable[[], None]]:
    """Write the state at ``ref`` as a Supervisely project zip; returns it and its cleanup."""
    workdir = Path(tempfile.mkdtemp(prefix="annoledger-export-"))
    cleanup = lambda: shutil.rmtree(workdir, ignore_errors=True)  # noqa: E731
    try:
        label = folder_label(ledger.projects.view(project_id).name, ref)
        root = workdir / "project"  # a fixed name: the label only names what the zip holds
        ledger.exports.to_files("supervisely", project_id, root, ref)
        archive = workdir / f"{label}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                arcname = (Path(label) / path.relative_to(root)).as_posix()
                if path.is_symlink():
                    if media:
                        _write_media(ledger, zf, path, arcname)
                elif path.is_file():
                    zf.write(path, arcname)
        return archive, cleanup
    except OSError as exc:
        cleanup()
        if exc.errno != errno.ENAMETOOLONG:
            raise
        where = Path(str(exc.filename or "")).name or "name"
        raise ValidationError(where, "too long for a file name in the export") from None
    except BaseException:
        cleanup()
        raise


def _write_media(ledger: Ledger, zf: zipfile.ZipFile, link: Path, arcname: str) -> None:
    """Add the file ``link`` points to, if an export may read it; else leave it out."""
    target = ledger.media.exportable(link)
    if target is None:
        return
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    with os.fdopen(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return
        with zf.open(arcname, "w", force_zip64=True) as out:
            shutil.copyfileobj(source, out, CHUNK)


def unpack_zip(data: BinaryIO, dest: Path) -> Path:
    """Unpack an uploaded zip into ``dest``; returns the folder holding ``meta.json``."""
    try:
        zf = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError("file", "not a zip archive") from None
    with zf:
        entries = zf.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ValidationError("file", f"more than {MAX_ENTRIES} entries")
        if sum(e.file_size for e in entries) > MAX_UNPACKED:
            raise ValidationError("file", f"unpacks to more than {MAX_UNPACKED} bytes")
        for e in entries:
            path = PurePosixPath(e.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in e.filename \
                    or (e.external_attr >> 28) == 0xA:
                raise ValidationError(f"file:{e.filename}", "unsafe path or link in the zip")
        try:
            zf.extractall(dest)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ValidationError("file", f"cannot unpack: {exc}") from None
    metas = sorted(dest.rglob("meta.json"), key=lambda p: len(p.parts))
    if not metas:
        raise ValidationError("file", "no meta.json: not a Supervisely project")
    return metas[0].parent


def import_upload(ledger: Ledger, fmt: str, data: BinaryIO, filename: str,
                  ctx: Context, *, name: str | None = None, into: UUID | None = None,
                  may_link_stored: Callable[[str], bool] | None = None) -> ImportResult:
    """Import an uploaded Supervisely zip or COCO JSON: a new project, or a sync ``into``."""
    with tempfile.TemporaryDirectory(prefix="annoledger-import-") as tmp:
        workdir = Path(tmp)
        if fmt == "supervisely":
            path = unpack_zip(data, workdir / "upload")
        else:
            path = workdir / "instances.json"
            with path.open("wb") as out:
                shutil.copyfileobj(data, out)
        stem = PurePosixPath(filename or "").stem or "imported"
        chosen = name or stem
        if "\x00" in chosen or not chosen.isprintable():
            raise ValidationError("name", "may not contain control characters")
        return ledger.imports.from_upload(fmt, path, ctx, name=None if into else chosen, into=into,
                                      may_link_stored=may_link_stored)
