"""annoledger's own operations record themselves as app sessions.

Import, version create, restore, revert and export each run inside a session of their
own: the operation's events carry the new session's id, and the session, with its
inputs, outputs and ``Finished(succeeded)``, is written **in the same transaction as
the operation's events** (the last batch of the operation's write, on the system log:
:meth:`RecordedOperations.closing`). So the workflow graph is complete without outside
apps, and no event ever names a session that was not saved: a crash or a failure
anywhere in the write records neither. The services running those operations
(:mod:`application.versions.versions`, :mod:`application.transfer.imports`,
:mod:`application.transfer.exports`) open the session through this service and hand
its closing batch to their write.

Choices, and why:

* A refused or failed operation records no session: a refusal (a version with no
  changes, a name taken) changes nothing, and a failed write writes nothing, session
  included, so there is nothing for the graph to show.
* An export writes no events: its session is saved alone once the files are written.
* When the caller's context already names a session (an outside app importing through
  its own session, or a training session creating its automatic version), that session
  is the one of record: no second session is recorded, and the caller records its own
  inputs and outputs.
* Return values and exceptions are exactly those of the operations themselves.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.core.bulk import Batch
from application.core.ledger_core import LedgerCore
from application.ports import SYSTEM_PROJECT, ProjectWrite
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

    def closing(self, session: AppSession, inputs: list[NodeRef],
                outputs: list[NodeRef]) -> Batch:
        """The session with its inputs and outputs, finished as succeeded, as the batch of
        the system log that the operation's last write carries (one transaction).

        Each call finishes a copy of the session as opened, so a write that is tried
        again (a version racing another writer) carries the session again, whole.
        """
        done = copy.deepcopy(session)
        for node in inputs:
            done.add_input(node)
        for node in outputs:
            done.add_output(node)
        done.finish("succeeded")
        return [done], ProjectWrite(SYSTEM_PROJECT)

    def close(self, session: AppSession, inputs: list[NodeRef],
              outputs: list[NodeRef]) -> None:
        """Save the session alone: for an operation that records no events (an export)."""
        self.core.write_batches([self.closing(session, inputs, outputs)])

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
