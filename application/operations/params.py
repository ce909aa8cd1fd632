"""Reading an operation's parameters: from the CLI's text or an HTTP body's JSON.

Each operation's ``parse_<name>`` turns what a caller gave into the canonical, JSON-able
mapping recorded with the run (and read again by a re-run), refusing bad input with a
:class:`~domain.errors.ValidationError` naming the parameter. These readers are what
they share, so ``parts`` and ``map`` read alike everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from domain.errors import ValidationError


def known_keys(params: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a parameter the operation does not take (a typo would otherwise be ignored)."""
    if not isinstance(params, Mapping):
        raise ValidationError("params", "must be a JSON object")
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValidationError(unknown[0], f"unknown parameter (expected one of "
                                          f"{', '.join(allowed)})")


def pairs(value: Any, field: str) -> list[tuple[str, str]]:
    """``A=B,C=D`` (text) or ``{"A": "B", "C": "D"}`` (JSON) as ordered pairs of text."""
    if isinstance(value, Mapping):
        raw = [(k, v) for k, v in value.items()]
    elif isinstance(value, str):
        raw = []
        for part in value.split(","):
            key, sep, val = part.partition("=")
            if not sep:
                raise ValidationError(field, f"{part.strip()!r} is not NAME=VALUE")
            raw.append((key.strip(), val.strip()))
    else:
        raise ValidationError(field, "must be NAME=VALUE[,NAME=VALUE...] or a JSON object")
    out: list[tuple[str, str]] = []
    for key, val in raw:
        if not isinstance(key, str) or not key:
            raise ValidationError(field, f"{key!r} is not a name")
        if not isinstance(val, str | int | float) or isinstance(val, bool) or val == "":
            raise ValidationError(f"{field}.{key}", "needs a value")
        if any(key == k for k, _ in out):
            raise ValidationError(f"{field}.{key}", "is given twice")
        out.append((key, str(val)))
    if not out:
        raise ValidationError(field, "is empty")
    return out


def names(value: Any, field: str) -> list[str]:
    """``A,B`` (text) or ``["A", "B"]`` (JSON): distinct, non-empty names in order."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValidationError(field, "must be NAME[,NAME...] or a JSON list")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(field, f"{item!r} is not a name")
        if item.strip() in out:
            raise ValidationError(field, f"{item.strip()!r} is given twice")
        out.append(item.strip())
    if not out:
        raise ValidationError(field, "is empty")
    return out


def fraction(value: Any, field: str, *, low_open: bool = True) -> float:
    """A number in (0, 1] (text or JSON)."""
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        raise ValidationError(field, f"{value!r} is not a number") from None
    if not math.isfinite(number) or number > 1 or number < 0 or (low_open and number == 0):
        raise ValidationError(field, f"{value!r} must be a fraction in (0, 1]")
    return number


def count(value: Any, field: str) -> int:
    """A positive whole number (text or JSON)."""
    if isinstance(value, bool):
        raise ValidationError(field, f"{value!r} is not a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"{value!r} is not a whole number") from None
    if number != value and str(number) != str(value).strip():
        raise ValidationError(field, f"{value!r} is not a whole number")
    if number < 1:
        raise ValidationError(field, f"{value!r} must be at least 1")
    return number


def flag(value: Any, field: str) -> bool:
    """true/false (JSON) or the CLI's flag."""
    if not isinstance(value, bool):
        raise ValidationError(field, f"{value!r} must be true or false")
    return value


def shares(sizes: Mapping[str, float], total: int) -> dict[str, int]:
    """Whole counts of ``total`` in the given proportions, each within one of its exact
    share (largest remainders; ties go to the earlier name)."""
    exact = {k: r * total for k, r in sizes.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    order = sorted(exact, key=lambda k: -(exact[k] - counts[k]))
    for k in order[:left]:
        counts[k] += 1
    return counts
