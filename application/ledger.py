"""The ledger: every capability of annoledger as one object of composed services.

The composition root (:mod:`interfaces.composition`) implements it: each service is
built the first time it is asked for, receiving what it needs in its constructor, so a
command pays only for the services it calls. Interfaces call through it,
for example ``ledger.versions.create(project_id, ctx, "v1")`` or
``ledger.annotations.put(project_id, item_id, expected, data, ctx)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
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
    from application.operations.operations import Operations
    from application.ports import ProjectionsPort, WorkflowPort
    from application.projects.projects import Projects
    from application.sessions.sessions import Sessions
    from application.transfer.exports import Exports
    from application.transfer.imports import Imports
    from application.versions.versions import Versions


class Ledger(Protocol):
    """One read-only property per capability; see :mod:`application.ledger`."""

    @property
    def core(self) -> LedgerCore:
        """Loading and saving aggregates (the eventsourcing Application)."""

    @property
    def states(self) -> States:
        """A project's state at any position (shared by the services below)."""

    @property
    def projects(self) -> Projects:
        """Projects, their classes, tag metas and datasets; names resolved to ids."""

    @property
    def items(self) -> Items:
        """Typed item commands: upload, edit objects and tags, move, remove."""

    @property
    def annotations(self) -> Annotations:
        """Item edits as the HTTP API takes them: Supervisely JSON, scoped, ETag-guarded."""

    @property
    def media(self) -> MediaFiles:
        """Stored image bytes, upload grants, and which links and files may be read."""

    @property
    def versions(self) -> Versions:
        """Create, list, compare, restore and revert versions."""

    @property
    def imports(self) -> Imports:
        """Projects read from files (CLI) or uploads (HTTP), new or synced."""

    @property
    def exports(self) -> Exports:
        """Projects written to files."""

    @property
    def operations(self) -> Operations:
        """Data operations (split, merge, augment...) as recorded, reproducible runs."""

    @property
    def sessions(self) -> Sessions:
        """App sessions: start, inputs and outputs, progress, finish, listing."""

    @property
    def tokens(self) -> Tokens:
        """API tokens: issue, list, revoke, authenticate."""

    @property
    def audit(self) -> Audit:
        """Who changed what, when: the audit index."""

    @property
    def history(self) -> History:
        """The project log, an item's history, blame."""

    @property
    def replay(self) -> Replay:
        """State at any position, stepping, bisect, geometry-aware compare."""

    @property
    def proofs(self) -> Proofs:
        """Hash-chain verification, log digests and proofs that a log extends one."""

    @property
    def projections(self) -> ProjectionsPort:
        """The runner that keeps every read model up to date."""

    @property
    def workflow(self) -> WorkflowPort:
        """The MLOps workflow graph's read model."""
