"""Imports: a whole project read by a format adapter, written in one transaction.

``new_project`` creates a project; ``sync`` brings an existing project to the
imported content and records events only for what differs (objects matched by id,
then by content).

Two kinds of import read files through the format adapters the composition root plugs
in: files on this machine, read by its operator (``from_files``: the CLI), which may
link local files inside the folders read; and files a client uploaded (``from_upload``:
HTTP), whose images go into the media store and whose links must be data
(``domain.media_policy``). An import called without a session records one of its own
(:mod:`application.core.recorded`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

from application.core.bulk import BATCH_ITEMS, Batch, encoded_together, item_batch
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.progress import ProgressFn, no_progress
from application.core.recorded import RecordedOperations
from application.ports import FormatAdapters, ProjectWrite
from application.transfer.sync import assign_ids, sync_batches
from application.views.projects import ImportResult
from domain.digest import meta_hash
from domain.errors import ValidationError
from domain.item import Item
from domain.names import check_dataset_name
from domain.project import Project
from domain.state import ItemState, MetaState, ProjectState
from domain.values import Context

Locate = Callable[[str], str]
Closing = Callable[[UUID], Batch] | None
"""The operation's own session, finished and naming the project written, as the last
batch of the import's write (:mod:`application.core.recorded`); None when the caller's
session is the one of record."""
"""Turns an item's ``dataset/name`` into what an error should name (its source file)."""


