"""Import and export through the format adapters the bootstrap plugs in.

Two kinds of import: files on this machine, read by its operator (``import_files``: the
CLI), which may link local files inside the folders read; and files a client uploaded
(``import_uploaded``: HTTP), whose images go into the media store and whose links must be
data (``domain.media_policy``). Exports read only what the media access rule allows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from application.imports import ImportCommands
from application.loading import gc_paused
from application.media import MediaAccessRule
from application.ports import FormatAdapters
from application.versions import CURRENT, VersionCommands
from application.views import ImportResult, ProgressFn, no_progress
from domain.errors import ValidationError
from domain.values import Context, MediaLink


class FileCommands(VersionCommands, ImportCommands):
    formats: FormatAdapters | None = None
    media_access: MediaAccessRule | None = None

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
        with gc_paused():  # a whole project's small objects all live on: no collector passes
            source, locate = self._formats().read(fmt, path, images=images,
                                                  progress=progress)
        if into is not None:
            return self.sync_state(into, source, ctx, progress=progress, locate=locate)
        return self.import_state(source, ctx, name=name, progress=progress, locate=locate)

    def import_uploaded(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None = None,
        into: UUID | None = None, progress: ProgressFn = no_progress,
        may_link_stored: Callable[[str], bool] | None = None,
    ) -> ImportResult:
        """Import files a client sent (unpacked at ``path``, deleted after the request):
        their images are stored in the media store, their links must be allowed ones, and
        a store reference only to bytes ``may_link_stored`` allows."""
        with gc_paused():
            source, locate = self._formats().read(fmt, path, progress=progress,
                                                  uploaded=True, may_link_stored=may_link_stored)
        if into is not None:
            return self.sync_state(into, source, ctx, progress=progress, locate=locate)
        return self.import_state(source, ctx, name=name, progress=progress, locate=locate)

    def check_media_link(self, link: MediaLink, field: str) -> None:
        """Refuse (ValidationError naming ``field.uri``) a link a client may not give."""
        try:
            self._access().check_link(link.uri, "uri", sha256=link.sha256)
        except ValidationError as exc:
            raise exc.within(field) from None

    def stored_sha(self, link: MediaLink) -> str | None:
        """The sha256 of the store copy ``link`` names (its own), or None."""
        sha = self._access().stored_sha(link.uri)
        return sha if sha is not None and sha == link.sha256 else None

    def media_path(self, link: MediaLink) -> Path | None:
        """The file whose bytes may leave the server for ``link`` (the store's copy, or a
        file under a media root), or None: the link is then data only."""
        return self._access().readable(link)

    def exportable(self, path: Path) -> Path | None:
        """``path`` resolved when an export may include its bytes; else None."""
        return self._access().allowed(path)

    def _access(self) -> MediaAccessRule:
        if self.media_access is None:
            raise RuntimeError("no media access rule is configured")
        return self.media_access

    def export_files(
        self, fmt: str, project_id: UUID, outdir: Path, version: int | str = CURRENT,
        progress: ProgressFn = no_progress,
    ) -> None:
        self._formats().write(fmt, self.state_of(project_id, version, progress), outdir)
