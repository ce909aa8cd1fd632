"""Augmented items: names, formats, masks and ``any`` classes, on pixels made here."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

from application.operations.augment import augment
from domain.item import check_annotation
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass
from infrastructure.imaging import bitmaps
from tests.fake_media import FakeMedia, run_input


def _png(width: int, height: int) -> bytes:
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., 0] = np.arange(width, dtype=np.uint8)[None, :]
    rgba[..., 3] = 255
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    return out.getvalue()


def _state(media: FakeMedia, *names: str) -> ProjectState:
    data = _png(80, 60)
    sha = hashlib.sha256(data).hexdigest()
    media.blobs[sha] = data
    link = MediaLink(f"annoledger:media:{sha}", sha, len(data), 80, 60)
    classes = {1: ObjectClass(1, "thing", "any"), 2: ObjectClass(2, "mask", "alpha_mask")}
    mask = np.zeros((10, 12), dtype=np.uint8)
    mask[:, :6] = 90
    mask[:, 6:] = 255
    objects = (
        AnnotationObject(1, 1, {"points": {"exterior": [[10, 10], [30, 20]], "interior": []},
                                "geometryType": "rectangle"}),
        AnnotationObject(2, 2, bitmaps.encode("alpha_mask", (60, 40), mask)),
    )
    meta = MetaState("p", classes, {}, {1: Dataset(1, "ds")})
    return ProjectState(meta, {(1, n): ItemState(1, n, link, objects=objects) for n in names})


def test_png_items_stay_png_with_unique_names_and_moved_masks() -> None:
    media = FakeMedia()
    state = _state(media, "shot.png", "shot__aug1.png", "raw")
    out = augment(run_input(state, media), {"pipeline": "fliplr;resize:40x30", "copies": 2})
    assert {name for _, name in out.items} == {
        "raw", "raw__aug1.png", "raw__aug2.png", "shot.png", "shot__aug1.png",
        "shot__aug1__aug1.png", "shot__aug1__aug2.png", "shot__aug1-2.png", "shot__aug2.png"}
    made = out.items[(1, "shot__aug1-2.png")]
    assert made.info is not None and made.info.meta["augmentation"]["source"] == "ds/shot.png"
    check_annotation(out.meta, made)
    box, alpha = made.objects
    assert box.geometry == {"points": {"exterior": [[25, 5], [35, 10]], "interior": []},
                            "geometryType": "rectangle"}
    origin, values = bitmaps.decode("alpha_mask", alpha.geometry)
    assert origin == (4, 20) and values.shape == (5, 6)
    assert set(np.unique(values)) == {90, 255} and (values[:, :3] == 255).all()
    with Image.open(io.BytesIO(media.blobs[made.media.sha256])) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (40, 30))
