"""An image's pixels through the drawn steps of an augmentation pipeline (Pillow, numpy).

Geometric steps resample with the inverse of the very :class:`~domain.operations.affine.
Affine` that moves the annotations (Pillow samples at pixel centres, as the maps assume),
so objects and pixels stay together. Colour steps (noise, brightness, contrast) leave an
alpha channel alone; blur, a spatial filter, blurs it with the colours.
Output is encoded deterministically: a JPEG source stays JPEG (quality 95), any other
becomes PNG, so the same input, pipeline and seed give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, UnidentifiedImageError

from domain.operations.pipeline import DrawnStep

JPEG_QUALITY = 95
_MODES = ("L", "RGB", "RGBA")


class Picture:
    """Decoded pixels and the format to write them back in."""

    __slots__ = ("image", "jpeg")

    def __init__(self, image: Image.Image, jpeg: bool) -> None:
        self.image = image
        self.jpeg = jpeg

    def encode(self) -> bytes:
        out = io.BytesIO()
        if self.jpeg:
            self.image.save(out, "JPEG", quality=JPEG_QUALITY)
        else:
            self.image.save(out, "PNG")
        return out.getvalue()


def decode(data: bytes) -> Picture:
    """Pixels of image bytes in L, RGB or RGBA; ValueError when they are no image."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            jpeg = opened.format == "JPEG"
            opened.load()
            image = opened
            if image.mode not in _MODES:
                alpha = "A" in image.getbands() or "transparency" in image.info
                image = image.convert("RGBA" if alpha else "RGB")
            else:
                image = image.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({exc})") from None
    return Picture(image, jpeg and image.mode != "RGBA")


def size_of(data: bytes) -> tuple[int, int]:
    """Width and height from the image's header alone; ValueError when it is no image."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            return opened.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({exc})") from None


def _photometric(change: Callable[[Image.Image], Image.Image]) -> Callable[
        [Image.Image, DrawnStep], Image.Image]:
    """A colour change applied to the colour bands only (alpha kept)."""
    def apply(image: Image.Image, step: DrawnStep) -> Image.Image:
        if image.mode != "RGBA":
            return change(image)
        alpha = image.getchannel("A")
        out = change(image.convert("RGB"))
        out.putalpha(alpha)
        return out
    return apply


def _rotate(image: Image.Image, step: DrawnStep) -> Image.Image:
    assert step.move is not None
    return image.transform(step.size, Image.Transform.AFFINE, tuple(step.move.inverse()),
                           resample=Image.Resampling.BILINEAR, fillcolor=0)


def _crop(image: Image.Image, step: DrawnStep) -> Image.Image:
    v = step.values
    return image.crop((v["x"], v["y"], v["x"] + v["width"], v["y"] + v["height"]))


def _noise(image: Image.Image, step: DrawnStep) -> Image.Image:
    def add(rgb: Image.Image) -> Image.Image:
        pixels = np.asarray(rgb, dtype=np.float32)
        rng = np.random.default_rng(step.values["seed"])
        noisy = pixels + rng.normal(0.0, step.values["std"], pixels.shape).astype(np.float32)
        return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8), rgb.mode)
    return _photometric(add)(image, step)


def _blur(image: Image.Image, step: DrawnStep) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(step.values["sigma"]))


def _enhance(kind: Callable[[Image.Image], Any]) -> Callable[[Image.Image, DrawnStep],
                                                             Image.Image]:
    def apply(image: Image.Image, step: DrawnStep) -> Image.Image:
        factor = step.values["factor"]
        return _photometric(lambda rgb: kind(rgb).enhance(factor))(image, step)
    return apply


_APPLY: dict[str, Callable[[Image.Image, DrawnStep], Image.Image]] = {
    "fliplr": lambda image, step: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "flipud": lambda image, step: image.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "rotate": _rotate,
    "resize": lambda image, step: image.resize(step.size, Image.Resampling.BILINEAR),
    "crop": _crop,
    "blur": _blur,
    "noise": _noise,
    "brightness": _enhance(ImageEnhance.Brightness),
    "contrast": _enhance(ImageEnhance.Contrast),
}


def apply(picture: Picture, steps: Sequence[DrawnStep]) -> Picture:
    """The picture after every step, in order."""
    image = picture.image
    for step in steps:
        image = _APPLY[step.name](image, step)
    return Picture(image, picture.jpeg)
