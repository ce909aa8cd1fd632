"""App sessions: a run of an app (annoledger's own operations or an outside one).

A session reads inputs and writes outputs (workflow nodes named by a type and a
reference), reports progress and finishes once. Its events are the source of the MLOps
workflow graph (:mod:`projections.workflow_graph`). Sessions belong to no project: they
are chained in the system log.

Rules kept here rather than in the application: kinds, node types and statuses come
from fixed lists (Supervisely's node types plus ``report``); a finished session is
closed (no inputs, outputs, progress or second finish); adding the same input or
output twice records nothing, so retried callers (OpenLineage producers) stay
idempotent without reading the log first.

Times: a session reported after the fact (an OpenLineage producer's ``eventTime``) says
when it started, read, wrote and finished; those times travel in its events (``started_at``,
``at``), since the events' own timestamps are only when they arrived. Without them (every
session annoledger runs itself, and events written before they existed) the arrival is
the time. Lineage is walked along these times (:mod:`projections.workflow_queries`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import ConflictError, ValidationError

SESSION_KINDS: tuple[str, ...] = (
    "import", "labeling_job", "augmentation", "transformation", "split", "merge", "filter",
    "training", "evaluation", "export", "other",
)
NODE_TYPES: tuple[str, ...] = (
    "project", "project_version", "dataset", "file", "model_weight", "folder", "task", "job",
    "app_session", "report",
)
FINISHED: tuple[str, ...] = ("succeeded", "failed", "cancelled")
RUNNING = "running"
AUTO_VERSION_KINDS: tuple[str, ...] = ("training",)
"""Kinds that read a version of each input project even when not asked explicitly."""


@dataclass(frozen=True, slots=True)
class NodeRef:
    """An input or output: a workflow node's type and reference, with its card text."""

    type: str
    ref: str
    title: str = ""
    description: str = ""
    link: str = ""

    def check(self) -> NodeRef:
        if self.type not in NODE_TYPES:
            raise ValidationError("type", f"unknown node type '{self.type}' "
                                          f"(one of {', '.join(NODE_TYPES)})")
        for name in ("ref", "title", "description", "link"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ValidationError(name, "must be a string")
        if not self.ref.strip() or len(self.ref) > 2000:
            raise ValidationError("ref", "must be a non-empty string of at most 2000 characters")
        return self


def project_of(node: NodeRef) -> UUID | None:
    """The project a ``project`` or ``project_version`` node (``<id>`` or ``<id>@<n>``) names;
    None for other nodes and for references not (yet) resolved to an id."""
    if node.type not in ("project", "project_version"):
        return None
    try:
        return UUID(node.ref.rpartition("@")[0] if node.type == "project_version" else node.ref)
    except ValueError:
        return None


class AppSession(Aggregate):
    """One run of an app: what it read, what it wrote, how it ended."""

    @event("Started")
    def __init__(self, app: str, kind: str, parameters: dict[str, Any], actor: str,
                 auto_version: bool, id: UUID, token_id: UUID | None = None,
                 started_at: datetime | None = None) -> None:
        self.app = app
        self.kind = kind
        self.parameters = parameters
        self.actor = actor
        self.token_id = token_id
        """The API token that started the session (None: the operator, or older logs)."""
        self.auto_version = auto_version
        self.inputs: list[NodeRef] = []
        self.outputs: list[NodeRef] = []
        self.progress: tuple[int, int, str] = (0, 0, "")
        self.status = RUNNING
        self.lineage_keys: set[str] = set()
        self.started_at = started_at
        """When it started, as its producer said (None: when it was recorded)."""
        self.finished_at: datetime | None = None
        """When it finished, as its producer said (None: when that was recorded)."""

    @classmethod
    def start(cls, app: str, kind: str, actor: str, id: UUID, *,
              parameters: dict[str, Any] | None = None, auto_version: bool = False,
              token_id: UUID | None = None, started_at: datetime | None = None) -> AppSession:
        if not isinstance(app, str) or not app.strip() or len(app) > 255:
            raise ValidationError("app", "must be a non-empty name of at most 255 characters")
        if kind not in SESSION_KINDS:
            raise ValidationError("kind", f"unknown session kind '{kind}' "
                                          f"(one of {', '.join(SESSION_KINDS)})")
        if not actor:
            raise ValidationError("actor", "an actor is required")
        check_parameters(parameters or {}, "parameters")
        params = json.loads(json.dumps(parameters or {}))  # plain lists and dicts only
        return cls(app, kind, params, actor, bool(auto_version or kind in AUTO_VERSION_KINDS),
                   id=id, token_id=token_id, started_at=check_moment(started_at, "started_at"))

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    def projects(self) -> set[UUID]:
        """The projects the session read or wrote (itself or through one of their versions):
        who may see and change the session follows from them."""
        return {p for n in (*self.inputs, *self.outputs) if (p := project_of(n)) is not None}

    def has_input(self, type: str, ref: str) -> bool:
        return any(n.type == type and n.ref == ref for n in self.inputs)

    def has_output(self, type: str, ref: str) -> bool:
        return any(n.type == type and n.ref == ref for n in self.outputs)

    def add_input(self, node: NodeRef, at: datetime | None = None) -> bool:
        """Record an input (read ``at``, None: now); False (and no event) when it is
        already one."""
        self._check_open("add an input")
        node.check()
        if self.has_input(node.type, node.ref):
            return False
        self._input_added(node.type, node.ref, node.title, node.description, node.link,
                          check_moment(at, "at"))
        return True

    def add_output(self, node: NodeRef, at: datetime | None = None) -> bool:
        """Record an output (written ``at``, None: now); False (and no event) when it is
        already one."""
        self._check_open("add an output")
        node.check()
        if self.has_output(node.type, node.ref):
            return False
        self._output_added(node.type, node.ref, node.title, node.description, node.link,
                           check_moment(at, "at"))
        return True

    def report_progress(self, done: int, total: int, message: str = "") -> None:
        self._check_open("report progress")
        if isinstance(done, bool) or not isinstance(done, int) or done < 0:
            raise ValidationError("done", "must be an integer >= 0")
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ValidationError("total", "must be an integer >= 0")
        if total and done > total:
            raise ValidationError("done", f"{done} exceeds the total {total}")
        self._progressed(done, total, message)

    def finish(self, status: str, at: datetime | None = None) -> None:
        """End the session (``at``: when, as its producer says; None: now)."""
        if status not in FINISHED:
            raise ValidationError("status", f"unknown status '{status}' "
                                            f"(one of {', '.join(FINISHED)})")
        self._check_open("finish")
        self._finished(status, check_moment(at, "at"))

    def mark_lineage(self, key: str) -> None:
        """Remember that an OpenLineage event was applied (its retries become no-ops)."""
        if key not in self.lineage_keys:
            self._lineage_applied(key)

    def _check_open(self, what: str) -> None:
        if self.finished:
            raise ConflictError(f"session {self.id} is {self.status}: cannot {what}")

    @event("InputAdded")
    def _input_added(self, type: str, ref: str, title: str, description: str,
                     link: str, at: datetime | None = None) -> None:
        self.inputs.append(NodeRef(type, ref, title, description, link))

    @event("OutputAdded")
    def _output_added(self, type: str, ref: str, title: str, description: str,
                      link: str, at: datetime | None = None) -> None:
        self.outputs.append(NodeRef(type, ref, title, description, link))

    @event("Progressed")
    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress = (done, total, message)

    @event("Finished")
    def _finished(self, status: str, at: datetime | None = None) -> None:
        self.status = status
        self.finished_at = at

    @event("LineageApplied")
    def _lineage_applied(self, key: str) -> None:
        self.lineage_keys.add(key)


def check_moment(value: datetime | None, field: str) -> datetime | None:
    """A point in time with its offset (a naive one would be read differently by each
    reader), or None."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(field, "must be a time with a UTC offset")
    return value


def check_parameters(value: Any, field: str, depth: int = 0) -> None:
    """JSON-like values only (what every codec and every export can carry)."""
    if depth > 16:
        raise ValidationError(field, "is nested too deeply")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, "must be a finite number")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_parameters(v, f"{field}[{i}]", depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValidationError(field, f"key {k!r} is not a string")
            check_parameters(v, f"{field}.{k}", depth + 1)
        return
    raise ValidationError(field, f"{type(value).__name__} is not a JSON value")
