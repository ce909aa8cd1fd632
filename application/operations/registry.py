"""Every data operation by the name callers use, and the session kind it records.

Each entry names the module holding its ``parse`` and its operation (see
:mod:`application.operations.spec`); modules are imported when an operation is first
run, so the pixel operations' libraries load only for the runs that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from application.operations.spec import Operation
from domain.errors import ValidationError

Parse = Callable[[Mapping[str, Any]], dict[str, Any]]
"""Checks what a caller gave; returns the canonical parameters recorded with the run."""


@dataclass(frozen=True, slots=True)
class Registered:
    """Where an operation lives and what kind of app session records it."""

    kind: str
    module: str
    parse: str
    run: str

    def load(self) -> tuple[Parse, Operation]:
        module = import_module(self.module)
        return getattr(module, self.parse), getattr(module, self.run)


_OPS = "application.operations."
OPERATIONS: dict[str, Registered] = {
    "augment": Registered("augmentation", _OPS + "augment", "parse_augment", "augment"),
    "convert": Registered("transformation", _OPS + "convert", "parse_convert", "convert"),
    "rasterize": Registered("transformation", _OPS + "rasterize", "parse_rasterize",
                            "rasterize"),
    "rename-classes": Registered("transformation", _OPS + "rename", "parse_rename",
                                 "rename_classes"),
    "split": Registered("split", _OPS + "split", "parse_split", "split"),
    "merge": Registered("merge", _OPS + "merge", "parse_merge", "merge"),
    "subsample": Registered("filter", _OPS + "subsample", "parse_subsample", "subsample"),
    "filter": Registered("filter", _OPS + "filter", "parse_filter", "filter_items"),
}


def registered(operation: str) -> Registered:
    """The operation named, or a refusal listing the known ones."""
    found = OPERATIONS.get(operation)
    if found is None:
        raise ValidationError("operation", f"unknown operation {operation!r} (one of "
                                           f"{', '.join(OPERATIONS)})")
    return found
