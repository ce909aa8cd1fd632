"""The annoledger application: every use case, as one eventsourcing Application.

Commands take primitives or value objects plus a :class:`domain.values.Context`
(actor, app session) and return ids or versions; queries return plain views.
"""

from __future__ import annotations

from uuid import UUID

from application.compliance import ComplianceQueries
from application.files import FileCommands
from application.imports import ImportCommands
from application.item_edits import ItemEdits
from application.meta_commands import MetaCommands
from application.recorded_operations import RecordedOperations
from application.session_commands import SessionCommands
from application.token_commands import TokenCommands
from application.views import VerifyView


class AnnoLedger(ComplianceQueries, RecordedOperations, FileCommands, ImportCommands,
                 MetaCommands, SessionCommands, ItemEdits, TokenCommands):
    def verify(self, project_id: UUID | None = None) -> list[VerifyView]:
        """Recompute hash chains: one project's, or every project's (and the system log)."""
        heads = self.store.heads()
        names = {h.project_id: h.name or "(system)" for h in heads}
        ids = [project_id] if project_id else [h.project_id for h in heads]
        views = []
        for pid in ids:
            r = self.store.verify(pid)
            views.append(VerifyView(pid, names.get(pid, "?"), r.ok, r.checked, r.position,
                                    r.reason, r.head.hex()))
        return views
