"""The application's :class:`FormatAdapters` port over the format modules.

Media links follow :class:`infrastructure.media_access.MediaAccess`: files read from this
machine's folders (``uploaded=False``, the operator's CLI import) link local files that
stay inside the folders read; uploaded files (``uploaded=True``) put their images into the
media store and keep only allowed links. Exports link only files the access allows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain.errors import ValidationError
from domain.state import ProjectState, StateStream
from infrastructure.formats.coco import read_coco
from infrastructure.formats.media_sources import (
    MediaSource,
    OperatorFolder,
    UploadedFiles,
    coco_files,
)
from infrastructure.formats.supervisely import read_supervisely_located
from infrastructure.formats.supervisely_writer import write_supervisely
from infrastructure.media_access import MediaAccess

READERS = ("supervisely", "coco")
WRITERS = ("supervisely", "coco", "yolo", "yolo-segment", "voc")


class Formats:
    def __init__(self, access: MediaAccess | None = None) -> None:
        self.access = access or MediaAccess()

    def read(
        self,
        fmt: str,
        path: Path,
        *,
        images: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
        uploaded: bool = False,
        may_link_stored: Callable[[str], bool] | None = None,
    ) -> tuple[ProjectState, Callable[[str], str]]:
        if fmt == "supervisely":
            media: MediaSource = (UploadedFiles(path, self.access, may_link_stored) if uploaded
                                  else OperatorFolder((path,), access=self.access))
            return read_supervisely_located(path, progress=progress, media=media)
        if fmt == "coco":
            media = (UploadedFiles(path.parent, self.access, may_link_stored) if uploaded
                     else coco_files(self.access, path, images))
            return read_coco(
                path, images_dir=None if uploaded else images, progress=progress, media=media
            ), lambda item: f"{path.name}: image {item.rpartition('/')[2]}"
        raise ValidationError("format", f"unknown format '{fmt}'; expected one of {READERS}")

    def write(self, fmt: str, state: ProjectState | StateStream, outdir: Path,
              progress: Callable[[int, int], None] | None = None) -> None:
        if fmt not in WRITERS:
            raise ValidationError("format", f"cannot export '{fmt}'; expected one of {WRITERS}")
        if fmt != "supervisely":
            from infrastructure.formats.training import write_training

            return write_training(fmt, state, outdir, self.access.readable, progress)
        write_supervisely(state, outdir, self.access.readable, progress)
