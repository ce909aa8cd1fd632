"""The application's :class:`FormatAdapters` port over the format modules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain.errors import ValidationError
from domain.state import ProjectState
from infrastructure.formats.coco import read_coco
from infrastructure.formats.supervisely import read_supervisely
from infrastructure.formats.supervisely_writer import write_supervisely

READERS = ("supervisely", "coco")
WRITERS = ("supervisely",)


class Formats:
    def read(
        self,
        fmt: str,
        path: Path,
        *,
        images: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[ProjectState, Callable[[str], str]]:
        if fmt == "supervisely":
            return read_supervisely(path, progress=progress), _supervisely_file
        if fmt == "coco":
            return read_coco(
                path, images_dir=images, progress=progress
            ), lambda item: f"{path.name}: image {item.rpartition('/')[2]}"
        raise ValidationError("format", f"unknown format '{fmt}'; expected one of {READERS}")

    def write(self, fmt: str, state: ProjectState, outdir: Path) -> None:
        if fmt != "supervisely":
            raise ValidationError("format", f"cannot export '{fmt}'; expected one of {WRITERS}")
        write_supervisely(state, outdir)


def _supervisely_file(item_path: str) -> str:
    """``parent/child/a.jpg`` -> ``parent/datasets/child/ann/a.jpg.json``."""
    *datasets, name = item_path.split("/")
    return "/datasets/".join(datasets) + f"/ann/{name}.json"
