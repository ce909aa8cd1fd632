"""annoledger's use cases: the public surface interfaces call.

Interfaces import from here (``from application import Ledger, SessionView``), never from
the modules behind it; only the composition root (``interfaces.composition``) reaches for
the concrete services to wire them. Names load on first use, so a command that needs
only its settings (``annoledger --help``) does not import every service.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from application.access.authorization import Caller, require_unscoped, resolve_project
    from application.access.principal import Principal
    from application.core.progress import ProgressFn, no_progress
    from application.demo import seed_demo
    from application.ledger import Ledger
    from application.ports import WorkflowPort
    from application.sessions.openlineage import ingest as ingest_openlineage
    from application.settings import Settings
    from application.versions.versions import CURRENT
    from application.views.audit import AuditFilter, AuditPage, AuditRow
    from application.views.events import EventView
    from application.views.history import BlameLine, HistoryEntry, ObjectState
    from application.views.items import SavedItem
    from application.views.operations import OperationResult, TrainSetResult
    from application.views.projects import ImportResult, LogEntry, ProjectView, VerifyView
    from application.views.proofs import ProofReport, VerifyReport, ViewReport
    from application.views.replay import BisectResult, ReplayView
    from application.views.sessions import SessionView, node_json
    from application.views.tokens import IssuedToken, TokenView

_WHERE = {
    "Ledger": "application.ledger",
    "Settings": "application.settings",
    "Principal": "application.access.principal",
    "Caller": "application.access.authorization",
    "require_unscoped": "application.access.authorization",
    "resolve_project": "application.access.authorization",
    "ProgressFn": "application.core.progress",
    "no_progress": "application.core.progress",
    "seed_demo": "application.demo",
    "WorkflowPort": "application.ports",
    "ingest_openlineage": "application.sessions.openlineage:ingest",
    "CURRENT": "application.versions.versions",
    "AuditFilter": "application.views.audit",
    "AuditPage": "application.views.audit",
    "AuditRow": "application.views.audit",
    "EventView": "application.views.events",
    "BlameLine": "application.views.history",
    "HistoryEntry": "application.views.history",
    "ObjectState": "application.views.history",
    "OperationResult": "application.views.operations",
    "TrainSetResult": "application.views.operations",
    "SavedItem": "application.views.items",
    "ImportResult": "application.views.projects",
    "LogEntry": "application.views.projects",
    "ProjectView": "application.views.projects",
    "VerifyView": "application.views.projects",
    "ProofReport": "application.views.proofs",
    "VerifyReport": "application.views.proofs",
    "ViewReport": "application.views.proofs",
    "BisectResult": "application.views.replay",
    "ReplayView": "application.views.replay",
    "SessionView": "application.views.sessions",
    "node_json": "application.views.sessions",
    "IssuedToken": "application.views.tokens",
    "TokenView": "application.views.tokens",
}

__all__ = [
    "CURRENT",
    "AuditFilter",
    "AuditPage",
    "AuditRow",
    "BisectResult",
    "BlameLine",
    "Caller",
    "EventView",
    "HistoryEntry",
    "ImportResult",
    "IssuedToken",
    "Ledger",
    "LogEntry",
    "ObjectState",
    "OperationResult",
    "Principal",
    "ProgressFn",
    "ProjectView",
    "ProofReport",
    "ReplayView",
    "SavedItem",
    "SessionView",
    "Settings",
    "TokenView",
    "TrainSetResult",
    "VerifyReport",
    "VerifyView",
    "ViewReport",
    "WorkflowPort",
    "ingest_openlineage",
    "no_progress",
    "node_json",
    "require_unscoped",
    "resolve_project",
    "seed_demo",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'application' has no attribute '{name}'")
    module, _, attr = where.partition(":")
    value = getattr(import_module(module), attr or name)
    globals()[name] = value
    return value
