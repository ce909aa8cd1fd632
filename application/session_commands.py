"""App sessions: start, inputs and outputs, progress, finish; and listing them.

Sessions are saved to the system log (:data:`application.ports.SYSTEM_PROJECT`), never
to a project's: a session may touch several projects, and recording one must not move
a project's log position (a version is a position).

Automatic versions (training, or any session started with ``auto_version``): an input
of type ``project`` is replaced by the exact version the session reads, a new one when
the project changed since its latest version, the latest one otherwise. The version is
created with the session's id in its context, so its ``VersionCreated`` event names the
session that caused it and no separate "version create" session is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from application.base import LedgerBase
from application.ports import SYSTEM_PROJECT, ProjectWrite
from application.session_views import SessionView
from domain.errors import NoChangesError, NotFoundError, ValidationError
from domain.session import AppSession, NodeRef
from domain.values import Context

if TYPE_CHECKING:
    from application.views import ProjectView
    from domain.values import Version

STARTED_TOPIC = "domain.session:AppSession.Started"
_VERSION_REF = re.compile(r"^(?P<project>.+?)@v?(?P<number>\d+)$")


class SessionCommands(LedgerBase):
    """Derives from the base only (the versions mixin comes earlier in the app's bases)."""

    if TYPE_CHECKING:
        def create_version(self, project_id: UUID, ctx: Context, title: str = "",
                           description: str = "") -> Version: ...

        def version(self, project_id: UUID, number: int) -> Version: ...

        def project_view(self, project_id: UUID) -> ProjectView: ...

    # -- commands ------------------------------------------------------------------------

    def start_session(
        self, app: str, kind: str, ctx: Context, *, parameters: dict[str, Any] | None = None,
        auto_version: bool = False, inputs: Iterable[NodeRef] = (),
        session_id: UUID | None = None,
    ) -> UUID:
        """Record a running session (and its first inputs); returns its id."""
        session = AppSession.start(app, kind, ctx.actor, session_id or uuid4(),
                                   parameters=parameters, auto_version=auto_version)
        for node in inputs:
            session.add_input(self.read_node(session, node, ctx))
        self.save_sessions(session)
        return session.id

    def add_input(self, session_id: UUID, node: NodeRef, ctx: Context | None = None) -> NodeRef:
        """Record an input; returns it as recorded (a project may become its version)."""
        def attempt() -> NodeRef:
            session = self.get_session(session_id)
            recorded = self.read_node(session, node, ctx)
            if session.add_input(recorded):
                self.save_sessions(session)
            return recorded

        return self.retrying(5, attempt)

    def add_output(self, session_id: UUID, node: NodeRef) -> NodeRef:
        def attempt() -> NodeRef:
            session = self.get_session(session_id)
            recorded = self.normalize_node(node)
            if session.add_output(recorded):
                self.save_sessions(session)
            return recorded

        return self.retrying(5, attempt)

    def progress(self, session_id: UUID, done: int, total: int, message: str = "") -> None:
        def attempt() -> None:
            session = self.get_session(session_id)
            session.report_progress(done, total, message)
            self.save_sessions(session)

        self.retrying(5, attempt)

    def finish(self, session_id: UUID, status: str = "succeeded") -> None:
        def attempt() -> None:
            session = self.get_session(session_id)
            session.finish(status)
            self.save_sessions(session)

        self.retrying(5, attempt)

    # -- queries -------------------------------------------------------------------------

    def get_session(self, session_id: UUID) -> AppSession:
        return self._get(session_id, AppSession, "session")

    def session(self, session_id: UUID) -> SessionView:
        return SessionView.of(self.get_session(session_id))

    def sessions(self, *, limit: int | None = 100, kind: str | None = None,
                 status: str | None = None) -> list[SessionView]:
        """Sessions, newest first (the system log's ``Started`` events, then each session)."""
        records = self.store.log(SYSTEM_PROJECT, desc=True, with_state=False)
        views = []
        for rec in records:
            if rec.topic != STARTED_TOPIC:
                continue
            view = self.session(rec.originator_id)
            if (kind is None or view.kind == kind) and (status is None or view.status == status):
                views.append(view)
                if limit is not None and len(views) >= limit:
                    break
        return views

    # -- helpers -------------------------------------------------------------------------

    def save_sessions(self, *aggregates: Any) -> None:
        self._save(*aggregates, project=ProjectWrite(SYSTEM_PROJECT))

    def read_node(self, session: AppSession, node: NodeRef, ctx: Context | None) -> NodeRef:
        """An input as the session reads it: auto-versioned projects become versions."""
        node = self.normalize_node(node)
        if node.type != "project" or not session.auto_version:
            return node
        project_id = UUID(node.ref)
        version_ctx = Context((ctx or Context(session.actor)).actor, session.id)
        try:
            version = self.create_version(
                project_id, version_ctx, f"read by {session.app}",
                f"recorded automatically for {session.kind} session {session.id}")
        except NoChangesError as exc:
            version = self.version(project_id, exc.latest)
        name = self.project_view(project_id).name
        return NodeRef("project_version", f"{project_id}@{version.number}",
                       node.title or f"{name} v{version.number}", node.description, node.link)

    def normalize_node(self, node: NodeRef) -> NodeRef:
        """Projects and versions named by id (or unique name) as ``<id>`` / ``<id>@<n>``."""
        node.check()
        if node.type == "project":
            return _with_ref(node, str(self._project_ref(node.ref)))
        if node.type == "project_version":
            match = _VERSION_REF.match(node.ref.strip())
            if match is None:
                raise ValidationError("ref", f"'{node.ref}' is not <project>@<version number>")
            project_id = self._project_ref(match["project"])
            number = int(match["number"])
            self.version(project_id, number)
            return _with_ref(node, f"{project_id}@{number}")
        if node.type == "app_session":
            try:
                return _with_ref(node, str(UUID(node.ref)))
            except ValueError:
                return node
        return node

    def _project_ref(self, ref: str) -> UUID:
        heads = [h for h in self.store.heads() if h.project_id != SYSTEM_PROJECT]
        try:
            wanted = UUID(ref)
        except ValueError:
            named = [h.project_id for h in heads if h.name == ref]
            if len(named) == 1:
                return named[0]
            if named:
                raise ValidationError("ref", f"project name '{ref}' is ambiguous") from None
            raise NotFoundError("project", ref) from None
        if any(h.project_id == wanted for h in heads):
            return wanted
        raise NotFoundError("project", ref)


def _with_ref(node: NodeRef, ref: str) -> NodeRef:
    return NodeRef(node.type, ref, node.title, node.description, node.link)
