"""What each event means for the workflow graph: node and edge changes.

Handlers are pure: an event in, a list of changes out, without reading any state.
A node change carries only the attributes the event knows; empty values never erase
what an earlier event said (a session's input without a title keeps the project's
name). Events that do not concern the workflow (items, classes, tags) give nothing.

Edges: ``input`` (data node -> session), ``output`` (session -> data node), ``version``
(project -> each of its versions, from ``Project.VersionCreated``) and ``restored``
(version -> the project restored from it, from ``Project.Created`` with provenance).

Two times per change: ``time``, when annoledger recorded it (rows are valid from then,
so "as of" is what the ledger knew then), and for an edge ``at``, when it happened: the
producer's time when the event carries one (an OpenLineage ``eventTime``), else the
same. A session's ``started_at`` / ``finished_at`` follow the same rule. Lineage walks
edges by ``at`` (:mod:`projections.workflow_queries`).

:func:`changes_of` dispatches on the event's class (:func:`functools.singledispatch`),
never on its stored topic or module path: renaming a module cannot silently empty the
graph, and an event of any class not registered here gives nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.core.topics import event_class
from domain.data_node import DataNode
from domain.project import Project
from domain.session import AppSession
from projections.workflow_ids import node_id, project_node, session_node, version_node


@dataclass(frozen=True, slots=True)
class NodeChange:
    node: str
    attrs: dict[str, Any]
    time: float


@dataclass(frozen=True, slots=True)
class EdgeChange:
    src: str
    dst: str
    key: str
    time: float
    """When it was recorded."""
    at: float
    """When it happened (epoch seconds)."""


Change = NodeChange | EdgeChange


@functools.singledispatch
def changes_of(event: object) -> list[Change]:
    """What ``event`` changes in the graph: nothing, unless its class is registered below."""
    return []


def _at(event: Any) -> float:
    """When the event was recorded (epoch seconds)."""
    return float(event.timestamp.timestamp())


def _happened(event: Any, field: str = "at") -> float:
    """When what the event records happened: the time it carries (events written before
    such times existed carry none), else when it was recorded."""
    moment = getattr(event, field, None)
    return _at(event) if moment is None else float(moment.timestamp())


def _happened_iso(event: Any, field: str = "at") -> str:
    """:func:`_happened` in ISO 8601 (UTC), a carried time to the microsecond it was given."""
    moment = getattr(event, field, None)
    return _iso(_at(event)) if moment is None else moment.astimezone(UTC).isoformat()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


@changes_of.register(event_class(AppSession, "Started"))
def _started(e: Any) -> list[Change]:
    t = _at(e)
    return [NodeChange(session_node(e.originator_id), {
        "type": "app_session", "ref": str(e.originator_id), "app": e.app,
        "session_kind": e.kind, "actor": e.actor, "status": "running",
        "auto_version": e.auto_version, "parameters": e.parameters,
        "started_at": _happened_iso(e, "started_at"),
    }, t)]


OWN_CARDS = ("project", "project_version", "app_session")
"""Nodes whose card text comes from their own events, never from a mention."""


def _data(e: Any) -> dict[str, Any]:
    attrs = {"type": e.type, "ref": e.ref}
    if e.type not in OWN_CARDS:
        attrs.update(title=e.title, description=e.description, link=e.link)
    return attrs


@changes_of.register(event_class(AppSession, "InputAdded"))
def _input(e: Any) -> list[Change]:
    t = _at(e)
    data = node_id(e.type, e.ref)
    return [NodeChange(data, _data(e), t),
            EdgeChange(data, session_node(e.originator_id), "input", t, _happened(e))]


@changes_of.register(event_class(AppSession, "OutputAdded"))
def _output(e: Any) -> list[Change]:
    t = _at(e)
    data = node_id(e.type, e.ref)
    return [NodeChange(data, _data(e), t),
            EdgeChange(session_node(e.originator_id), data, "output", t, _happened(e))]


@changes_of.register(event_class(AppSession, "Progressed"))
def _progressed(e: Any) -> list[Change]:
    t = _at(e)
    return [NodeChange(session_node(e.originator_id), {
        "progress_done": e.done, "progress_total": e.total, "progress_message": e.message}, t)]


@changes_of.register(event_class(AppSession, "Finished"))
def _finished(e: Any) -> list[Change]:
    t = _at(e)
    return [NodeChange(session_node(e.originator_id),
                       {"status": e.status, "finished_at": _happened_iso(e)}, t)]


@changes_of.register(event_class(DataNode, "Declared"))
@changes_of.register(event_class(DataNode, "Described"))
def _declared(e: Any) -> list[Change]:
    t = _at(e)
    return [NodeChange(node_id(e.type, e.ref), _data(e), t)]


@changes_of.register(event_class(DataNode, "Linked"))
def _linked(e: Any) -> list[Change]:
    t = _at(e)
    owner = node_id(e.owner_type, e.owner_ref)
    data = node_id(e.type, e.ref)
    at = _happened(e)
    edge = EdgeChange(data, owner, "input", t, at) if e.direction == "input" else EdgeChange(
        owner, data, "output", t, at)
    return [NodeChange(data, _data(e), t), edge]


@changes_of.register(event_class(Project, "Created"))
def _project_created(e: Any) -> list[Change]:
    t = _at(e)
    project = project_node(e.originator_id)
    changes: list[Change] = [NodeChange(project, {
        "type": "project", "ref": str(e.originator_id), "name": e.name,
        "created_at": _iso(t), "actor": e.actor}, t)]
    p = e.provenance
    if p is not None:
        source = version_node(p.project_id, p.version)
        changes += [
            NodeChange(project, {"restored_from": f"{p.project_id}@{p.version}"}, t),
            NodeChange(source, {"type": "project_version", "project": str(p.project_id),
                                "number": p.version, "position": p.position,
                                "digest": p.digest}, t),
            EdgeChange(source, project, p.operation or "restored", t, t),
        ]
    return changes


@changes_of.register(event_class(Project, "Renamed"))
def _renamed(e: Any) -> list[Change]:
    t = _at(e)
    return [NodeChange(project_node(e.originator_id), {"name": e.name}, t)]


@changes_of.register(event_class(Project, "VersionCreated"))
def _version_created(e: Any) -> list[Change]:
    t = _at(e)
    v, pid = e.version, e.originator_id
    node = version_node(pid, v.number)
    return [
        NodeChange(project_node(pid), {"type": "project", "ref": str(pid)}, t),
        NodeChange(node, {
            "type": "project_version", "ref": f"{pid}@{v.number}", "project": str(pid),
            "number": v.number, "title": v.title, "description": v.description,
            "author": v.author, "created_at": v.created_at, "position": v.position,
            "digest": v.digest, "session": str(e.session_id) if e.session_id else ""}, t),
        EdgeChange(project_node(pid), node, "version", t, t),
    ]
