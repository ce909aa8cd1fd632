"""Who may see and change what: the rules use cases apply to their caller.

A caller is a :class:`~application.token_commands.Principal` (an API token) or None, the
operator at the command line, who acts as admin. Two rules hold everywhere:

* A project the caller may not read is answered exactly as a missing one (the same
  ``NotFoundError`` naming the reference as given): a token limited to one project never
  learns whether another exists, nor what its name resolves to.
* What the caller may read but not change is refused with ``ForbiddenError`` (403).

Sessions belong to no project, so their rules follow from the projects they touch
(:meth:`domain.session.AppSession.projects`) and from the token that started them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from application.ports import SYSTEM_PROJECT, LedgerStore
from application.token_commands import Principal
from domain.errors import ForbiddenError, NotFoundError, ValidationError
from domain.session import AppSession
from domain.token import ANNOTATE, MANAGE
from domain.values import MediaLink

if TYPE_CHECKING:
    from application.app import AnnoLedger

Caller = Principal | None
"""A token's principal, or None for the operator (the CLI), who may do everything."""


class Projects(Protocol):
    """What resolving a project reference needs from the application."""

    @property
    def store(self) -> LedgerStore: ...

    def resolve_project(self, ref: str | UUID) -> UUID: ...


def scope_of(by: Caller) -> UUID | None:
    """The one project a limited caller may see; None when it may see every project."""
    return None if by is None else by.project_id


def reads(by: Caller, project_id: UUID) -> bool:
    return by is None or by.reads(project_id)


def resolve_project(ledger: Projects, ref: str, by: Caller = None) -> UUID:
    """A project by id (one lookup) or unique name, among those the caller may read.

    A limited caller's reference is compared with its own project only, so another
    project's id or name, an ambiguous name and a missing project all give the same
    ``NotFoundError("project", ref)``.
    """
    return resolve_project_in(ledger, ref, scope_of(by))


def resolve_project_in(ledger: Projects, ref: str, only: UUID | None) -> UUID:
    """:func:`resolve_project` for a caller who may read ``only`` (None: every project)."""
    if only is not None:
        head = ledger.store.head(only)
        if head is not None and (ref == head.name or _same_id(ref, only)):
            return only
        raise NotFoundError("project", ref)
    try:
        project_id = UUID(ref)
    except ValueError:
        return ledger.resolve_project(ref)
    if project_id == SYSTEM_PROJECT or ledger.store.head(project_id) is None:
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


# -- media ----------------------------------------------------------------------------------
# The store is shared by every project and addressed by content: a sha256 is no secret
# (Supervisely puts it in every image's info), so it grants nothing by itself. Bytes leave
# the store for a limited caller only when its token uploaded them, or when its project
# links them *as a store reference*; such a link is accepted only from a token that
# uploaded the bytes (or from the operator, or by copying a project's own links).
# A link declaring another project's sha256 under a remote URI serves nothing.

def media_file_for(ledger: AnnoLedger, sha256: str, by: Caller = None) -> Path:
    """Stored bytes by sha256, for a caller who may read them (else: missing media)."""
    only = scope_of(by)
    if only is not None:
        assert by is not None
        if not (ledger.uploaded(by.token_id, sha256)
                or project_links_media(ledger, only, sha256)):
            raise NotFoundError("media", sha256)
    return ledger.media_file(sha256)


def item_media_file(ledger: AnnoLedger, project_id: UUID, item_id: UUID) -> Path:
    """An item's bytes, read where an export would read them: the store's copy its own
    link names, or its file under a media root (the demo's images). Any other link is
    data only, whatever sha256 it declares."""
    path = ledger.media_path(ledger.item_in(project_id, item_id).media)
    if path is None:
        raise NotFoundError("media of item", item_id)
    return path


def may_link_stored(ledger: AnnoLedger, by: Caller) -> Callable[[str], bool] | None:
    """For files a caller uploads: which store references they may carry (None: any)."""
    if scope_of(by) is None:
        return None
    assert by is not None
    token = by.token_id
    return lambda sha256: ledger.uploaded(token, sha256)


def check_store_link(ledger: AnnoLedger, link: MediaLink, field: str, by: Caller) -> None:
    """A limited caller may link stored bytes only when its token uploaded them."""
    sha = ledger.stored_sha(link)
    if sha is None or scope_of(by) is None:
        return
    assert by is not None
    if not ledger.uploaded(by.token_id, sha):
        raise ValidationError(f"{field}.uri", "names stored media this token did not upload"
                                               " (upload it with POST /api/v1/media)")


def project_links_media(ledger: AnnoLedger, project_id: UUID, sha256: str) -> bool:
    """Whether a current item of the project links this sha256 as a store reference
    (loads the items: media by hash is rare for limited tokens, which have the item's
    own media route)."""
    manifest = ledger.manifest_at(project_id, ledger.project_view(project_id).position)
    return any(ledger.stored_sha(state.media) == sha256 for state in ledger.items_at(manifest))
