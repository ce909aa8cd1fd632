"""Supervisely's ``meta.json`` as the reader loads it, plus JSON helpers of the reader.

Classes and tag metas (the older ``tags_images`` / ``tags_objects`` lists included) are
read by :mod:`domain.supervisely_json`; here its refusals get the file they name. Every
refusal is a ValidationError whose field is ``"<file>:<json path>"``.
"""

from __future__ import annotations

from typing import Any

from domain.errors import ValidationError
from domain.supervisely_json import MetaParts, parse_meta


def read_meta(meta_json: Any) -> MetaParts:
    """Classes, tag metas and unmodelled fields of a parsed ``meta.json``; ids missing
    there become 1.."""
    try:
        return parse_meta(meta_json)
    except ValidationError as exc:
        raise in_file("meta.json", exc) from None


def in_file(file: str, error: ValidationError) -> ValidationError:
    """The same refusal, naming the file it was found in: ``<file>:<json path>``."""
    field = f"{file}:{error.field}" if error.field else file
    return type(error)(field, error.message)


def field_error(file: str, field: str, message: str) -> ValidationError:
    return ValidationError(f"{file}:{field}", message)


def text_at(data: dict[str, Any], key: str, file: str, field: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise field_error(file, f"{field}.{key}" if field else key, "must be a string")
    return value
