"""Augmentation on real images: annoledger beside the same steps written by hand.

The real Supervisely export's images (six JPEGs from 640x480 to 2000x2000, with their
real annotations: rectangles, polygons, lines, points, a cuboid) are imported once,
untimed, into a database of their own, their files linked where they lie (a media root,
never copied). Then, taking turns, each of three contenders makes ``copies`` augmented
images per image with the same pipeline:

- **ours, through the service**: ``ledger.operations.run(project, "augment", ...)``
  into a new project, originals left out (``replace``): the version read, pixels
  decoded, transformed and encoded, every annotation moved with them, the new images put
  into the content-addressed media store, the new project and its session written;
- **ours, the pixel path**: the ``augment`` operation alone on the same state in memory
  (images read from the same files; what it stores is kept in memory, addressed by
  sha256), so the difference from the service is the cost of recording;
- **hand-written Pillow** (:mod:`scripts.benchmark.augment_peer`): images only, in
  memory, no annotations.

Each keeps its best of ``rounds`` times (the least disturbed by other work on a shared
machine), after one untimed warm-up of each that loads the libraries.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from application.operations.spec import MediaTools
from domain.state import ItemState, ProjectState
from domain.values import MediaLink
from scripts.benchmark.augment_peer import pillow_seconds
from scripts.benchmark.cli import settings_env
from scripts.benchmark.measure import bar
from scripts.benchmark.ours import Ours

SOURCE = "real images"


class InMemoryStore:
    """Reads an item's bytes as the ledger does; keeps what is stored in memory."""

    def __init__(self, reader: MediaTools) -> None:
        self.reader = reader
        self.stored: dict[str, bytes] = {}

    def read(self, item: ItemState) -> bytes | None:
        return self.reader.read(item)

    def store(self, data: bytes, width: int, height: int) -> MediaLink:
        sha = hashlib.sha256(data).hexdigest()
        self.stored[sha] = data
        return MediaLink(f"memory:{sha}", sha, len(data), width, height)


def image_files(state: ProjectState) -> list[Path]:
    """The files the items link, in the order the operation reads them."""
    return [Path(url2pathname(urlparse(item.media.uri).path)) for item in state.iter_items()]


def run_augmentation(workdir: Path, images: Path, spec: str, copies: int,
                     rounds: int) -> dict[str, Any]:
    """Images per second of each contender on the Supervisely project at ``images``
    (database and media store under ``workdir``, which the run removes unless kept)."""
    work = workdir / "augment"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    params = {"pipeline": spec, "copies": copies, "replace": True}
    ours = Ours(settings_env(work / "ours.db", work / "media", [images]))
    try:
        _, project = ours.import_files(images, SOURCE)
        state = ours.ledger.versions.state_of(project, "current")
        files = image_files(state)
        made = len(files) * copies
        best = {"service": math.inf, "pixels": math.inf, "pillow": math.inf}
        with bar(f"augment: {len(files)} real images x {copies} copies, "
                 f"{rounds} rounds", rounds + 1) as advance:
            for turn in range(rounds + 1):  # turn 0 warms up
                pillow_s, pillow_made = pillow_seconds(files, spec, copies)
                memory = InMemoryStore(ours.ledger.operations.media)
                pixels_s, derived = ours.derive(state, "augment", params, memory)
                service_s, result = ours.operate(project, "augment", params,
                                                 f"{SOURCE} · augment {turn}")
                if not pillow_made == len(derived.items) == result.items == made:
                    raise RuntimeError(f"augment made {pillow_made} (Pillow), "
                                       f"{len(derived.items)} (pixel path), {result.items} "
                                       f"(service) images; expected {made}")
                if turn:
                    best = {"service": min(best["service"], service_s),
                            "pixels": min(best["pixels"], pixels_s),
                            "pillow": min(best["pillow"], pillow_s)}
                advance(1)
    finally:
        ours.close()
    sizes = [f"{f.name} {i.media.width}x{i.media.height}"
             for f, i in zip(files, state.iter_items(), strict=True)]
    out: dict[str, Any] = {"spec": spec, "copies": copies, "rounds": rounds,
                           "source_images": sizes, "images": made,
                           "objects_moved": result.objects}
    for who, seconds in best.items():
        out[who] = {"s": seconds, "images_per_s": made / seconds,
                    "vs_pillow": best["pillow"] / seconds}
    out["recording_ms_per_image"] = (best["service"] - best["pixels"]) / made * 1000
    return out
