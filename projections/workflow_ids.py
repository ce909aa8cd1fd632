"""Workflow node ids and kinds: one id per thing, whoever names it.

A node id is ``<kind>:<ref>``: ``session:<uuid>``, ``project:<uuid>``,
``version:<project uuid>@<number>``, ``model_weight:<ref>``... The kind is part of the
id, so a node never changes kind, and an app session named as another session's
input (``app_session``) is the same node as that session.
"""

from __future__ import annotations

KIND_OF_TYPE: dict[str, str] = {
    "project": "project", "project_version": "version", "app_session": "session",
    "dataset": "dataset", "file": "file", "model_weight": "model_weight", "folder": "folder",
    "task": "task", "job": "job", "report": "report",
}
TYPE_OF_KIND: dict[str, str] = {k: t for t, k in KIND_OF_TYPE.items()}
DATA_KINDS = frozenset(KIND_OF_TYPE.values()) - {"session"}


def node_id(type: str, ref: str) -> str:
    """The id of the node a session input or output of this type and ref names."""
    return f"{KIND_OF_TYPE.get(type, type)}:{ref}"


def kind_of(node: str) -> str:
    return node.partition(":")[0]


def ref_of(node: str) -> str:
    return node.partition(":")[2]


def session_node(session_id: object) -> str:
    return f"session:{session_id}"


def project_node(project_id: object) -> str:
    return f"project:{project_id}"


def version_node(project_id: object, number: int) -> str:
    return f"version:{project_id}@{number}"
