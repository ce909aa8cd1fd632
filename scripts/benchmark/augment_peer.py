"""The augmentation peer: the same steps written by hand with Pillow, as a training script
does without annoledger.

Each image is opened with Pillow and converted to RGB once, then, for each copy, the
steps of the spec are applied with Pillow (numpy for noise) and the result is encoded as
JPEG at quality 95, the quality annoledger writes. The encoded bytes stay in memory: the
peer writes no file and moves no annotation. Random values (rotation angles, crop
offsets, noise) come from a generator seeded like annoledger's runs, so both sides do
the same amount of work per image.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from scripts.benchmark.measure import Timer

SEED = 1
JPEG_QUALITY = 95


def _hand_step(image: Image.Image, rng: random.Random, name: str, arg: str) -> Image.Image:
    """One step as a training script would write it with Pillow."""
    if name in ("fliplr", "flipud"):
        return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT if name == "fliplr"
                               else Image.Transpose.FLIP_TOP_BOTTOM)
    if name == "rotate":
        low, _, high = arg.partition("..")
        degrees = rng.uniform(float(low), float(high)) if high else float(low)
        return image.rotate(degrees, Image.Resampling.BILINEAR)
    if name == "resize":
        w, h = (int(v) for v in arg.split("x"))
        return image.resize((w, h), Image.Resampling.BILINEAR)
    if name == "crop" and "," in arg:
        x, y, w, h = (int(v) for v in arg.split(","))
        return image.crop((x, y, x + w, y + h))
    if name == "crop":
        cw = max(1, round(image.width * float(arg)))
        ch = max(1, round(image.height * float(arg)))
        x, y = rng.randint(0, image.width - cw), rng.randint(0, image.height - ch)
        return image.crop((x, y, x + cw, y + ch))
    if name == "blur":
        return image.filter(ImageFilter.GaussianBlur(float(arg)))
    if name == "noise":
        pixels = np.asarray(image, dtype=np.float32)
        pixels += np.random.default_rng(rng.getrandbits(63)).normal(
            0.0, float(arg), pixels.shape).astype(np.float32)
        return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), image.mode)
    if name == "brightness":
        return ImageEnhance.Brightness(image).enhance(float(arg))
    if name == "contrast":
        return ImageEnhance.Contrast(image).enhance(float(arg))
    raise ValueError(f"step {name!r} is not known to the hand-written peer")


def pillow_seconds(images: list[Path], spec: str, copies: int) -> tuple[float, int]:
    """Seconds for the hand-written loop over ``images``, ``copies`` outputs per image,
    and the number of images it made."""
    steps = [text.strip().partition(":") for text in spec.split(";") if text.strip()]
    rng, out = random.Random(SEED), []
    with Timer() as t:
        for path in images:
            with Image.open(path) as opened:
                source = opened.convert("RGB")
            for _ in range(copies):
                image = source
                for name, _, arg in steps:
                    image = _hand_step(image, rng, name, arg)
                buffer = io.BytesIO()
                image.save(buffer, "JPEG", quality=JPEG_QUALITY)
                out.append(buffer.getvalue())
    return t.seconds, len(out)
