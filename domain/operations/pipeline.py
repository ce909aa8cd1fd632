"""The augmentation pipeline: its text form, checked, and each step's values drawn per image.

A pipeline is ``;``-separated steps applied in order (``fliplr;rotate:-10..10;blur:1.5``):

=====================  =============================================================
``fliplr``, ``flipud``  mirror left-right, top-bottom
``rotate:DEG``          turn counter-clockwise by DEG degrees about the centre (size kept;
``rotate:A..B``         uncovered pixels black); ``A..B`` draws DEG per image
``resize:WxH``          scale to W x H pixels
``crop:X,Y,W,H``        keep the W x H pixels from (X, Y) (beyond the image: black)
``crop:F``              keep a fraction F of each side, at a position drawn per image
``blur:SIGMA``          Gaussian blur of standard deviation SIGMA pixels
``noise:STD``           add Gaussian noise of standard deviation STD (0-255 scale)
``brightness:F``        scale brightness by F (1 keeps it)
``contrast:F``          scale contrast by F (1 keeps it)
=====================  =============================================================

:func:`draw` turns a step into the values one image gets (every random choice taken from
the run's seeded ``random.Random``, in pipeline order), with the affine map that moves its
annotations when the step is geometric. The drawn values are recorded with each output
item, so any output can be explained and rebuilt.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ValidationError
from domain.operations.affine import Affine, flip_lr, flip_ud, rotation, scaling, translation

FIELD = "pipeline"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FORMS: dict[str, tuple[str, str]] = {
    "fliplr": ("", "fliplr"),
    "flipud": ("", "flipud"),
    "rotate": (rf"({_NUMBER})(?:\.\.({_NUMBER}))?", "rotate:DEG or rotate:A..B"),
    "resize": (r"(\d+)x(\d+)", "resize:WxH (pixels)"),
    "crop": (rf"(\d+),(\d+),(\d+),(\d+)|({_NUMBER})", "crop:X,Y,W,H (pixels) or crop:F"),
    "blur": (rf"({_NUMBER})", "blur:SIGMA"),
    "noise": (rf"({_NUMBER})", "noise:STD"),
    "brightness": (rf"({_NUMBER})", "brightness:F"),
    "contrast": (rf"({_NUMBER})", "contrast:F"),
}
KNOWN = ", ".join(_FORMS)
GEOMETRIC = frozenset({"fliplr", "flipud", "rotate", "resize", "crop"})
MAX_SIDE = 1 << 15
"""Largest side, in pixels, a resize or crop may ask for."""


@dataclass(frozen=True, slots=True)
class Step:
    """One parsed step: its name, its numbers, and its text as given (for messages)."""

    name: str
    args: tuple[float, ...]
    text: str


@dataclass(frozen=True, slots=True)
class DrawnStep:
    """What one step does to one image: its values and, for a geometric step, the map
    that moves annotations and the image size after it."""

    name: str
    values: dict[str, Any] = field(hash=False)
    size: tuple[int, int]
    move: Affine | None = None


def _bad(index: int, text: str, message: str) -> ValidationError:
    return ValidationError(FIELD, f"step {index} {text!r}: {message}")


def _check(index: int, text: str, name: str, args: tuple[float, ...]) -> None:
    """Range rules per step, named in the step's own terms."""
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise _bad(index, text, message)
    need(all(math.isfinite(a) for a in args), "numbers must be finite")
    if name == "rotate" and len(args) == 2:
        need(args[0] <= args[1], "the range A..B needs A <= B")
    elif name == "resize":
        need(all(0 < a <= MAX_SIDE for a in args), f"W and H must be 1..{MAX_SIDE}")
    elif name == "crop" and len(args) == 4:
        need(all(0 < a <= MAX_SIDE for a in args[2:]), f"W and H must be 1..{MAX_SIDE}")
    elif name == "crop":
        need(0 < args[0] <= 1, "the fraction F must be in (0, 1]")
    elif name in ("blur", "noise"):
        need(args[0] >= 0, "must not be negative")
        need(args[0] <= 1000, "must be at most 1000")
    elif name in ("brightness", "contrast"):
        need(0 <= args[0] <= 100, "the factor must be in [0, 100]")


