"""An in-memory media store for operations that change pixels, and a state to run them on."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

from PIL import Image

from application.core.progress import no_progress
from application.operations.spec import OperationInput
from domain.state import ItemState, ProjectState
from domain.values import MediaLink
from infrastructure.formats.supervisely import read_supervisely
from infrastructure.imaging.adapter import PillowImaging

DEMO = Path(__file__).resolve().parent.parent / "infrastructure" / "demo_data" / \
    "real_export_vector"


class FakeMedia:
    """Reads local ``file://`` links and what it stored; stores by sha256, as the store does."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.reads: list[str] = []

    def read(self, item: ItemState) -> bytes | None:
        self.reads.append(item.name)
        uri = item.media.uri
        if uri.startswith("file://"):
            path = Path(uri.removeprefix("file://"))
            return path.read_bytes() if path.is_file() else None
        return self.blobs.get(item.media.sha256)

    def store(self, data: bytes, width: int, height: int) -> MediaLink:
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (width, height), "stored pixels differ from the size given"
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return MediaLink(f"annoledger:media:{sha}", sha, len(data), width, height)


def demo_state() -> ProjectState:
    """The real Supervisely export shipped with the product, images linked as local files."""
    return read_supervisely(DEMO)


def run_input(state: ProjectState, media: FakeMedia, seed: int = 7) -> OperationInput:
    return OperationInput(state, random.Random(seed), media, PillowImaging(), no_progress)
