"""What the format readers and writers share: JSON files read and written, local media
links.

A project is thousands of small JSON files, so they are parsed by msgspec (integers of
any size kept exact) and written by orjson, both in C. A file msgspec refuses is parsed
again by the standard library, which names the line and column of the fault, or accepts
what it alone takes (``NaN``): an import reads what it always read."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

import msgspec
import orjson

from domain.errors import ValidationError

CHUNK = 1 << 20
FILE_SCHEME = "file://"
DEFAULT_MAX_JSON_FILE = 1 << 30
"""1 GiB: above the largest public COCO files (instances_train2017.json is 448 MB)."""
_max_json_file = DEFAULT_MAX_JSON_FILE


def max_json_file() -> int:
    """The size cap in force for a JSON file an import loads into memory."""
    return _max_json_file


def set_max_json_file(limit: int) -> None:
    """Set the JSON file size cap (the composition root does, from settings)."""
    global _max_json_file
    if limit < 1:
        raise ValueError(f"the JSON file size cap must be positive, got {limit}")
    _max_json_file = limit


def open_regular(path: str | Path, label: str) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file; a device (``/dev/zero``), a pipe,
    a socket or a directory is refused naming ``label``. Opened without blocking and checked
    on the opened descriptor, so a FIFO cannot stall the import and a swap after a check
    cannot slip another kind of file in."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ValidationError(label, "file not found") from None
    except IsADirectoryError:
        raise ValidationError(label, "is a directory, not a file") from None
    except OSError as exc:
        raise ValidationError(label, f"cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise ValidationError(label, f"is {kind}, not a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def load_json(path: str | Path, label: str, *, limit: int | None = None) -> Any:
    """Parse a JSON file; errors name ``label`` (the file as the user knows it) and line.
    Only a regular file of at most ``limit`` bytes (default: :func:`max_json_file`) is read:
    the whole file and its parsed objects are held in memory."""
    cap = _max_json_file if limit is None else limit
    with open_regular(path, label) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > cap:
            raise ValidationError(label, f"{size} bytes is over the limit of {cap} bytes "
                                         "for a JSON file")
        try:
            raw = _read_within(handle, size, cap, label)
        except OSError as exc:
            raise ValidationError(label, f"cannot read: {exc.strerror or exc}") from None
    return parse_json(raw, label)


_decoder = msgspec.json.Decoder()


def parse_json(raw: bytes, label: str) -> Any:
    """The JSON value of ``raw``; errors name ``label`` (and the line and column)."""
    try:
        return _decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise ValidationError(label, f"not UTF-8 text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            label, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ValidationError(label, "JSON nested too deeply") from None


def json_bytes(data: Any) -> bytes:
    """``data`` as the JSON files of an export hold it: one line, UTF-8 as is, then a
    newline."""
    return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)


def write_new(path: str | Path, data: bytes) -> None:
    """Create the file ``path`` (it must not exist) holding ``data``: three system calls."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _read_within(handle: BinaryIO, size: int, cap: int, label: str) -> bytes:
    """The file's bytes: as many as it said it had (one allocation), then, if it has more
    (it grew, or it is a file that reports no size), chunks while the total stays in cap."""
    raw = handle.read(size + 1)
    if len(raw) <= size:
        return raw
    parts, total = [raw], len(raw)
    while chunk := handle.read(CHUNK):
        total += len(chunk)
        if total > cap:
            raise ValidationError(label, f"grew over the limit of {cap} bytes while being read")
        parts.append(chunk)
    return b"".join(parts)


def sha256_file(path: Path) -> tuple[str, int]:
    """Hex sha256 and byte size of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with open_regular(path, str(path)) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def local_uri(path: Path) -> str:
    """The ``file://`` URI a local media link records: the path as is, not percent-encoded
    (as links have always been written, so that re-importing the same files changes
    nothing)."""
    return FILE_SCHEME + str(path)


def is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool (JSON's true/false are no numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)
