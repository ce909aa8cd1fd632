"""An operation's own session is written in the same transaction as its events.

Import, version create, restore and revert each record an app session of their own; its
events ride in the operation's last write. A failure forced between the operation's
events and its session's (inside that one transaction) writes neither; without it both
are written, and every event names a session that exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.ledger import Ledger
from application.ports import SYSTEM_PROJECT, ProjectWrite
from domain.errors import StaleVersionError
from domain.session import AppSession
from domain.values import AnnotationObject, Context
from infrastructure.persistence.recorders import SqlApplicationRecorder
from tests.conftest import DEMO, editable_demo

Operation = Callable[[Ledger, UUID, Context, Path], Any]
"""An operation on the project, given an edited copy of its files for a sync."""


class Crash(RuntimeError):
    """The process dying between an operation's events and its session's."""


def crash_before_system_log(monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """Fail the write of the system log's batch, after the operation's own batches were
    written in the same transaction; returns the logs written before the crash."""
    written: list[UUID] = []
    real = SqlApplicationRecorder._insert

    def insert(self: SqlApplicationRecorder, conn: Any, events: Sequence[StoredEvent],
               write: ProjectWrite) -> list[int]:
        if write.project_id == SYSTEM_PROJECT:
            raise Crash("killed between the operation's events and its session")
        written.append(write.project_id)
        return real(self, conn, events, write)

    monkeypatch.setattr(SqlApplicationRecorder, "_insert", insert)
    return written


def positions(app: Ledger) -> dict[UUID, int]:
    return {h.project_id: h.position for h in app.core.store.heads()}


def sessions_named(app: Ledger, project_id: UUID) -> set[UUID]:
    """The sessions the project's events name."""
    named = set()
    for rec in app.core.store.log(project_id):
        event: Any = app.core.mapper.to_domain_event(rec.stored_event())
        if getattr(event, "session_id", None) is not None:
            named.add(event.session_id)
    return named


@pytest.fixture
def project(app: Ledger, ctx: Context) -> UUID:
    """The demo with a version, then one more object on cat1 (so a revert changes it)."""
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    app.versions.create(pid, ctx, "v1")
    cat = app.projects.get(pid).meta.class_by_title("cat")
    assert cat is not None
    app.items.add_object(app.projects.resolve_item(pid, "ds/cat1.jpg"), AnnotationObject(
        0, cat.id, {"points": {"exterior": [[1, 1], [9, 9]], "interior": []}}), ctx)
    return pid


def edited_copy(tmp_path: Path) -> Path:
    copy = editable_demo(tmp_path)
    ann = copy / "ds" / "ann" / "dog1.jpg.json"
    data = json.loads(ann.read_text())
    data["objects"] = data["objects"][:-1]
    ann.write_text(json.dumps(data))
    return copy


OPERATIONS: dict[str, Operation] = {
    "versions create": lambda app, pid, ctx, _: app.versions.create(pid, ctx, "v2"),
    "versions restore": lambda app, pid, ctx, _: app.versions.restore(pid, 1, ctx, name="r"),
    "versions revert": lambda app, pid, ctx, _: app.versions.revert(pid, 1, ctx),
    "import": lambda app, pid, ctx, _: app.imports.from_files("supervisely", DEMO, ctx,
                                                              name="again"),
    "import --into": lambda app, pid, ctx, copy: app.imports.from_files(
        "supervisely", copy, ctx, into=pid),
    "new project": lambda app, pid, ctx, _: app.imports.new_project(
        app.versions.state_of(pid, 1), ctx, name="copied"),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_a_crash_between_events_and_session_writes_neither(
    app: Ledger, project: UUID, name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    copy = edited_copy(tmp_path)
    before, sessions = positions(app), len(app.sessions.list(limit=None))
    written = crash_before_system_log(monkeypatch)
    with pytest.raises(Crash):
        OPERATIONS[name](app, project, Context("alice"), copy)
    assert written, "the operation's own events were written in the transaction first"
    assert positions(app) == before
    assert len(app.sessions.list(limit=None)) == sessions
    assert app.proofs.check().ok


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_without_a_crash_events_and_session_are_both_written(
    app: Ledger, project: UUID, name: str, tmp_path: Path,
) -> None:
    copy = edited_copy(tmp_path)
    before = positions(app)
    known = {s.id for s in app.sessions.list(limit=None)}
    OPERATIONS[name](app, project, Context("alice"), copy)
    after = positions(app)
    [new] = [s for s in app.sessions.list(limit=None) if s.id not in known]
    session: AppSession = app.sessions.get(new.id)
    assert session.status == "succeeded" and session.outputs
    changed = [p for p in after if p != SYSTEM_PROJECT and after[p] != before.get(p)]
    assert changed
    for pid in changed:
        named = sessions_named(app, pid)
        assert new.id in named
        for sid in named:  # no event names a session that was never saved
            app.sessions.get(sid)
    assert app.proofs.check().ok


def test_a_version_retried_after_a_lost_race_records_its_session_once(
    app: Ledger, project: UUID, ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first write loses to another writer: the second carries the session again,
    whole (a copy of the session as opened, finished afresh)."""
    real = SqlApplicationRecorder.insert_stream
    calls = []

    def insert_stream(self: SqlApplicationRecorder, batches: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            list(batches)  # encoded, as a real attempt would
            raise StaleVersionError("project log", 1, 2)
        return real(self, batches)

    monkeypatch.setattr(SqlApplicationRecorder, "insert_stream", insert_stream)
    known = {s.id for s in app.sessions.list(limit=None)}
    version = app.versions.create(project, ctx, "v2")
    assert (version.number, len(calls)) == (2, 2)
    [new] = [s for s in app.sessions.list(limit=None) if s.id not in known]
    session = app.sessions.get(new.id)
    assert session.status == "succeeded"
    assert [n.ref for n in session.outputs] == [f"{project}@2"]
    assert [n.ref for n in session.inputs] == [str(project)]
    assert app.proofs.check().ok
