"""OpenLineage in: RunEvent, DatasetEvent and JobEvent become sessions and data nodes.

* A run is a session whose id is the ``runId`` (a UUID; anything else is hashed into
  one). Its job is the session's app (``<namespace>/<name>``), the job's ``jobType``
  facet its kind when it names one of ours (``training``...), else ``other``.
  ``COMPLETE`` / ``FAIL`` / ``ABORT`` finish it as succeeded / failed / cancelled.
* A dataset named in namespace ``annoledger`` as ``project/<id>`` or
  ``project/<id>@v<n>`` is that project or version; ``<type>/<ref>`` is our node of that
  type. Any other dataset is a node of type ``dataset`` (or what its ``datasetType``
  facet says: model, report, file, folder) with ref ``<namespace>#<name>``.
* DatasetEvent declares a data node; JobEvent declares a ``job`` node with its inputs
  and outputs (:class:`domain.data_node.DataNode`).
* Times are the events' own: a run starts at its first event's ``eventTime``, reads and
  writes at the ``eventTime`` of the event naming those datasets, and ends at its
  ``COMPLETE`` / ``FAIL`` / ``ABORT`` event's; a late report is placed when it happened,
  not when it arrived. Only an event without ``eventTime`` is placed at its arrival.

Idempotent under the client's retries: each applied event's key (``runId`` or node,
``eventType``, ``eventTime``) is recorded in the same save as its effects, and an event
whose key is known changes nothing. Two deliveries racing meet the store's optimistic
concurrency check; the loser retries and finds the key.

The sender (``by``) is held to the session rules (:mod:`application.access.authorization`): a
run is continued only by the token that started it, a manager of its projects or an
admin; a training run's automatic versions need the manage right; a project it may not
read is, to it, an outside dataset like any project that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application.access import authorization as authz
from application.access.authorization import Caller
from application.sessions.sessions import Sessions
from domain.data_node import DataNode, data_node_id
from domain.errors import NotFoundError, ValidationError
from domain.session import NODE_TYPES, SESSION_KINDS, AppSession, NodeRef
from domain.values import Context

NAMESPACE = "annoledger"
TERMINAL = {"COMPLETE": "succeeded", "FAIL": "failed", "ABORT": "cancelled"}
EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
DATASET_TYPES = {"model": "model_weight", "model_weight": "model_weight", "report": "report",
                 "file": "file", "folder": "folder", "directory": "folder"}
_OURS = re.compile(r"^project/(?P<id>[0-9a-fA-F-]{32,36})(?:@v(?P<number>\d+))?$")


@dataclass(frozen=True, slots=True)
class Ingested:
    kind: str
    """``run``, ``dataset`` or ``job``."""
    id: str
    """The session id, or the declared node's ``type:ref``."""
    applied: bool
    """False when the event was seen before (a retry)."""


def dataset_name(type: str, ref: str) -> tuple[str, str]:
    """The OpenLineage ``(namespace, name)`` of one of our nodes."""
    if type == "project":
        return NAMESPACE, f"project/{ref}"
    if type == "project_version":
        project, _, number = ref.rpartition("@")
        return NAMESPACE, f"project/{project}@v{number}"
    namespace, sep, name = ref.partition("#")
    if sep and namespace and name:
        return namespace, name
    return NAMESPACE, f"{type}/{ref}"


def ingest(sessions: Sessions, body: Any, actor: str = "openlineage",
           by: Caller = None) -> list[Ingested]:
    """A POST's body, one event or an array of them: every event is checked (its shape,
    its ``eventTime``, its datasets) before any is applied, so a bad one writes nothing;
    an error in an array names the event's index (``[2].eventTime``)."""
    many = isinstance(body, list)
    events = body if many else [body]
    checked = []
    for i, event in enumerate(events):
        try:
            checked.append(_checked(event))
        except ValidationError as exc:
            raise (exc.within(f"[{i}]") if many else exc) from None
    return [_apply(sessions, event, at, actor, by) for event, at in checked]


def _checked(event: Any) -> tuple[dict[str, Any], datetime | None]:
    """The event and its time, if it is a RunEvent, DatasetEvent or JobEvent we can apply."""
    if not isinstance(event, dict):
        raise ValidationError("body", "an OpenLineage event must be a JSON object")
    at = event_time(event)
    if isinstance(event.get("run"), dict) and isinstance(event.get("job"), dict):
        _text(event["run"], "runId", "run")
        _event_type(event)
    elif isinstance(event.get("dataset"), dict):
        _names(event["dataset"], "dataset")
        return event, at
    elif not isinstance(event.get("job"), dict):
        raise ValidationError("body", "not a RunEvent, DatasetEvent or JobEvent")
    _names(event["job"], "job")
    for field in ("inputs", "outputs"):
        for i, ds in enumerate(_datasets(event, field)):
            _names(ds, f"{field}[{i}]")
    return event, at


def event_time(event: dict[str, Any]) -> datetime | None:
    """The event's ``eventTime`` (ISO 8601; naive means UTC): when the run started, read,
    wrote or ended. None when it is missing: the time of arrival is used instead."""
    value = event.get("eventTime")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("eventTime", "must be an ISO 8601 time (a string)")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("eventTime", f"'{value[:64]}' is not an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _apply(sessions: Sessions, event: dict[str, Any], at: datetime | None, actor: str,
           by: Caller) -> Ingested:
    if isinstance(event.get("run"), dict) and isinstance(event.get("job"), dict):
        return _run(sessions, event, at, actor, by)
    if isinstance(event.get("dataset"), dict):
        return _dataset(sessions, event, by)
    return _job(sessions, event, at, by)


