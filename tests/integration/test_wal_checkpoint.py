"""No process leaves SQLite's write-ahead log growing beside the database.

SQLite only, by nature: the WAL is SQLite's; PostgreSQL has no file beside the database
for a process to leave behind. The CLI writes without a background checkpoint, so
unless it folds the WAL back when it closes, every command leaves the WAL a little
larger (as large as the database after one big import). The same holds for a server
process when it stops.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.settings import Settings
from domain.values import Context
from infrastructure.persistence.engine import WAL_SIZE_LIMIT, reading, writing
from infrastructure.persistence.factory import dispose_engines, shared_engine
from interfaces.cli.main import main
from interfaces.http.main import create_app
from tests.conftest import DEMO, ROOT


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ANNOLEDGER_MEDIA_ROOT", str(tmp_path / "media"))
    yield tmp_path / "ledger.db"
    dispose_engines()


def wal_bytes(db: Path) -> int:
    """Size of the WAL beside ``db``; 0 when there is none."""
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


def event_count(db: Path) -> int:
    """Events readable from the database file by a fresh connection."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM annoledger_events").fetchone()[0])


def test_a_cli_command_in_process_leaves_no_wal(
    db: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--db", f"sqlite:///{db}", "--actor", "alice", "import", "supervisely", str(DEMO),
          "--project", "demo"])
    assert wal_bytes(db) == 0
    assert event_count(db) > 6
    capsys.readouterr()
    main(["--db", f"sqlite:///{db}", "projects", "list", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in listed] == ["demo"]
    assert wal_bytes(db) == 0


def test_a_cli_process_leaves_no_wal(db: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from interfaces.cli.main import main; main()",
         "--db", f"sqlite:///{db}", "--actor", "alice", "import", "supervisely", str(DEMO),
         "--project", "demo"],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300,
        check=False)
    assert run.returncode == 0, run.stderr
    assert db.stat().st_size > 0
    assert wal_bytes(db) == 0
    assert event_count(db) > 6


def test_a_server_that_stops_leaves_no_wal(db: Path, tmp_path: Path) -> None:
    settings = Settings(db_url=f"sqlite:///{db}", actor="tester", media_root=tmp_path / "media")
    server = create_app(settings)
    with TestClient(server):
        ledger = server.state.ledger
        ledger.imports.from_files("supervisely", DEMO, Context("alice"), name="demo")
        assert wal_bytes(db) > 0  # written, not yet folded back
    assert wal_bytes(db) == 0
    assert event_count(db) > 6


def test_the_wal_shrinks_while_a_process_keeps_writing(db: Path) -> None:
    """Many write transactions in one long-lived process (the server's engine, with its
    background checkpointer): the WAL returns to at most ``WAL_SIZE_LIMIT`` (plus slack
    for the frames of a commit in flight) without the engine being disposed."""
    url = f"sqlite:///{db}"
    engine = shared_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == WAL_SIZE_LIMIT
    with writing(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)")
    written = 0
    for round_ in range(40):
        for i in range(10):
            with writing(engine) as conn:
                conn.exec_driver_sql("INSERT OR REPLACE INTO blobs VALUES (?, randomblob(65536))",
                                     (i,))
            written += 65536
        time.sleep(0.02 if round_ % 10 else 0.6)  # let the checkpointer run now and then
    assert written > 20 * WAL_SIZE_LIMIT
    slack = WAL_SIZE_LIMIT // 2
    deadline = time.monotonic() + 10
    while wal_bytes(db) > WAL_SIZE_LIMIT + slack and time.monotonic() < deadline:
        time.sleep(0.1)
    assert wal_bytes(db) <= WAL_SIZE_LIMIT + slack
    with reading(engine) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar() == 10
