"""The projection runner: tracked positions, concurrent runners, dispatch by class, rebuilds."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking
from sqlalchemy import Connection

from application.core.topics import event_class
from application.ledger import Ledger
from domain.project import Project
from domain.session import AppSession
from domain.values import Context, ObjectClass
from projections.audit_index import AuditIndex
from projections.runner import Decoded, ProjectionRunner, TrackedView, ViewStorage, catch_up
from projections.workflow_graph import WorkflowView

pytestmark = pytest.mark.timeout(180)

STARTED = event_class(AppSession, "Started")


class Stray(Aggregate):
    """An aggregate no read model knows: its events must be skipped, not fail."""

    @event("Created")
    def __init__(self, note: str) -> None:
        self.note = note


class Counted(TrackedView):
    """A test view: one row per event it handles (project events, sessions started)."""

    name = "counted"

    def __init__(self, storage: ViewStorage) -> None:
        super().__init__(storage)
        md = sa.MetaData()
        self.rows = sa.Table(
            "test_counted", md,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("notification_id", sa.BigInteger, nullable=False),
            sa.Column("event", sa.Text, nullable=False),
        )
        self.metadata = md
        self._pending: list[dict[str, Any]] = []

    @functools.singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        """Not counted."""

    @process_event.register(Project.Event)
    @process_event.register(STARTED)
    def _count(self, domain_event: Any, tracking: Tracking) -> None:
        self._pending.append({"notification_id": tracking.notification_id,
                              "event": type(domain_event).__qualname__})

    def open_batch(self, conn: Connection, position: int, batch: Any) -> None:
        self._pending = []

    def close_batch(self, conn: Connection) -> None:
        if self._pending:
            conn.execute(self.rows.insert(), self._pending)
        self._pending = []

    def clear(self, conn: Connection) -> None:
        conn.execute(self.rows.delete())

    def counts(self) -> Counter[int]:
        with self.engine.connect() as conn:
            return Counter(conn.execute(sa.select(self.rows.c.notification_id)).scalars())


def _storage(app: Ledger) -> ViewStorage:
    return app.workflow.view.storage


def _log(app: Ledger) -> list[Decoded]:
    notes = app.core.recorder.select_notifications(start=0, limit=100_000)  # type: ignore[attr-defined]
    return [(n, app.core.mapper.to_domain_event(n)) for n in notes]


def _expected(app: Ledger) -> set[int]:
    """The notifications a Counted view must hold, found by class here, independently."""
    return {n.id for n, e in _log(app) if isinstance(e, Project.Event | STARTED)}


def _write(app: Ledger, rounds: int) -> None:
    bob = Context("bob")
    for r in range(rounds):
        pid = app.projects.create(f"p{r}-{uuid4().hex[:6]}", bob)
        app.projects.add_class(pid, ObjectClass(0, "cat", "rectangle"), bob)
        app.projects.rename(pid, f"renamed-{r}-{uuid4().hex[:6]}", bob)
        app.sessions.start("trainer", "training", bob)
        app.core.save(Stray(f"stray {r}"))


def _audit_rows(index: AuditIndex) -> list[tuple[Any, ...]]:
    with index.engine.connect() as conn:
        rows = conn.execute(sa.select(index.t.rows).order_by(index.t.rows.c.notification_id))
        return [tuple(r) for r in rows]


def test_a_view_resumes_from_its_position_after_a_restart(app: Ledger) -> None:
    _write(app, 3)
    first = Counted(_storage(app))
    log = _log(app)
    half = log[: len(log) // 2]
    first.apply(half)
    assert first.position() == half[-1][0].id
    assert first.apply(half[:4]) == 0  # a replayed batch changes nothing

    _write(app, 2)
    restarted = Counted(_storage(app))  # a new process: nothing in memory
    assert restarted.position() == half[-1][0].id
    catch_up(app.core, restarted, batch=5)
    counts = restarted.counts()
    assert set(counts) == _expected(app)
    assert max(counts.values()) == 1  # none applied twice
    assert restarted.position() == app.core.recorder.max_notification_id()  # type: ignore[attr-defined]


def test_two_runners_at_once_apply_each_event_once(app: Ledger) -> None:
    _write(app, 6)
    views = [Counted(_storage(app)), Counted(_storage(app))]
    runners = [ProjectionRunner(app.core, [v]) for v in views]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(runner: ProjectionRunner) -> None:
        try:
            barrier.wait()
            runner.catch_up(batch=3)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = views[0].counts()
    assert set(counts) == _expected(app) and max(counts.values()) == 1


def test_a_view_handles_only_its_classes(app: Ledger) -> None:
    _write(app, 2)
    assert Counted.handled_classes() == {Project.Event, STARTED}
    view = Counted(_storage(app))
    ProjectionRunner(app.core, [view]).catch_up()
    log = _log(app)
    strays = {n.id for n, e in log if isinstance(e, Stray.Event)}
    items = {n.id for n, e in log if not isinstance(e, Project.Event | STARTED)}
    assert strays and items >= strays
    assert not set(view.counts()) & items
    assert view.position() == log[-1][0].id  # skipped events still move the position
    index = app.audit.index
    assert isinstance(index, AuditIndex)
    app.audit.catch_up()
    indexed = {r[0] for r in _audit_rows(index)}
    assert not indexed & strays and indexed == {n.id for n, _ in log} - strays


def test_rebuilding_from_scratch_gives_the_same_result(app: Ledger) -> None:
    _write(app, 3)
    runner = app.projections
    assert isinstance(runner, ProjectionRunner)
    counted = Counted(_storage(app))
    runner.register(counted)
    runner.catch_up()
    index, graph_view = runner.views["audit_index"], runner.views["workflow_graph"]
    assert isinstance(index, AuditIndex) and isinstance(graph_view, WorkflowView)
    audit, graph, counts = _audit_rows(index), graph_view.graph(), counted.counts()
    assert audit and len(graph) and counts
    for view in runner.views.values():  # drop rows and tracking
        view.reset()
        assert view.position() == 0
    assert _audit_rows(index) == [] and len(graph_view.graph()) == 0
    assert runner.catch_up() == len(_log(app))
    assert _audit_rows(index) == audit and counted.counts() == counts
    rebuilt = graph_view.graph()
    assert dict(rebuilt.nodes(data=True)) == dict(graph.nodes(data=True))
    assert sorted(rebuilt.edges(keys=True, data=True)) == sorted(graph.edges(keys=True, data=True))


def test_the_background_runner_follows_new_events_into_every_view(app: Ledger) -> None:
    runner = app.projections
    assert isinstance(runner, ProjectionRunner)
    runner.interval = 0.05
    runner.start()
    try:
        _write(app, 2)
        last = app.core.recorder.max_notification_id()  # type: ignore[attr-defined]
        done = threading.Event()
        for _ in range(200):
            if all(v.position() == last for v in runner.views.values()):
                done.set()
                break
            done.wait(0.05)
        assert done.is_set(), {n: v.position() for n, v in runner.views.items()}
    finally:
        runner.stop()
    assert runner.error is None
