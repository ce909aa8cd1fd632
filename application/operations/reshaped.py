"""Objects given new geometries by the pixel and geometry operations (augment, convert,
rasterize): what shape an object is, and one object becoming none, one or several.

An object that becomes several (a line cut by the image border, a mask of several parts
traced to polygons) keeps its id, tags and times on the first; the others get ids after
the largest the item holds, so ids stay unique within the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from domain.rules import ANY_SHAPE_KEY
from domain.values import AnnotationObject


def bare(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry without the shape an ``any`` class's object carries."""
    if ANY_SHAPE_KEY not in geometry:
        return geometry
    return {k: v for k, v in geometry.items() if k != ANY_SHAPE_KEY}


class Renumbered:
    """Builds an item's new object list, handing out fresh ids to the extra pieces."""

    def __init__(self, objects: Iterable[AnnotationObject]) -> None:
        self._next = max((o.id for o in objects), default=0) + 1
        self.objects: list[AnnotationObject] = []

    def add(self, obj: AnnotationObject, geometries: Sequence[dict[str, Any]],
            carried_shape: str | None = None) -> None:
        """``obj`` as ``geometries`` (none: dropped); ``carried_shape`` is set on each
        geometry for an object of an ``any`` class."""
        for index, geometry in enumerate(geometries):
            if carried_shape is not None:
                geometry = {**geometry, ANY_SHAPE_KEY: carried_shape}
            if index == 0:
                self.objects.append(replace(obj, geometry=geometry))
            else:
                self.objects.append(replace(obj, id=self._next, geometry=geometry))
                self._next += 1
