"""The pixels operations may read and write: :class:`~application.operations.spec.MediaTools`
over the media service, so the media access rule holds for operations as for exports."""

from __future__ import annotations

import io

from application.media.media_files import MediaFiles
from domain.state import ItemState
from domain.values import MediaLink


class StoredMedia:
    """Reads an item's bytes where an export may; writes new pixels to the media store."""

    def __init__(self, media: MediaFiles) -> None:
        self.media = media

    def read(self, item: ItemState) -> bytes | None:
        path = self.media.readable(item.media)
        return None if path is None else path.read_bytes()

    def store(self, data: bytes, width: int, height: int) -> MediaLink:
        """Stored under their sha256; the store measures the image itself, and a
        mismatch with what the operation meant to write is a fault of the operation."""
        link = self.media.store(io.BytesIO(data))
        if (link.width, link.height) != (width, height):
            raise ValueError(f"stored image is {link.width}x{link.height}, "
                             f"the operation wrote {width}x{height}")
        return link
