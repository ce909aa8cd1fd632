"""Real Supervisely projects in the layout written before the current one, made writable.

The fixtures hold annotations and meta only (their photos are large); ``old_project``
can put a stand-in image of the annotated size beside each annotation, named as the
original photos are (``img/<stem>.jpeg``), so that annotations are matched by stem.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from tests.conftest import FIXTURES

OLD_LAYOUT = FIXTURES / "supervisely_old_layout"
AUGMENTATIONS = OLD_LAYOUT / "augmentations"
"""String tags, ``"bitmap": null`` and empty ``points`` beside bitmaps; same stems in
both datasets."""
PROJECT_STRUCTURE = OLD_LAYOUT / "project_structure"
"""Tags without a value as ``{"name": ...}``; photos named ``<stem>.jpeg``."""


def old_project(tmp_path: Path, source: Path, *, images: bool = True) -> Path:
    """A writable copy of ``source``, with stand-in images when ``images``."""
    copy = tmp_path / source.name
    shutil.copytree(source, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    if images:
        for shade, ann in enumerate(sorted(copy.glob("*/ann/*.json"))):
            size = json.loads(ann.read_text())["size"]
            img = ann.parent.parent / "img"
            img.mkdir(exist_ok=True)
            pixels = Image.new("L", (size["width"], size["height"]), 40 + 20 * shade)
            pixels.save(img / f"{ann.name[: -len('.json')]}.jpeg")
    return copy


def edit_json(path: Path, change: Callable[[Any], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
