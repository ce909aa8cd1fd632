"""annoledger's own operations record themselves as app sessions.

Import, version create, restore, revert and export each run inside a session of their
own: the operation's events carry the new session's id, and once it succeeded the
session is saved with its inputs, outputs and ``Finished(succeeded)`` in one save. So
the workflow graph is complete without outside apps. The services running those
operations (:mod:`application.versions.versions`, :mod:`application.transfer.imports`,
:mod:`application.transfer.exports`) open and close the session through this service.

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
* Return values and exceptions are exactly those of the operations themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.core.ledger_core import LedgerCore
from domain.session import AppSession, NodeRef
from domain.values import Context


class RecordedOperations:
    """Opens and closes the app session an operation started without one runs in."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def open(self, kind: str, app: str, ctx: Context,
             parameters: dict[str, Any]) -> tuple[AppSession, Context]:
        """A new session (not saved yet), and ``ctx`` naming it for the operation."""
        session = AppSession.start(app, kind, ctx.actor, uuid4(), parameters=parameters)
        return session, Context(ctx.actor, session.id, ctx.extra)

    def close(self, session: AppSession, inputs: list[NodeRef],
              outputs: list[NodeRef]) -> None:
        """Record the inputs and outputs, finish as succeeded, and save, in one save."""
        for node in inputs:
            session.add_input(node)
        for node in outputs:
            session.add_output(node)
        session.finish("succeeded")
        self.core.save_system(session)

    @staticmethod
    def project_node(project_id: UUID) -> NodeRef:
        return NodeRef("project", str(project_id))

    @staticmethod
    def version_node(project_id: UUID, number: int, title: str = "") -> NodeRef:
        return NodeRef("project_version", f"{project_id}@{number}", title)

    @staticmethod
    def path_node(path: Path) -> NodeRef:
        resolved = path.resolve()
        return NodeRef("folder" if resolved.is_dir() else "file", str(resolved))
