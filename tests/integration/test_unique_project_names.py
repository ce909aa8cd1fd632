"""Project names are unique by a database constraint, not only by a check before writing.

The check before writing reads the names, then the write happens: two writers can both
pass it. The unique index on the head rows' live names fails the second writer's whole
transaction, which surfaces as DuplicateNameError (HTTP 409), naming the name.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from application.settings import Settings
from domain.errors import DuplicateNameError
from domain.state import MetaState
from domain.values import Context, Dataset, MediaLink
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from tests.conftest import DEMO, FIXTURES

WORKERS = 6


def ledger(db_url: str) -> Ledger:
    return build_ledger(Settings(db_url=db_url, snapshot_every=50, item_snapshot_every=4))


def names(app: Ledger) -> list[str]:
    return [v.name for v in app.projects.all()]


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; results or exceptions."""
    start = threading.Barrier(count)

    def run(i: int) -> Any:
        start.wait(timeout=30)
        try:
            return work(i)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def no_precheck(app: Ledger, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """The application with its read-then-write name check turned off, as when another
    writer commits between that check and the write: only the database is left."""
    monkeypatch.setattr(app.core, "check_name_free", lambda *_args, **_kw: None)
    return app


def test_the_database_refuses_a_second_project_of_a_name(
    no_precheck: Ledger, ctx: Context
) -> None:
    first = no_precheck.projects.create("Z", ctx)
    with pytest.raises(DuplicateNameError, match="a project named 'Z' exists"):
        no_precheck.projects.create("Z", ctx)
    assert names(no_precheck) == ["Z"]
    assert no_precheck.projects.resolve("Z") == first


def test_the_database_refuses_a_rename_to_a_taken_name_and_frees_the_old_one(
    no_precheck: Ledger, ctx: Context
) -> None:
    no_precheck.projects.create("cats", ctx)
    dogs = no_precheck.projects.create("dogs", ctx)
    with pytest.raises(DuplicateNameError, match="'cats'"):
        no_precheck.projects.rename(dogs, "cats", ctx)
    assert sorted(names(no_precheck)) == ["cats", "dogs"]
    no_precheck.projects.rename(dogs, "hounds", ctx)
    again = no_precheck.projects.create("dogs", ctx)  # the old name is free again
    assert sorted(names(no_precheck)) == ["cats", "dogs", "hounds"]
    assert no_precheck.projects.resolve("dogs") == again


def test_the_database_refuses_an_import_and_a_restore_of_a_taken_name(
    no_precheck: Ledger, ctx: Context
) -> None:
    pid = no_precheck.imports.from_files("supervisely", DEMO, ctx, name="cats").project
    no_precheck.versions.create(pid, ctx, "v1")
    events_before = no_precheck.core.store.max_notification_id()
    with pytest.raises(DuplicateNameError, match="'cats'"):
        no_precheck.imports.from_files("supervisely", DEMO, ctx, name="cats")
    with pytest.raises(DuplicateNameError, match="'cats'"):
        no_precheck.versions.restore(pid, 1, ctx, name="cats")
    assert names(no_precheck) == ["cats"]
    assert no_precheck.core.store.max_notification_id() == events_before  # nothing written


def test_parallel_creates_in_threads_make_one_project(app: Ledger, ctx: Context) -> None:
    results = race(8, lambda _: app.projects.create("Z", ctx))
    made = [r for r in results if isinstance(r, UUID)]
    refused = [r for r in results if isinstance(r, DuplicateNameError)]
    assert len(made) == 1 and len(refused) == 7, results
    assert all("'Z'" in str(r) for r in refused)
    assert names(app) == ["Z"]


def test_parallel_restores_with_one_name_make_one_project(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="cats").project
    app.versions.create(pid, ctx, "v1")
    results = race(4, lambda _: app.versions.restore(pid, 1, ctx, name="cats v1"))
    assert sum(isinstance(r, UUID) for r in results) == 1, results
    assert sum(isinstance(r, DuplicateNameError) for r in results) == 3, results
    assert sorted(names(app)) == ["cats", "cats v1"]
    restored = app.projects.resolve("cats v1")
    assert app.projects.view(restored).items == app.projects.view(pid).items


def _create_in_a_process(db_url: str, name: str, start: Any, results: Any) -> None:
    try:
        app = ledger(db_url)
        start.wait(timeout=60)
        app.projects.create(name, Context("worker"))
        results.put("made")
    except DuplicateNameError as exc:
        results.put(f"refused: {exc}")
    except Exception as exc:
        results.put(repr(exc))
    finally:
        dispose_engines()


def test_parallel_creates_in_processes_make_one_project(app: Ledger, db_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(WORKERS), spawn.Queue()
    processes = [spawn.Process(target=_create_in_a_process,
                               args=(db_url, "shared", start, results))
                 for _ in range(WORKERS)]
    for process in processes:
        process.start()
    reports = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    assert reports.count("made") == 1, reports
    assert reports.count("refused: a project named 'shared' exists") == WORKERS - 1, reports
    assert names(app) == ["shared"]


def test_parallel_cli_imports_with_one_name_make_one_project(
    app: Ledger, db_url: str
) -> None:
    cli = [sys.executable, "-c", "from interfaces.cli.main import main; main()",
           "--db", db_url, "--actor", "carol", "import", "supervisely", str(DEMO),
           "--project", "X"]
    runs = [subprocess.Popen(cli, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2]) for _ in range(3)]
    outcomes = [(run.wait(timeout=180), run.stderr.read() if run.stderr else "")
                for run in runs]
    for run in runs:
        for stream in (run.stdout, run.stderr):
            if stream is not None:
                stream.close()
    assert sorted(code for code, _ in outcomes) == [0, 1, 1], outcomes
    assert all("a project named 'X' exists" in err for code, err in outcomes if code), outcomes
    assert names(app) == ["X"]


def test_a_database_written_before_the_index_gets_it(tmp_path: Path, ctx: Context) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(FIXTURES / "stored_ledger" / "ledger.db", db)
    with sqlite3.connect(db) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                              "WHERE type = 'index'")}
    assert "annoledger_project_name" not in indexes
    app = ledger(f"sqlite:///{db}")
    try:
        assert sorted(names(app)) == ["cats", "cats v1"]
        app.core.check_name_free = lambda *_args, **_kw: None  # type: ignore[method-assign]
        with pytest.raises(DuplicateNameError, match="'cats'"):
            app.projects.create("cats", ctx)
        cats = app.projects.resolve("cats")
        app.projects.rename(cats, "felines", ctx)
        assert sorted(names(app)) == ["cats v1", "felines"]
    finally:
        dispose_engines()


