"""Exports: a project's state, now or at a version, written by a format adapter.

A state is streamed to the adapter (:meth:`Exports.stream`): its items are decoded from
the store in batches and written as they come, with the collector paused (every batch is
thrown away once written), so an export runs at the speed of decoding and writing files
and holds one batch in memory, whatever the project's size. Every format's writer takes
that stream.

Exports read only what the media access rule allows (the format adapters hold it). An
export called without a session records one of its own
(:mod:`application.core.recorded`): the project or version read, the folder written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

from application.core.bulk import BATCH_ITEMS
from application.core.loading import gc_paused
from application.core.progress import ProgressFn, no_progress
from application.core.recorded import RecordedOperations
from application.core.states import Manifest, States
from application.ports import FormatAdapters
from application.versions.versions import CURRENT, Versions
from domain.state import ItemState, StateStream
from domain.values import Context

SYSTEM_ACTOR = "annoledger"
"""The actor of an operation called without a context (``to_files``)."""


class Exports:
    """Projects written to files."""

    def __init__(self, versions: Versions, states: States, formats: FormatAdapters,
                 recorded: RecordedOperations) -> None:
        self.versions = versions
        self.states = states
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

    def stream(self, project_id: UUID, version: int | str = CURRENT,
               batch: int = BATCH_ITEMS) -> StateStream:
        """Version ``version`` (or ``current``) of the project as its meta and its items
        in batches of ``batch``, each decoded when the one before has been consumed (in
        the order the store holds them, not by name)."""
        manifest = self.versions.manifest_of(project_id, version)
        meta = self.states.meta_at(project_id, manifest.meta_version)
        return StateStream(meta, self._batches(manifest, batch), len(manifest.versions))

    def _batches(self, manifest: Manifest, size: int) -> Iterator[list[ItemState]]:
        pending: list[ItemState] = []
        for item in self.states.items_at(manifest):
            pending.append(item)
            if len(pending) == size:
                yield pending
                pending = []
        if pending:
            yield pending

    def _write(self, fmt: str, project_id: UUID, outdir: Path, version: int | str,
               progress: ProgressFn) -> None:
        stream = self.stream(project_id, version)
        with gc_paused():  # decoded objects live one batch: the collector would only slow it
            self.formats.write(fmt, stream, outdir, progress)
