"""The media store on a local directory: ``<root>/ab/cd/<sha256>``, written atomically.

A stored image's link is the store reference ``annoledger:media:<sha256>``: it names the
bytes, not a path of this machine, and survives a move of the root. (Links written before
were the ``file://`` URI of the stored file; those still designate the store.)

Bytes are streamed to a temporary file in the root while hashed, then renamed to their
content address; a second upload of the same bytes finds the file and drops its copy.
Only the image header is read (Pillow, lazily) to learn its width and height.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from domain.errors import ValidationError
from domain.media_policy import store_reference
from domain.values import MediaLink

CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class LocalMediaStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: BinaryIO) -> MediaLink:
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            width, height = _dimensions(tmp)
            sha = digest.hexdigest()
            final = self.path_of(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                tmp.unlink()
            else:
                os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return MediaLink(store_reference(sha), sha, size, width, height)

    def locate(self, sha256: str) -> Path | None:
        if not _SHA256.match(sha256):
            return None
        path = self.path_of(sha256)
        return path if path.is_file() else None


def _dimensions(path: Path) -> tuple[int, int]:
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError("file", "not an image that can be read") from None
    return int(width), int(height)
