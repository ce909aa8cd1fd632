"""The one rule for the names of projects, datasets and items.

These names become folder and file names when a project is exported (Supervisely layout:
``<dataset>/ann/<item>.json``, a nested dataset under ``<parent>/datasets/<child>/``),
appear in download names and logs, and a project is found by id or by name. So a name
that could escape a folder, hide its own spelling, clash with the layout's folders or
read as an id is refused on the way in, where the aggregates change, rather than
discovered later by an export that cannot be written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from uuid import UUID

from domain.errors import ValidationError

MAX_NAME_BYTES = 255
"""The longest file name common file systems take, in UTF-8 bytes."""
ITEM_SUFFIX = ".json"
"""An export writes ``ann/<item>.json`` and ``meta/<item>.json``: an item's name leaves
room for this suffix within :data:`MAX_NAME_BYTES`."""
MAX_ITEM_NAME_BYTES = MAX_NAME_BYTES - len(ITEM_SUFFIX)

LAYOUT_FOLDERS = frozenset({"ann", "img", "img_info", "meta"})
"""Folders a Supervisely dataset holds; compared without case, for file systems that
ignore it."""
DATASETS_FOLDER = "datasets"
"""Nested datasets live in ``<parent>/datasets/<child>/``."""

_FORBIDDEN_CHARS = {
    "/": "'/' (a folder separator)",
    "\\": "'\\' (a folder separator on Windows)",
}
_LINE_SEPARATORS = frozenset({"\u2028", "\u2029", "\u0085"})
_BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
)
"""Embeddings, overrides and isolates: they make a name display as another one.
The plain marks U+200E and U+200F change no order and stay allowed."""


def check_project_name(name: object, field: str = "name") -> str:
    """The name, if a project may carry it; else a ValidationError naming ``field``.
    Besides the common rule, a project name must not read as an id, since either
    may name a project."""
    text = _common(name, field, MAX_NAME_BYTES)
    try:
        UUID(text)
    except ValueError:
        return text
    raise ValidationError(field, f"{text!r} reads as a project id: choose another name")


def check_dataset_name(name: object, field: str = "name") -> str:
    """The name, if a dataset may carry it (it becomes a folder of the export)."""
    text = _common(name, field, MAX_NAME_BYTES)
    if text.casefold() == DATASETS_FOLDER:
        raise ValidationError(
            field, f"{text!r} is the folder that holds nested datasets: choose another name")
    return text


def check_item_name(name: object, field: str = "name") -> str:
    """The name, if an item may carry it (it becomes a file name of the export)."""
    return _common(name, field, MAX_ITEM_NAME_BYTES)


def check_item_names(named: Iterable[tuple[object, str]]) -> None:
    """:func:`check_item_name` on many ``(name, field)`` pairs (a restore's), judging each
    distinct character once: a name made of characters already allowed needs only the
    checks on the whole name."""
    allowed: set[str] = set()
    for name, field in named:
        if isinstance(name, str) and allowed.issuperset(name) and name == name.strip() \
                and name not in ("", ".", "..") \
                and len(name.encode("utf-8")) <= MAX_ITEM_NAME_BYTES \
                and name.casefold() not in LAYOUT_FOLDERS:
            continue
        allowed.update(check_item_name(name, field))


def _common(name: object, field: str, max_bytes: int) -> str:
    if not isinstance(name, str):
        raise ValidationError(field, f"must be a string, not {type(name).__name__}")
    if not name.strip():
        raise ValidationError(field, "must not be empty or only whitespace")
    if name != name.strip():
        raise ValidationError(field, f"{name!r} must not start or end with whitespace")
    if name in (".", ".."):
        raise ValidationError(field, f"{name!r} names a folder itself, not a file")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError(field, f"{name!r} is not valid Unicode text") from None
    if size > max_bytes:
        raise ValidationError(field, f"is {size} bytes in UTF-8: at most {max_bytes}")
    for char in name:
        reason = _refused_char(char)
        if reason:
            raise ValidationError(field, f"{name!r} must not contain {reason}")
    if name.casefold() in LAYOUT_FOLDERS:
        raise ValidationError(
            field, f"{name!r} is a folder of the export layout: choose another name")
    return name


def _refused_char(char: str) -> str:
    if char in _FORBIDDEN_CHARS:
        return _FORBIDDEN_CHARS[char]
    if char == "\x00":
        return "NUL"
    if unicodedata.category(char) == "Cc" or char in _LINE_SEPARATORS:
        return f"control character U+{ord(char):04X}"
    if char in _BIDI_CONTROLS:
        return f"bidirectional control U+{ord(char):04X}"
    return ""
