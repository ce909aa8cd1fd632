"""Affine maps of the image plane, the one description of every geometric augmentation step.

Coordinates are continuous, as in :mod:`domain.geometry.measure`: pixel ``(x, y)`` is the
unit square ``[x, x+1) x [y, y+1)``, y points down. The same map moves the vector
geometries and, inverted, tells the pixel resampler where each output pixel's centre
comes from, so pixels and annotations can never drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

Point = tuple[float, float]


class Affine(NamedTuple):
    """``x' = a x + b y + c``, ``y' = d x + e y + f``."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    def apply(self, x: float, y: float) -> Point:
        return self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f

    def apply_all(self, points: Iterable[Point]) -> list[Point]:
        a, b, c, d, e, f = self
        return [(a * x + b * y + c, d * x + e * y + f) for x, y in points]

    def then(self, after: Affine) -> Affine:
        """This map followed by ``after``."""
        a, b, c, d, e, f = after
        return Affine(
            a * self.a + b * self.d, a * self.b + b * self.e, a * self.c + b * self.f + c,
            d * self.a + e * self.d, d * self.b + e * self.e, d * self.c + e * self.f + f,
        )

    def inverse(self) -> Affine:
        det = self.a * self.e - self.b * self.d
        if det == 0:
            raise ValueError("a degenerate affine map has no inverse")
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return Affine(a, b, -(a * self.c + b * self.f), d, e, -(d * self.c + e * self.f))

    @property
    def mirrors(self) -> bool:
        """Whether the map reverses orientation (a flip): turning angles change sign."""
        return self.a * self.e - self.b * self.d < 0

    @property
    def turn(self) -> float:
        """Angle in radians, clockwise on screen, by which the map turns the x axis."""
        return math.atan2(self.d, self.a)


IDENTITY = Affine(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def translation(dx: float, dy: float) -> Affine:
    return Affine(1.0, 0.0, dx, 0.0, 1.0, dy)


def scaling(sx: float, sy: float) -> Affine:
    return Affine(sx, 0.0, 0.0, 0.0, sy, 0.0)


def flip_lr(width: float) -> Affine:
    """Mirror about the vertical centre line: ``x -> width - x`` (Supervisely's fliplr)."""
    return Affine(-1.0, 0.0, width, 0.0, 1.0, 0.0)


def flip_ud(height: float) -> Affine:
    """Mirror about the horizontal centre line: ``y -> height - y``."""
    return Affine(1.0, 0.0, 0.0, 0.0, -1.0, height)


def rotation(degrees: float, width: float, height: float) -> Affine:
    """Turn by ``degrees`` counter-clockwise on screen about the image centre, as
    Pillow's ``Image.rotate`` and OpenCV's ``getRotationMatrix2D`` do."""
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    if degrees % 90 == 0:  # exact quarter turns, so 4 x 90 is the identity to the bit
        cos, sin = float(round(cos)), float(round(sin))
    cx, cy = width / 2, height / 2
    # y down: counter-clockwise on screen is (x, y) -> (x cos + y sin, -x sin + y cos)
    return Affine(cos, sin, cx - cx * cos - cy * sin, -sin, cos, cy + cx * sin - cy * cos)
