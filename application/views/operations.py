"""What a data operation run returns: the session that recorded it and what it wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OperationResult:
    session: UUID
    """The app session holding the operation, its full parameters and seed."""
    project: UUID
    """The project written: a new one, or the source when run in place."""
    source_version: int
    """The version of the source project the operation read."""
    items: int
    objects: int

    def as_json(self) -> dict[str, Any]:
        return {"session": str(self.session), "project": str(self.project),
                "source_version": self.source_version, "items": self.items,
                "objects": self.objects}


@dataclass(frozen=True, slots=True)
class TrainSetResult:
    """A training set: each recorded step, then the files written from the last one."""

    steps: tuple[OperationResult, ...]
    export_session: UUID
    exported_version: int
    outdir: Path

    def as_json(self) -> dict[str, Any]:
        last = self.steps[-1]
        return {**last.as_json(), "steps": [s.as_json() for s in self.steps],
                "export": {"session": str(self.export_session),
                           "version": self.exported_version, "outdir": str(self.outdir)}}
