"""Who may see and change what: the rules use cases apply to their caller.

A caller is a :class:`~application.access.principal.Principal` (an API token) or None, the
operator at the command line, who acts as admin. Two rules hold everywhere:

* A project the caller may not read is answered exactly as a missing one (the same
  ``NotFoundError`` naming the reference as given): a token limited to one project never
  learns whether another exists, nor what its name resolves to.
* What the caller may read but not change is refused with ``ForbiddenError`` (403).

Sessions belong to no project, so their rules follow from the projects they touch
(:meth:`domain.session.AppSession.projects`) and from the token that started them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from application.access.principal import Principal
from application.ports import SYSTEM_PROJECT
from domain.errors import ForbiddenError, NotFoundError
from domain.session import AppSession
from domain.token import ANNOTATE, MANAGE

if TYPE_CHECKING:
    from application.projects.projects import Projects

Caller = Principal | None
"""A token's principal, or None for the operator (the CLI), who may do everything."""


def scope_of(by: Caller) -> UUID | None:
    """The one project a limited caller may see; None when it may see every project."""
    return None if by is None else by.project_id


def reads(by: Caller, project_id: UUID) -> bool:
    return by is None or by.reads(project_id)


def resolve_project(projects: Projects, ref: str, by: Caller = None) -> UUID:
    """A project by id (one lookup) or unique name, among those the caller may read.

    A limited caller's reference is compared with its own project only, so another
    project's id or name, an ambiguous name and a missing project all give the same
    ``NotFoundError("project", ref)``.
    """
    return resolve_project_in(projects, ref, scope_of(by))


def resolve_project_in(projects: Projects, ref: str, only: UUID | None) -> UUID:
    """:func:`resolve_project` for a caller who may read ``only`` (None: every project)."""
    if only is not None:
        head = projects.core.store.head(only)
        if head is not None and (ref == head.name or _same_id(ref, only)):
            return only
        raise NotFoundError("project", ref)
    try:
        project_id = UUID(ref)
    except ValueError:
        return projects.resolve(ref)
    if project_id == SYSTEM_PROJECT or projects.core.store.head(project_id) is None:
        raise NotFoundError("project", ref)
    return project_id


def _same_id(ref: str, project_id: UUID) -> bool:
    try:
        return UUID(ref) == project_id
    except ValueError:
        return False


def require_unscoped(by: Caller, what: str) -> None:
    """Creating a project is for callers not limited to one (the new one would be
    outside their scope): a limited token is refused, naming what it tried."""
    if scope_of(by) is not None:
        assert by is not None
        raise ForbiddenError(f"a token limited to one project cannot {what}",
                             needs="unscoped")


def require_manage(by: Caller, project_id: UUID, what: str) -> None:
    """The caller may create versions of (and otherwise manage) the project."""
    if by is None or by.manages(project_id):
        return
    if not by.reads(project_id):
        raise NotFoundError("project", project_id)
    raise ForbiddenError(f"{what} creates a version of project {project_id}, which needs "
                         f"the manage right (role '{by.role}' lacks it)", needs="manage")


# -- sessions -------------------------------------------------------------------------------

def sees_session(by: Caller, session: AppSession) -> bool:
    """A limited caller sees the sessions that touch its project and those it started."""
    only = scope_of(by)
    if only is None:
        return True
    assert by is not None
    return session.token_id == by.token_id or only in session.projects()


def check_session_change(by: Caller, session: AppSession) -> None:
    """Inputs, outputs, progress and finish: by the token that started the session, a
    manager of every project it touches, or an admin (a global manager manages all)."""
    if not sees_session(by, session):
        raise NotFoundError("session", session.id)
    if by is None or (by.can(ANNOTATE) and session.token_id == by.token_id):
        return
    touched = session.projects()
    if by.can(MANAGE) and all(by.covers(p) for p in touched) and (
            by.project_id is None or touched):
        return
    raise ForbiddenError(
        f"session {session.id} was started by another token: only that token, a manager "
        f"of the projects it touches or an admin may change it", needs="manage")
