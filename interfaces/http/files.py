"""Project files over HTTP: a Supervisely export as a zip, an uploaded zip unpacked safely.

Unpacking refuses absolute paths, ``..``, links, too many entries and too many bytes
(zip bombs), naming the offending entry.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from uuid import UUID

from application.app import AnnoLedger
from application.views import ImportResult
from domain.errors import ValidationError
from domain.values import Context

MAX_ENTRIES = 100_000
MAX_UNPACKED = 2 << 30


def export_zip(ledger: AnnoLedger, project_id: UUID, ref: int | str,
               media: bool) -> tuple[Path, Callable[[], None]]:
    """Write the state at ``ref`` as a Supervisely project zip; returns it and its cleanup."""
    workdir = Path(tempfile.mkdtemp(prefix="annoledger-export-"))
    cleanup = lambda: shutil.rmtree(workdir, ignore_errors=True)  # noqa: E731
    try:
        name = ledger.project_view(project_id).name
        label = f"{name}-v{ref}" if ref != "current" else name
        root = workdir / label
        ledger.export_files("supervisely", project_id, root, ref)
        archive = workdir / f"{label}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                if path.is_symlink() and not media:
                    continue
                if path.is_file():
                    zf.write(path, (Path(label) / path.relative_to(root)).as_posix())
        return archive, cleanup
    except BaseException:
        cleanup()
        raise


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


def import_upload(ledger: AnnoLedger, fmt: str, data: BinaryIO, filename: str,
                  ctx: Context, *, name: str | None = None, into: UUID | None = None,
                  ) -> ImportResult:
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
        return ledger.import_files(fmt, path, ctx, name=None if into else chosen, into=into)
