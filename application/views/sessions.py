"""Plain views of app sessions, as queries return them.

A caller limited to some projects sees a session that also touched others without the
inputs and outputs that name those others (their ids are not its to learn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.session import AppSession, NodeRef, project_of


@dataclass(frozen=True, slots=True)
class SessionView:
    id: UUID
    app: str
    kind: str
    actor: str
    status: str
    parameters: dict[str, Any]
    auto_version: bool
    inputs: tuple[NodeRef, ...]
    outputs: tuple[NodeRef, ...]
    progress: tuple[int, int, str]
    started_at: str
    """When it started: its producer's time (an OpenLineage ``eventTime``), else when it
    was recorded."""
    updated_at: str
    """When it last changed in the ledger."""
    finished_at: str | None = None
    """When it finished (same rule as ``started_at``); None while running."""

    @classmethod
    def of(cls, s: AppSession, *,
           readable: Callable[[UUID], bool] | None = None) -> SessionView:
        """The session; with ``readable``, without the nodes of other projects."""
        def shown(nodes: list[NodeRef]) -> tuple[NodeRef, ...]:
            if readable is None:
                return tuple(nodes)
            return tuple(n for n in nodes if (p := project_of(n)) is None or readable(p))

        finished = s.finished_at or (s.modified_on if s.finished else None)
        return cls(s.id, s.app, s.kind, s.actor, s.status, dict(s.parameters), s.auto_version,
                   shown(s.inputs), shown(s.outputs), s.progress,
                   (s.started_at or s.created_on).isoformat(), s.modified_on.isoformat(),
                   finished.isoformat() if finished is not None else None)

    def as_json(self) -> dict[str, Any]:
        done, total, message = self.progress
        return {
            "id": str(self.id), "app": self.app, "kind": self.kind, "actor": self.actor,
            "status": self.status, "parameters": self.parameters,
            "auto_version": self.auto_version,
            "inputs": [node_json(n) for n in self.inputs],
            "outputs": [node_json(n) for n in self.outputs],
            "progress": {"done": done, "total": total, "message": message},
            "started_at": self.started_at, "updated_at": self.updated_at,
            "finished_at": self.finished_at,
        }


def node_json(n: NodeRef) -> dict[str, str]:
    return {"type": n.type, "ref": n.ref, "title": n.title, "description": n.description,
            "link": n.link}