def parse_pipeline(spec: object) -> tuple[Step, ...]:
    """The steps of a pipeline text; a :class:`ValidationError` on ``pipeline`` naming the
    first bad step (1-based) and what was expected."""
    if not isinstance(spec, str):
        raise ValidationError(FIELD, f"must be a string of ';'-separated steps; known: {KNOWN}")
    texts = [part.strip() for part in spec.split(";")]
    if texts and not texts[-1]:
        texts.pop()  # a trailing ';'
    if not texts:
        raise ValidationError(FIELD, f"is empty; known steps: {KNOWN}")
    steps = []
    for index, text in enumerate(texts, 1):
        name, _, rest = text.partition(":")
        form = _FORMS.get(name.strip().lower())
        if form is None:
            raise _bad(index, text, f"unknown step; known: {KNOWN}")
        name = name.strip().lower()
        pattern, usage = form
        match = re.fullmatch(pattern, rest.strip()) if rest or pattern == "" else None
        if match is None or (pattern == "" and rest):
            raise _bad(index, text, f"expected {usage}")
        args = tuple(float(g) for g in match.groups() if g is not None) if pattern else ()
        _check(index, text, name, args)
        steps.append(Step(name, args, text))
    return tuple(steps)


def canonical(steps: tuple[Step, ...]) -> str:
    """The pipeline as recorded: the steps' own texts, trimmed, joined by ``;``."""
    return ";".join(step.text.strip() for step in steps)


def _value(x: float) -> int | float:
    return int(x) if x.is_integer() else x


def _rotate(step: Step, rng: random.Random, w: int, h: int) -> DrawnStep:
    degrees = step.args[0] if len(step.args) == 1 else rng.uniform(*step.args)
    return DrawnStep("rotate", {"degrees": _value(degrees)}, (w, h), rotation(degrees, w, h))


def _crop(step: Step, rng: random.Random, w: int, h: int) -> DrawnStep:
    if len(step.args) == 4:
        x, y, cw, ch = (int(a) for a in step.args)
    else:
        cw, ch = max(1, round(w * step.args[0])), max(1, round(h * step.args[0]))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return DrawnStep("crop", {"x": x, "y": y, "width": cw, "height": ch}, (cw, ch),
                     translation(-x, -y))


def _resize(step: Step, rng: random.Random, w: int, h: int) -> DrawnStep:
    nw, nh = int(step.args[0]), int(step.args[1])
    return DrawnStep("resize", {"width": nw, "height": nh}, (nw, nh), scaling(nw / w, nh / h))


def _noise(step: Step, rng: random.Random, w: int, h: int) -> DrawnStep:
    return DrawnStep("noise", {"std": _value(step.args[0]), "seed": rng.getrandbits(63)},
                     (w, h))


_DRAW: dict[str, Callable[[Step, random.Random, int, int], DrawnStep]] = {
    "fliplr": lambda s, r, w, h: DrawnStep("fliplr", {}, (w, h), flip_lr(w)),
    "flipud": lambda s, r, w, h: DrawnStep("flipud", {}, (w, h), flip_ud(h)),
    "rotate": _rotate,
    "resize": _resize,
    "crop": _crop,
    "noise": _noise,
    "blur": lambda s, r, w, h: DrawnStep("blur", {"sigma": _value(s.args[0])}, (w, h)),
    "brightness": lambda s, r, w, h: DrawnStep("brightness", {"factor": _value(s.args[0])},
                                               (w, h)),
    "contrast": lambda s, r, w, h: DrawnStep("contrast", {"factor": _value(s.args[0])},
                                             (w, h)),
}


def draw(step: Step, rng: random.Random, width: int, height: int) -> DrawnStep:
    """The values ``step`` takes on an image of ``width`` x ``height`` pixels."""
    return _DRAW[step.name](step, rng, width, height)


def draw_all(steps: tuple[Step, ...], rng: random.Random, width: int,
             height: int) -> list[DrawnStep]:
    """Every step drawn in order, each on the size the previous steps leave."""
    drawn = []
    for step in steps:
        done = draw(step, rng, width, height)
        width, height = done.size
        drawn.append(done)
    return drawn


def record(drawn: list[DrawnStep]) -> list[dict[str, Any]]:
    """The drawn steps as JSON data: ``[{"step": "rotate", "degrees": 7.2}, ...]``."""
    return [{"step": d.name, **d.values} for d in drawn]
