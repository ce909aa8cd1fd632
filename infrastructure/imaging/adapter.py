"""The application's ``Imaging`` port on Pillow, numpy and OpenCV.

The image libraries load on the first call, not with this module: the composition root
builds the adapter for every data operation, and the runs that never touch pixels
(split, merge, subsample, filter, rename-classes) should not pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.ports import EncodedPicture
from domain.operations.affine import Affine
from domain.operations.moves import Geometry
from domain.operations.pipeline import DrawnStep

if TYPE_CHECKING:
    from infrastructure.imaging.pixels import Picture
    from infrastructure.imaging.raster import Placed


class PillowImaging:
    """Pixels with Pillow, masks with numpy, outlines with OpenCV."""

    def size_of(self, data: bytes) -> tuple[int, int]:
        from infrastructure.imaging import pixels

        return pixels.size_of(data)

    def decode(self, data: bytes) -> Picture:
        from infrastructure.imaging import pixels

        return pixels.decode(data)

    def size(self, picture: Picture) -> tuple[int, int]:
        return picture.image.size

    def apply(self, picture: Picture, steps: Sequence[DrawnStep]) -> Picture:
        from infrastructure.imaging import pixels

        return pixels.apply(picture, steps)

    def encode(self, picture: Picture) -> EncodedPicture:
        return EncodedPicture(picture.encode(), picture.jpeg)

    def move_geometry(self, shape: str, geometry: Geometry, where: Affine, width: int,
                      height: int) -> list[Geometry]:
        from infrastructure.imaging import geometries

        return geometries.move_geometry(shape, geometry, where, width, height)

    def area_mask(self, shape: str, geometry: Geometry, width: int,
                  height: int) -> Placed | None:
        from infrastructure.imaging import geometries

        return geometries.area_mask(shape, geometry, width, height)

    def bounds(self, mask: Placed) -> tuple[int, int, int, int]:
        (x, y), values = mask
        rows, cols = values.shape
        return x, y, x + cols, y + rows

    def bitmap_of(self, mask: Placed) -> Geometry:
        from infrastructure.imaging import geometries

        return geometries.bitmap_of(mask)

    def polygons_of(self, shape: str, geometry: Geometry) -> list[Geometry]:
        from infrastructure.imaging import geometries

        return geometries.polygons_of(shape, geometry)

    def uncovered(self, masks: Sequence[Placed | None]) -> list[Placed | None]:
        from infrastructure.imaging import raster

        return raster.uncovered(masks)
