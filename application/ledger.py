"""The ledger: every capability of annoledger as one object of composed services.

Built by the composition root (:mod:`interfaces.composition`), never attached to after:
each service received what it needs in its constructor. Interfaces call through it,
for example ``ledger.versions.create(project_id, ctx, "v1")`` or
``ledger.annotations.put(project_id, item_id, expected, data, ctx)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.access.tokens import Tokens
from application.compliance.audit import Audit
from application.compliance.history import History
from application.compliance.proofs import Proofs
from application.compliance.replay import Replay
from application.core.ledger_core import LedgerCore
from application.core.states import States
from application.items.annotations import Annotations
from application.items.items import Items
from application.media.media_files import MediaFiles
from application.ports import ProjectionsPort, WorkflowPort
from application.projects.projects import Projects
from application.sessions.sessions import Sessions
from application.transfer.exports import Exports
from application.transfer.imports import Imports
from application.versions.versions import Versions


@dataclass(frozen=True, slots=True)
class Ledger:
    core: LedgerCore
    """Loading and saving aggregates (the eventsourcing Application)."""
    states: States
    """A project's state at any position (shared by the services below)."""
    projects: Projects
    """Projects, their classes, tag metas and datasets; names resolved to ids."""
    items: Items
    """Typed item commands: upload, edit objects and tags, move, remove."""
    annotations: Annotations
    """Item edits as the HTTP API takes them: Supervisely JSON, scoped, ETag-guarded."""
    media: MediaFiles
    """Stored image bytes, upload grants, and which links and files may be read."""
    versions: Versions
    """Create, list, compare, restore and revert versions."""
    imports: Imports
    """Projects read from files (CLI) or uploads (HTTP), new or synced."""
    exports: Exports
    """Projects written to files."""
    sessions: Sessions
    """App sessions: start, inputs and outputs, progress, finish, listing."""
    tokens: Tokens
    """API tokens: issue, list, revoke, authenticate."""
    audit: Audit
    """Who changed what, when: the audit index."""
    history: History
    """The project log, an item's history, blame."""
    replay: Replay
    """State at any position, stepping, bisect, geometry-aware compare."""
    proofs: Proofs
    """Hash-chain verification, log digests and proofs that a log extends one."""
    projections: ProjectionsPort
    """The runner that keeps every read model up to date."""
    workflow: WorkflowPort
    """The MLOps workflow graph's read model."""