class Imports:
    """Projects read from files or uploads: new projects, or synced into existing ones."""

    def __init__(self, core: LedgerCore, formats: FormatAdapters,
                 recorded: RecordedOperations) -> None:
        self.core = core
        self.formats = formats
        self.recorded = recorded

    def from_files(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None = None,
        into: UUID | None = None, images: Path | None = None,
        progress: ProgressFn = no_progress,
    ) -> ImportResult:
        """Import a project from files: a new project, or a sync into an existing one."""
        if ctx.session_id is not None:
            return self._from_files(fmt, path, ctx, name=name, into=into, images=images,
                                    progress=progress)
        recorded = self.recorded
        session, inner = recorded.open("import", f"annoledger import {fmt}", ctx, {
            "format": fmt, "path": str(path), "name": name,
            "into": str(into) if into else None, "images": str(images) if images else None})
        inputs = [recorded.path_node(path)] + ([recorded.project_node(into)] if into else [])
        return self._from_files(fmt, path, inner, name=name, into=into, images=images,
                                progress=progress, closing=lambda project: recorded.closing(
                                    session, inputs, [recorded.project_node(project)]))

    def _from_files(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None,
        into: UUID | None, images: Path | None, progress: ProgressFn,
        closing: Closing = None,
    ) -> ImportResult:
        # A whole project's small objects all live until written: a collector pass would
        # only walk them all (re-enabled between reading and writing, the first one does).
        with gc_paused():
            source, locate = self.formats.read(fmt, path, images=images, progress=progress)
            if into is not None:
                return self._sync(into, source, ctx, progress=progress, locate=locate,
                                  closing=closing)
            return self._new_project(source, ctx, name=name, progress=progress,
                                     locate=locate, closing=closing)

    def from_upload(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None = None,
        into: UUID | None = None, progress: ProgressFn = no_progress,
        may_link_stored: Callable[[str], bool] | None = None,
    ) -> ImportResult:
        """Import files a client sent (unpacked at ``path``, deleted after the request):
        their images are stored in the media store, their links must be allowed ones, and
        a store reference only to bytes ``may_link_stored`` allows."""
        with gc_paused():  # as from_files
            source, locate = self.formats.read(fmt, path, progress=progress,
                                               uploaded=True, may_link_stored=may_link_stored)
            if into is not None:
                return self.sync(into, source, ctx, progress=progress, locate=locate)
            return self.new_project(source, ctx, name=name, progress=progress,
                                    locate=locate)

    def new_project(
        self, source: ProjectState, ctx: Context, *, name: str | None = None,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        if ctx.session_id is not None:
            return self._new_project(source, ctx, name=name, progress=progress, locate=locate)
        recorded = self.recorded
        session, inner = recorded.open("import", "annoledger import", ctx,
                                       {"name": name or source.meta.name})
        return self._new_project(source, inner, name=name, progress=progress, locate=locate,
                                 closing=lambda project: recorded.closing(
                                     session, [], [recorded.project_node(project)]))

    def _new_project(
        self, source: ProjectState, ctx: Context, *, name: str | None,
        progress: ProgressFn, locate: Locate, closing: Closing = None,
    ) -> ImportResult:
        meta = MetaState(name or source.meta.name, source.meta.classes, source.meta.tag_metas,
                         source.meta.datasets, source.meta.extra)
        self.core.check_name_free(meta.name)
        project = Project.create(meta, ctx)
        first: Batch = ([project], ProjectWrite(project.id, meta_hash=meta_hash(meta),
                                                name=meta.name))
        items = self._upload_batches(project.id, meta, source, ctx, progress, locate)
        with gc_paused():
            events = self.core.write_batches(_chain(first, items),
                                             then=_closed(closing, project.id))
        self.core.maybe_snapshot(project.id)
        return self.result(project.id, events)

    def sync(
        self, project_id: UUID, source: ProjectState, ctx: Context, *,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        if ctx.session_id is not None:
            return self._sync(project_id, source, ctx, progress=progress, locate=locate)
        recorded = self.recorded
        session, inner = recorded.open("import", "annoledger import", ctx,
                                       {"into": str(project_id)})
        return self._sync(project_id, source, inner, progress=progress, locate=locate,
                          closing=lambda project: recorded.closing(
                              session, [recorded.project_node(project)],
                              [recorded.project_node(project)]))

    def _sync(
        self, project_id: UUID, source: ProjectState, ctx: Context, *,
        progress: ProgressFn, locate: Locate, closing: Closing = None,
    ) -> ImportResult:
        core = self.core
        project = core.get_project(project_id)
        for i, ds in enumerate(source.meta.datasets.values()):  # as a new project would
            check_dataset_name(ds.name, f"datasets[{i}].name")
        batches = sync_batches(core, project, source, ctx, progress=progress,
                               where=lambda meta, state: locate(_path(meta, state)),
                               fresh_ids=True)

        with gc_paused():
            events = core.write_batches(batches, then=_closed(closing, project_id))
        core.maybe_snapshot(project_id)
        return self.result(project_id, events)

    def _upload_batches(
        self, project_id: UUID, meta: MetaState, source: ProjectState, ctx: Context,
        progress: ProgressFn, locate: Locate,
    ) -> Iterator[Batch]:
        total = len(source.items)
        progress(0, total)
        pending: list[Item] = []
        for done, state in enumerate(source.iter_items(), 1):
            try:
                pending.append(Item.upload(project_id, meta, assign_ids(state), ctx))
            except ValidationError as exc:
                raise exc.within(locate(_path(meta, state))) from None
            if len(pending) >= BATCH_ITEMS or done == total:
                # the batch is encoded while this waits
                with encoded_together(self.core.mapper.transcoder, pending):
                    yield item_batch(project_id, pending)
                progress(done, total)
                pending = []

    def result(self, project_id: UUID, events: int) -> ImportResult:
        head = self.core.store.head(project_id)
        assert head is not None
        return ImportResult(project_id, head.items, head.objects, events)


def _closed(closing: Closing, project_id: UUID) -> Callable[[], Batch] | None:
    """The last batch of an import's write: its own session, when it has one."""
    return None if closing is None else (lambda: closing(project_id))


def _chain(first: Batch, rest: Iterator[Batch]) -> Iterator[Batch]:
    yield first
    yield from rest


def _path(meta: MetaState, state: ItemState) -> str:
    try:
        return f"{meta.dataset_path(state.dataset_id)}/{state.name}"
    except KeyError:
        return state.name
