"""Plain views of app sessions, as queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.session import AppSession, NodeRef


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
    updated_at: str

    @classmethod
    def of(cls, s: AppSession) -> SessionView:
        return cls(s.id, s.app, s.kind, s.actor, s.status, dict(s.parameters), s.auto_version,
                   tuple(s.inputs), tuple(s.outputs), s.progress, s.created_on.isoformat(),
                   s.modified_on.isoformat())

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
        }


def node_json(n: NodeRef) -> dict[str, str]:
    return {"type": n.type, "ref": n.ref, "title": n.title, "description": n.description,
            "link": n.link}
