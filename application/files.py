"""Import and export through the format adapters the bootstrap plugs in."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from application.imports import ImportCommands
from application.ports import FormatAdapters
from application.versions import CURRENT, VersionCommands
from application.views import ImportResult, ProgressFn, no_progress
from domain.values import Context


class FileCommands(VersionCommands, ImportCommands):
    formats: FormatAdapters | None = None

    def _formats(self) -> FormatAdapters:
        if self.formats is None:
            raise RuntimeError("no format adapters are configured")
        return self.formats

    def import_files(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None = None,
        into: UUID | None = None, images: Path | None = None,
        progress: ProgressFn = no_progress,
    ) -> ImportResult:
        """Import a project from files: a new project, or a sync into an existing one."""
        source, locate = self._formats().read(fmt, path, images=images, progress=progress)
        if into is not None:
            return self.sync_state(into, source, ctx, progress=progress, locate=locate)
        return self.import_state(source, ctx, name=name, progress=progress, locate=locate)

    def export_files(
        self, fmt: str, project_id: UUID, outdir: Path, version: int | str = CURRENT,
        progress: ProgressFn = no_progress,
    ) -> None:
        self._formats().write(fmt, self.state_of(project_id, version, progress), outdir)