def _index_names(db_url: str) -> set[str]:
    url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return {str(i["name"]) for i in sa.inspect(engine).get_indexes("annoledger_projects")}
    finally:
        engine.dispose()


def _sql(db_url: str, statement: str) -> None:
    url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_a_database_with_shared_names_keeps_working_and_says_which(
    app: Ledger, db_url: str, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    app.projects.create("cats", ctx)
    dogs = app.projects.create("dogs", ctx)
    dispose_engines()
    # As a database written before the index, in which a race let two projects share a name.
    _sql(db_url, "DROP INDEX annoledger_project_name")
    _sql(db_url, "UPDATE annoledger_projects SET name = 'cats' WHERE name = 'dogs'")
    with caplog.at_level(logging.WARNING):  # said when the store first opens
        older = ledger(db_url)
        assert names(older) == ["cats", "cats"]
    assert "rename the projects named 'cats'" in caplog.text
    assert "annoledger_project_name" not in _index_names(db_url)
    media = MediaLink("https://example.com/a.jpg", "a" * 64, 1, 4, 4)
    birds = older.projects.create("birds", ctx, MetaState("birds", datasets={1: Dataset(1, "ds")}))
    older.items.upload_item(birds, 1, "a.jpg", media, ctx)
    assert older.projects.view(birds).items == 1
    older.projects.rename(dogs, "dogs", ctx)
    dispose_engines()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        fixed = ledger(db_url)
        fixed.projects.all()
    assert "not unique" not in caplog.text
    assert "annoledger_project_name" in _index_names(db_url)
    with pytest.raises(DuplicateNameError, match="'dogs'"):
        fixed.core.check_name_free = lambda *_args, **_kw: None  # type: ignore[method-assign]
        fixed.projects.create("dogs", ctx)
