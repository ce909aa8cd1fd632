"""annoledger's own operations record themselves as app sessions.

Import, version create, restore, revert and export each run inside a session of their
own: the operation's events carry the new session's id, and once it succeeded the
session is saved with its inputs, outputs and ``Finished(succeeded)`` in one save. So
the workflow graph is complete without outside apps.

Choices, and why:

* A refused or failed operation records no session: a refusal (a version with no
  changes, a name taken) changes nothing, and a failed bulk write writes nothing, so
  there is nothing for the graph to show. (A crash between the operation's save and the
  session's leaves events naming a session that was never saved; the graph then just
  lacks that session.)
* When the caller's context already names a session (an outside app importing through
  its own session, or a training session creating its automatic version), that session
  is the one of record: no second session is recorded, and the caller records its own
  inputs and outputs.
* Return values and exceptions are exactly those of the wrapped methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.files import FileCommands
from application.imports import ImportCommands, Locate
from application.session_commands import SessionCommands
from application.versions import CURRENT
from application.views import ImportResult, ProgressFn, no_progress
from domain.session import AppSession, NodeRef
from domain.state import ProjectState
from domain.values import Context, Version

SYSTEM_ACTOR = "annoledger"
"""The actor of an operation called without a context (``export_files``)."""


class RecordedOperations(FileCommands, ImportCommands, SessionCommands):
    def import_files(
        self, fmt: str, path: Path, ctx: Context, *, name: str | None = None,
        into: UUID | None = None, images: Path | None = None,
        progress: ProgressFn = no_progress,
    ) -> ImportResult:
        if ctx.session_id is not None:
            return super().import_files(fmt, path, ctx, name=name, into=into, images=images,
                                        progress=progress)
        session, inner = self._open_session("import", f"annoledger import {fmt}", ctx, {
            "format": fmt, "path": str(path), "name": name,
            "into": str(into) if into else None, "images": str(images) if images else None})
        result = super().import_files(fmt, path, inner, name=name, into=into, images=images,
                                      progress=progress)
        inputs = [_path_node(path)] + ([_project(into)] if into else [])
        self._close_session(session, inputs, [_project(result.project)])
        return result

    def import_state(
        self, source: ProjectState, ctx: Context, *, name: str | None = None,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        if ctx.session_id is not None:
            return super().import_state(source, ctx, name=name, progress=progress,
                                        locate=locate)
        session, inner = self._open_session("import", "annoledger import", ctx,
                                     {"name": name or source.meta.name})
        result = super().import_state(source, inner, name=name, progress=progress,
                                      locate=locate)
        self._close_session(session, [], [_project(result.project)])
        return result

    def sync_state(
        self, project_id: UUID, source: ProjectState, ctx: Context, *,
        progress: ProgressFn = no_progress, locate: Locate = lambda p: p,
    ) -> ImportResult:
        if ctx.session_id is not None:
            return super().sync_state(project_id, source, ctx, progress=progress,
                                      locate=locate)
        session, inner = self._open_session("import", "annoledger import", ctx,
                                     {"into": str(project_id)})
        result = super().sync_state(project_id, source, inner, progress=progress,
                                    locate=locate)
        self._close_session(session, [_project(project_id)], [_project(project_id)])
        return result

    def create_version(
        self, project_id: UUID, ctx: Context, title: str = "", description: str = ""
    ) -> Version:
        if ctx.session_id is not None:
            return super().create_version(project_id, ctx, title, description)
        session, inner = self._open_session("other", "annoledger versions create", ctx,
                                     {"project": str(project_id), "title": title})
        version = super().create_version(project_id, inner, title, description)
        self._close_session(session, [_project(project_id)],
                     [_version(project_id, version.number, version.title)])
        return version

    def restore(
        self, project_id: UUID, number: int, ctx: Context, *, name: str | None = None,
        datasets: list[str] | None = None, progress: ProgressFn = no_progress,
    ) -> UUID:
        if ctx.session_id is not None:
            return super().restore(project_id, number, ctx, name=name, datasets=datasets,
                                   progress=progress)
        session, inner = self._open_session("other", "annoledger versions restore", ctx, {
            "project": str(project_id), "version": number, "name": name,
            "datasets": datasets})
        new = super().restore(project_id, number, inner, name=name, datasets=datasets,
                              progress=progress)
        self._close_session(session, [_version(project_id, number)], [_project(new)])
        return new

    def revert(self, project_id: UUID, number: int, ctx: Context) -> int:
        if ctx.session_id is not None:
            return super().revert(project_id, number, ctx)
        session, inner = self._open_session("other", "annoledger versions revert", ctx,
                                     {"project": str(project_id), "version": number})
        events = super().revert(project_id, number, inner)
        self._close_session(session, [_version(project_id, number)], [_project(project_id)])
        return events

    def export_files(
        self, fmt: str, project_id: UUID, outdir: Path, version: int | str = CURRENT,
        progress: ProgressFn = no_progress, ctx: Context | None = None,
    ) -> None:
        """As :meth:`FileCommands.export_files`; ``ctx`` names who exported (optional)."""
        ctx = ctx or Context(SYSTEM_ACTOR)
        if ctx.session_id is not None:
            return super().export_files(fmt, project_id, outdir, version, progress)
        session, _ = self._open_session("export", f"annoledger export {fmt}", ctx, {
            "format": fmt, "project": str(project_id), "version": version,
            "outdir": str(outdir)})
        super().export_files(fmt, project_id, outdir, version, progress)
        source = _project(project_id) if version == CURRENT else _version(project_id,
                                                                          int(version))
        self._close_session(session, [source], [_path_node(outdir)])

    # -- helpers -------------------------------------------------------------------------

    def _open_session(self, kind: str, app: str, ctx: Context,
               parameters: dict[str, Any]) -> tuple[AppSession, Context]:
        session = AppSession.start(app, kind, ctx.actor, uuid4(), parameters=parameters)
        return session, Context(ctx.actor, session.id, ctx.extra)

    def _close_session(self, session: AppSession, inputs: list[NodeRef],
                outputs: list[NodeRef]) -> None:
        for node in inputs:
            session.add_input(node)
        for node in outputs:
            session.add_output(node)
        session.finish("succeeded")
        self.save_sessions(session)


def _project(project_id: UUID) -> NodeRef:
    return NodeRef("project", str(project_id))


def _version(project_id: UUID, number: int, title: str = "") -> NodeRef:
    return NodeRef("project_version", f"{project_id}@{number}", title)


def _path_node(path: Path) -> NodeRef:
    resolved = path.resolve()
    return NodeRef("folder" if resolved.is_dir() else "file", str(resolved))