def _run(sessions: Sessions, event: dict[str, Any], at: datetime | None, actor: str,
         by: Caller) -> Ingested:
    """The run's session: started (at the first event's time) if new, then this event's
    inputs, outputs and end, each at the event's time."""
    run, job = event["run"], event["job"]
    run_id = _text(run, "runId", "run")
    event_type = _event_type(event)
    key = f"{run_id}|{event_type}|{event.get('eventTime') or ''}"
    session_id = _uuid(run_id)
    namespace, name = _names(job, "job")
    ctx = Context(actor, session_id)

    def attempt() -> bool:
        try:
            session = sessions.get(session_id)
        except NotFoundError:
            facets = job.get("facets") or {}
            job_type = str((facets.get("jobType") or {}).get("jobType", "")).lower()
            session = AppSession.start(
                f"{namespace}/{name}", job_type if job_type in SESSION_KINDS else "other",
                actor, session_id, parameters={"openlineage": {
                    "job": {"namespace": namespace, "name": name}, "runId": run_id,
                    "producer": str(event.get("producer", ""))}},
                token_id=by.token_id if by is not None else None, started_at=at)
        else:
            authz.check_session_change(by, session)
        if key in session.lineage_keys:
            return False
        if not session.finished:
            for ds in _datasets(event, "inputs"):
                session.add_input(sessions.read_node(session, node_of(sessions, ds, by), ctx, by),
                                  at)
            for ds in _datasets(event, "outputs"):
                session.add_output(node_of(sessions, ds, by), at)
            if event_type in TERMINAL:
                session.finish(TERMINAL[event_type], at)
        session.mark_lineage(key)
        sessions.core.save_system(session)
        return True

    return Ingested("run", str(session_id), sessions.core.retrying(5, attempt))


def _dataset(sessions: Sessions, event: dict[str, Any], by: Caller) -> Ingested:
    return _declare(sessions, event, node_of(sessions, event["dataset"], by), [], [], None)


def _job(sessions: Sessions, event: dict[str, Any], at: datetime | None,
         by: Caller) -> Ingested:
    job = event["job"]
    namespace, name = _names(job, "job")
    node = NodeRef("job", f"{namespace}#{name}", name, _doc(job.get("facets")))
    inputs = [node_of(sessions, ds, by) for ds in _datasets(event, "inputs")]
    outputs = [node_of(sessions, ds, by) for ds in _datasets(event, "outputs")]
    return _declare(sessions, event, node, inputs, outputs, at)


def _declare(sessions: Sessions, event: dict[str, Any], node: NodeRef,
             inputs: list[NodeRef], outputs: list[NodeRef], at: datetime | None) -> Ingested:
    key = f"{node.type}:{node.ref}|{event.get('eventType', '')}|{event.get('eventTime') or ''}"

    def attempt() -> bool:
        try:
            found = sessions.core.get(data_node_id(node.type, node.ref), DataNode, "node")
            found.describe(node.title, node.description, node.link)
        except NotFoundError:
            found = DataNode.declare(node)
        if key in found.lineage_keys:
            return False
        for n in inputs:
            found.add_input(n, at)
        for n in outputs:
            found.add_output(n, at)
        found.mark_lineage(key)
        sessions.core.save_system(found)
        return True

    return Ingested(node.type, f"{node.type}:{node.ref}", sessions.core.retrying(5, attempt))


def node_of(sessions: Sessions, dataset: Any, by: Caller = None) -> NodeRef:
    """Our node for an OpenLineage dataset (see the module's naming rules); a project the
    sender may not read is an outside dataset, as a missing one is."""
    if not isinstance(dataset, dict):
        raise ValidationError("dataset", "must be an object with namespace and name")
    namespace, name = _names(dataset, "dataset")
    facets = dataset.get("facets") or {}
    if namespace == NAMESPACE:
        match = _OURS.match(name)
        if match:
            ref = match["id"] + (f"@{match['number']}" if match["number"] else "")
            try:
                return sessions.normalize_node(NodeRef(
                    "project_version" if match["number"] else "project", ref), by)
            except (NotFoundError, ValidationError):
                pass  # not (or no longer) ours: keep it as an outside dataset
        type, _, ref = name.partition("/")
        if type in NODE_TYPES and type not in ("project", "project_version") and ref:
            return NodeRef(type, ref, "", _doc(facets))
    hint = str((facets.get("datasetType") or {}).get("datasetType", "")).lower()
    return NodeRef(DATASET_TYPES.get(hint, "dataset"), f"{namespace}#{name}", name,
                   _doc(facets))


def _datasets(event: dict[str, Any], field: str) -> list[Any]:
    value = event.get(field) or []
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list of datasets")
    return value


def _event_type(event: dict[str, Any]) -> str:
    event_type = str(event.get("eventType") or "OTHER").upper()
    if event_type not in EVENT_TYPES:
        raise ValidationError("eventType", f"'{event_type}' is not one of {EVENT_TYPES}")
    return event_type


def _names(obj: Any, where: str) -> tuple[str, str]:
    """A job's or dataset's ``(namespace, name)``."""
    if not isinstance(obj, dict):
        raise ValidationError(where, "must be an object with namespace and name")
    return _text(obj, "namespace", where), _text(obj, "name", where)


def _text(obj: dict[str, Any], field: str, where: str) -> str:
    value = obj.get(field)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{where}.{field}", "is required (a non-empty string)")
    return value


def _doc(facets: Any) -> str:
    doc = (facets or {}).get("documentation") if isinstance(facets, dict) else None
    return str(doc.get("description", "")) if isinstance(doc, dict) else ""


def _uuid(run_id: str) -> UUID:
    try:
        return UUID(run_id)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"openlineage:run:{run_id}")
