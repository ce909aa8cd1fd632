"""What the log costs on disk: no index the ledger does not read, ids as SQLite rowids,
and a position at a time found without an index on times (old databases included)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from application.ledger import Ledger
from application.settings import Settings
from domain.values import Context
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from tests.conftest import DEMO, FIXTURES


def imported(app: Ledger) -> UUID:
    return app.imports.from_files("supervisely", DEMO, Context("alice"), name="demo").project


def set_times(app: Ledger, pid: UUID, times: dict[int, float]) -> None:
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        for position, at in times.items():
            conn.execute(sa.text(
                "UPDATE annoledger_events SET recorded_at = :t "
                "WHERE project_id = :pid AND position = :p").bindparams(
                sa.bindparam("pid", type_=sa.Uuid())), {"t": at, "pid": pid, "p": position})


def test_a_position_at_a_time_is_the_last_one_recorded_by_then(app: Ledger) -> None:
    pid = imported(app)
    head = app.projects.view(pid).position
    assert head >= 5
    times = {p: 1000.0 + 10 * p for p in range(1, head + 1)}
    times[3] = times[2]  # two positions recorded in the same instant
    set_times(app, pid, times)
    store = app.core.store
    for t in [990.0, *[1000.0 + s for s in range(0, 10 * head + 20, 5)]]:
        expected = max((p for p, at in times.items() if at <= t), default=0)
        assert store.position_at_time(pid, t) == expected, t


def test_a_position_at_a_time_skips_over_a_missing_position(app: Ledger) -> None:
    """A log with a hole (tampered with; verify names it) still answers in bounds."""
    pid = imported(app)
    head = app.projects.view(pid).position
    set_times(app, pid, {p: 1000.0 + 10 * p for p in range(1, head + 1)})
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text("DELETE FROM annoledger_events WHERE project_id = :pid "
                             "AND position = 3").bindparams(sa.bindparam("pid", type_=sa.Uuid())),
                     {"pid": pid})
    store = app.core.store
    assert store.position_at_time(pid, 1035.0) == 2
    assert store.position_at_time(pid, 1045.0) == 4
    assert store.position_at_time(pid, 1000.0 + 10 * head) == head


def test_event_ids_are_sqlite_rowids_and_times_are_not_indexed(tmp_path: Path) -> None:
    app = build_ledger(Settings(db_url=f"sqlite:///{tmp_path}/new.db"))
    try:
        imported(app)
    finally:
        app.core.close()
        dispose_engines()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        indexes = conn.execute("PRAGMA index_list(annoledger_events)").fetchall()
        same = conn.execute("SELECT count(*), sum(notification_id = rowid) "
                            "FROM annoledger_events").fetchone()
    assert [(name, origin) for _, name, _, origin, _ in indexes if origin == "pk"] == []
    assert not any(name.endswith("_ev_time") for _, name, *_ in indexes)
    assert same[0] > 0 and same[0] == same[1]


def test_an_earlier_database_loses_its_time_index_and_keeps_answering(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURES / "stored_ledger" / "ledger.db", copy)

    def time_indexes() -> list[str]:
        with sqlite3.connect(copy) as conn:
            return [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE '%ev_time'")]

    assert time_indexes() == ["annoledger_ev_time"]
    app = build_ledger(Settings(db_url=f"sqlite:///{copy}"))
    try:
        [head] = [h for h in app.core.store.heads() if h.name == "cats"]
        assert time_indexes() == []
        [last] = app.core.store.log(head.project_id, gt=head.position - 1)
        at = app.core.store.position_at_time(head.project_id, 2**40)
        assert at == head.position == last.position
        assert app.core.store.position_at_time(head.project_id, 0.0) == 0
    finally:
        app.core.close()
        dispose_engines()

