"""Audit queries: who changed what, when, through which app session.

Answered from the audit index, a projection the composition root passes in
(:class:`AuditIndexPort`): it is caught up with the log before every query, so an
answer always includes the last committed event.

Every command opens and closes an app session around what it changes, so session
bookkeeping would outnumber the changes people look for: it is left out unless asked
for (``include_sessions``), or the question is about a session (``session_id``) or names
a bookkeeping event type (``AppSession.Started``).
"""

from __future__ import annotations

from dataclasses import replace

from application.core.ledger_core import LedgerCore
from application.core.progress import ProgressFn
from application.ports import AuditIndexPort
from application.views.audit import AuditFilter, AuditPage
from domain.audit_entry import BOOKKEEPING
from domain.errors import ValidationError

MAX_PAGE = 1000


class Audit:
    """The audit index, caught up and queried."""

    def __init__(self, core: LedgerCore, index: AuditIndexPort) -> None:
        self.core = core
        self.index = index

    def catch_up(self, progress: ProgressFn | None = None) -> int:
        """Index every event after the index's position; returns how many."""
        return self.index.catch_up(self.core, progress)

    def query(self, where: AuditFilter | None = None, *, limit: int = 100,
              offset: int = 0) -> AuditPage:
        """A page of audit rows matching every given filter, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise ValidationError("offset", "must not be negative")
        where = where or AuditFilter()
        if where.since is not None and where.until is not None and where.since > where.until:
            raise ValidationError("since", "is after until")
        if where.item_path is not None and "/" not in where.item_path:
            raise ValidationError("item", f"'{where.item_path}' is not a dataset/name path")
        if where.session_id is not None or (where.type or "").partition(".")[0] in BOOKKEEPING:
            where = replace(where, include_sessions=True)
        self.catch_up()
        rows = list(self.index.query(where, limit + 1, offset))
        more = len(rows) > limit
        return AuditPage(rows[:limit], limit, offset, offset + limit if more else None)
