"""The media port: image bytes uploaded through the API, stored content-addressed.

The ledger itself only ever holds a :class:`domain.values.MediaLink` (URI + sha256):
the store keeps the bytes under their sha256, so uploading the same image twice stores
it once, and versions or restores never copy it.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol

from domain.values import MediaLink


class MediaStore(Protocol):
    def put(self, data: BinaryIO) -> MediaLink:
        """Store the bytes under their sha256; width and height are read from the image.

        Raises ValidationError (field ``file``) when the bytes are not an image.
        """

    def locate(self, sha256: str) -> Path | None:
        """The stored file of a sha256, or None."""
