"""Shared helpers of the format readers and writers: JSON files, media links."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TypeGuard

from domain.errors import ValidationError
from domain.values import MediaLink

CHUNK = 1 << 20
FILE_SCHEME = "file://"


def load_json(path: Path, label: str) -> Any:
    """Parse a JSON file; errors name ``label`` (the file as the user knows it) and line."""
    try:
        with path.open("rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ValidationError(label, "file not found") from None
    except OSError as exc:
        raise ValidationError(label, f"cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise ValidationError(label, f"not UTF-8 text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            label, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def sha256_file(path: Path) -> tuple[str, int]:
    """Hex sha256 and byte size of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def file_media(path: Path, width: int, height: int) -> MediaLink:
    """A media link to a local file: ``file://`` URI of its resolved path, sha256, size."""
    resolved = path.resolve()
    sha, size = sha256_file(resolved)
    return MediaLink(FILE_SCHEME + str(resolved), sha, size, width, height)


def local_path(uri: str) -> Path | None:
    """The local path of a ``file://`` URI, or None for any other URI."""
    if not uri.startswith(FILE_SCHEME):
        return None
    rest = uri[len(FILE_SCHEME) :]
    if rest.startswith("localhost/"):
        rest = rest[len("localhost") :]
    return Path(rest) if rest.startswith("/") else None


def is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool (JSON's true/false are no numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)
