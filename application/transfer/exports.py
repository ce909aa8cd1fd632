"""Exports: a project's state, now or at a version, written by a format adapter.

Exports read only what the media access rule allows (the format adapters hold it). An
export called without a session records one of its own
(:mod:`application.core.recorded`): the project or version read, the folder written.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from application.core.progress import ProgressFn, no_progress
from application.core.recorded import RecordedOperations
from application.ports import FormatAdapters
from application.versions.versions import CURRENT, Versions
from domain.values import Context

SYSTEM_ACTOR = "annoledger"
"""The actor of an operation called without a context (``to_files``)."""


class Exports:
    """Projects written to files."""

    def __init__(self, versions: Versions, formats: FormatAdapters,
                 recorded: RecordedOperations) -> None:
        self.versions = versions
        self.formats = formats
        self.recorded = recorded

    def to_files(
        self, fmt: str, project_id: UUID, outdir: Path, version: int | str = CURRENT,
        progress: ProgressFn = no_progress, ctx: Context | None = None,
    ) -> None:
        """Write version ``version`` (or ``current``) of the project in format ``fmt`` to
        ``outdir``; ``ctx`` names who exported (optional)."""
        ctx = ctx or Context(SYSTEM_ACTOR)
        if ctx.session_id is not None:
            return self._write(fmt, project_id, outdir, version, progress)
        recorded = self.recorded
        session, _ = recorded.open("export", f"annoledger export {fmt}", ctx, {
            "format": fmt, "project": str(project_id), "version": version,
            "outdir": str(outdir)})
        self._write(fmt, project_id, outdir, version, progress)
        source = recorded.project_node(project_id) if version == CURRENT \
            else recorded.version_node(project_id, int(version))
        recorded.close(session, [source], [recorded.path_node(outdir)])

    def _write(self, fmt: str, project_id: UUID, outdir: Path, version: int | str,
               progress: ProgressFn) -> None:
        self.formats.write(fmt, self.versions.state_of(project_id, version, progress), outdir)
