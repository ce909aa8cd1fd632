"""App sessions: start, inputs and outputs, progress, finish; and listing them.

Sessions are saved to the system log (:data:`application.ports.SYSTEM_PROJECT`), never
to a project's: a session may touch several projects, and recording one must not move
a project's log position (a version is a position).

Automatic versions (training, or any session started with ``auto_version``): an input
of type ``project`` is replaced by the exact version the session reads, a new one when
the project changed since its latest version, the latest one otherwise. The version is
created with the session's id in its context, so its ``VersionCreated`` event names the
session that caused it and no separate "version create" session is recorded.

Every command and query takes its caller (``by``: a token's principal, or None for the
operator) and applies :mod:`application.access.authorization`: a session is seen by those who
may read a project it touches (or started it), changed by the token that started it, a
manager of its projects or an admin; naming a project the caller may not read is
answered as naming a missing one; an automatic version needs the manage right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from application.access import authorization as authz
from application.access.authorization import Caller
from application.core.ledger_core import LedgerCore
from application.core.topics import event_class, is_event
from application.ports import SYSTEM_PROJECT
from application.views.sessions import SessionView
from domain.errors import NoChangesError, NotFoundError, ValidationError
from domain.session import AppSession, NodeRef
from domain.values import Context

if TYPE_CHECKING:
    from application.projects.projects import Projects
    from application.versions.versions import Versions

STARTED = event_class(AppSession, "Started")
_VERSION_REF = re.compile(r"^(?P<project>.+?)@v?(?P<number>\d+)$")


class Sessions:
    """App sessions, saved to the system log; projects and versions resolve and record
    what they read."""

    def __init__(self, core: LedgerCore, projects: Projects, versions: Versions) -> None:
        self.core = core
        self.projects = projects
        self.versions = versions

    # -- commands ------------------------------------------------------------------------

    def start(
        self, app: str, kind: str, ctx: Context, *, parameters: dict[str, Any] | None = None,
        auto_version: bool = False, inputs: Iterable[NodeRef] = (),
        session_id: UUID | None = None, by: Caller = None,
    ) -> UUID:
        """Record a running session (and its first inputs); returns its id."""
        session = AppSession.start(app, kind, ctx.actor, session_id or uuid4(),
                                   parameters=parameters, auto_version=auto_version,
                                   token_id=by.token_id if by is not None else None)
        for node in inputs:
            session.add_input(self.read_node(session, node, ctx, by))
        self.core.save_system(session)
        return session.id

    def add_input(self, session_id: UUID, node: NodeRef, ctx: Context | None = None,
                  by: Caller = None) -> NodeRef:
        """Record an input; returns it as recorded (a project may become its version)."""
        def attempt() -> NodeRef:
            session = self.to_change(session_id, by)
            recorded = self.read_node(session, node, ctx, by)
            if session.add_input(recorded):
                self.core.save_system(session)
            return recorded

        return self.core.retrying(5, attempt)

    def add_output(self, session_id: UUID, node: NodeRef, by: Caller = None) -> NodeRef:
        def attempt() -> NodeRef:
            session = self.to_change(session_id, by)
            recorded = self.normalize_node(node, by)
            if session.add_output(recorded):
                self.core.save_system(session)
            return recorded

        return self.core.retrying(5, attempt)

    def progress(self, session_id: UUID, done: int, total: int, message: str = "",
                 by: Caller = None) -> None:
        def attempt() -> None:
            session = self.to_change(session_id, by)
            session.report_progress(done, total, message)
            self.core.save_system(session)

        self.core.retrying(5, attempt)

    def finish(self, session_id: UUID, status: str = "succeeded", by: Caller = None) -> None:
        def attempt() -> None:
            session = self.to_change(session_id, by)
            session.finish(status)
            self.core.save_system(session)

        self.core.retrying(5, attempt)

    # -- queries -------------------------------------------------------------------------

    def get(self, session_id: UUID) -> AppSession:
        return self.core.get(session_id, AppSession, "session")

    def to_change(self, session_id: UUID, by: Caller = None) -> AppSession:
        """The session, if the caller may change it (404 if it may not even see it)."""
        session = self.get(session_id)
        authz.check_session_change(by, session)
        return session

    def view(self, session_id: UUID, by: Caller = None) -> SessionView:
        """The session as the caller may see it (one it may not see is missing to it)."""
        session = self.get(session_id)
        if not authz.sees_session(by, session):
            raise NotFoundError("session", session_id)
        return SessionView.of(session, readable=_readable(by))

    def list(self, *, limit: int | None = 100, kind: str | None = None,
                 status: str | None = None, by: Caller = None) -> list[SessionView]:
        """Sessions the caller may see, newest first (the system log's ``Started`` events,
        then each session)."""
        records = self.core.store.log(SYSTEM_PROJECT, desc=True, with_state=False)
        views = []
        for rec in records:
            if not is_event(rec.topic, STARTED):
                continue
            session = self.get(rec.originator_id)
            if not authz.sees_session(by, session):
                continue
            view = SessionView.of(session, readable=_readable(by))
            if (kind is None or view.kind == kind) and (status is None or view.status == status):
                views.append(view)
                if limit is not None and len(views) >= limit:
                    break
        return views

    # -- helpers -------------------------------------------------------------------------

    def read_node(self, session: AppSession, node: NodeRef, ctx: Context | None,
                  by: Caller = None) -> NodeRef:
        """An input as the session reads it: auto-versioned projects become versions (which
        needs the manage right on the project, as creating a version directly does)."""
        node = self.normalize_node(node, by)
        if node.type != "project" or not session.auto_version:
            return node
        project_id = UUID(node.ref)
        authz.require_manage(by, project_id, f"reading it in {session.kind} session "
                                             f"{session.id} (automatic version)")
        version_ctx = Context((ctx or Context(session.actor)).actor, session.id)
        try:
            version = self.versions.create(
                project_id, version_ctx, f"read by {session.app}",
                f"recorded automatically for {session.kind} session {session.id}")
        except NoChangesError as exc:
            version = self.versions.get(project_id, exc.latest)
        name = self.projects.view(project_id).name
        return NodeRef("project_version", f"{project_id}@{version.number}",
                       node.title or f"{name} v{version.number}", node.description, node.link)

    def normalize_node(self, node: NodeRef, by: Caller = None) -> NodeRef:
        """Projects and versions named by id (or unique name) as ``<id>`` / ``<id>@<n>``;
        a project the caller may not read is not found."""
        node.check()
        if node.type == "project":
            return _with_ref(node, str(self._project_ref(node.ref, by)))
        if node.type == "project_version":
            match = _VERSION_REF.match(node.ref.strip())
            if match is None:
                raise ValidationError("ref", f"'{node.ref}' is not <project>@<version number>")
            project_id = self._project_ref(match["project"], by)
            number = int(match["number"])
            self.versions.get(project_id, number)
            return _with_ref(node, f"{project_id}@{number}")
        if node.type == "app_session":
            try:
                return _with_ref(node, str(UUID(node.ref)))
            except ValueError:
                return node
        return node

    def _project_ref(self, ref: str, by: Caller = None) -> UUID:
        if authz.scope_of(by) is not None:
            return authz.resolve_project(self.projects, ref, by)
        return self.projects.resolve(ref, field="ref")


def _readable(by: Caller) -> Callable[[UUID], bool] | None:
    """What the caller may read, for views to leave out the rest (None: everything)."""
    if authz.scope_of(by) is None:
        return None
    return lambda project_id: authz.reads(by, project_id)


def _with_ref(node: NodeRef, ref: str) -> NodeRef:
    return NodeRef(node.type, ref, node.title, node.description, node.link)
