"""The media ports: image bytes uploaded through the API, stored content-addressed, and
the access rule that says which links a client may give and which files may be read.

The ledger itself only ever holds a :class:`domain.values.MediaLink` (URI + sha256):
the store keeps the bytes under their sha256, so uploading the same image twice stores
it once, and versions or restores never copy it. A link is data: the server reads bytes
only from its store or the configured media roots (see ``domain.media_policy``).
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


class MediaAccessRule(Protocol):
    def check_link(self, uri: str, field: str, *, sha256: str | None = None,
                   names: bool = False) -> None:
        """Accept a link a client gave (a store reference or an allowed scheme), or raise
        ValidationError naming ``field``."""

    def stored_sha(self, uri: str) -> str | None:
        """The sha256 whose store copy ``uri`` names, or None when it names no store copy."""

    def readable(self, link: MediaLink) -> Path | None:
        """The file an export may read for ``link``, or None (its URI alone is exported)."""

    def allowed(self, path: Path) -> Path | None:
        """``path`` resolved, when its bytes may leave the server as media; else None."""
