"""Engines for SQLite (the embedded default) and PostgreSQL.

SQLite: WAL so readers never block the writer, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue for the lock instead of failing on upgrade.
Checkpoints (copying the WAL back into the database) run in a background thread, not
in whichever commit happens to cross the WAL's size threshold: that commit would
otherwise wait tens of milliseconds. When an engine is disposed (a command ends, the server
stops) the WAL is folded back and emptied, so no process leaves a WAL as large as the
database beside it; that checkpoint never runs on the edit path.
PostgreSQL: writers take one transaction-scoped advisory lock, which gives the global
log a gap-free order in which notification ids are assigned in commit order, so a
follower reading "after id N" never skips a late commit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.pool import NullPool

WRITE_LOCK_KEY = 7_240_518_113
CLOSE_WAIT_MS = 2000
"""How long the checkpoint on close waits for another process's transaction."""
WAL_SIZE_LIMIT = 1 << 20
"""Bytes of WAL an SQLite file keeps once checkpointed (``PRAGMA journal_size_limit``).

Without it a WAL never shrinks while a process runs: SQLite reuses the file from its
start after a checkpoint but keeps its largest size, so one big import or a burst of
edits leaves a WAL as large as the database until the engine is disposed. With it,
SQLite truncates the WAL to this size whenever it restarts the log, and the
:class:`Checkpointer` runs a TRUNCATE checkpoint when the file is larger than this."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _configure_sqlite(engine)
        Checkpointer(engine).start()
        event.listen(engine, "engine_disposed", truncate_wal)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def make_null_pool_engine(url: str) -> Engine:
    """For short-lived tools and tests that must not keep connections open."""
    engine = create_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _configure_sqlite(engine)
        event.listen(engine, "engine_disposed", truncate_wal)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA page_size=16384")  # new files only: large rows waste less
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer does it
        cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the database's single writer slot."""
    with engine.connect() as conn:
        conn = conn.execution_options(immediate=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            yield conn


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """Create missing tables while holding the writer slot.

    Several processes (server workers, a CLI beside the server) may start at once;
    PostgreSQL's "create if missing" is not atomic across sessions, so creation is
    serialised by the same lock writers take.
    """
    with writing(engine) as conn:
        metadata.create_all(conn)


@contextmanager
def reading(engine: Engine, *, consistent: bool = False) -> Iterator[Connection]:
    """A read transaction. ``consistent``: all its statements see one snapshot.

    SQLite's read transactions always do; PostgreSQL's default (read committed) lets
    each statement see the latest commits, which is fine for one-statement reads and
    saves a round trip on the hot path.
    """
    with engine.connect() as conn, conn.begin():
        if consistent and engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        yield conn


def truncate_wal(engine: Engine) -> bool:
    """Copy an SQLite database's WAL back into it and empty the WAL; True when done.

    Runs when the engine is disposed, on a connection of its own (detached from the pool,
    closed at once: when it is the last one open on the file SQLite also removes the WAL).
    It waits at most :data:`CLOSE_WAIT_MS` for another process's reader or writer to
    finish; if one is still busy, that process checkpoints later (the server's
    :class:`Checkpointer` does). Not SQLite, or an in-memory database: nothing to do.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or path in (None, "", ":memory:"):
        return False
    if not path.startswith("file:") and not os.path.exists(path):
        return False  # removed meanwhile: connecting would create an empty database
    try:
        raw = engine.raw_connection()
    except Exception:  # unreadable now: nothing this process can fold back
        return False
    raw.detach()
    try:
        cur = raw.cursor()
        cur.execute(f"PRAGMA busy_timeout={CLOSE_WAIT_MS}")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row: Any = cur.fetchone()
        return row is not None and row[0] == 0
    except Exception:  # locked past the wait, or read-only: another process folds it
        return False
    finally:
        raw.close()


class Checkpointer(threading.Thread):
    """Checkpoints an SQLite engine's WAL every ``interval`` seconds until disposed.

    Each round copies the WAL back (PASSIVE: never waits for, nor blocks, a writer or
    reader). While writers are busy that is all it does: once a round has copied every
    frame, the next commit starts the WAL over and SQLite cuts the file down to
    :data:`WAL_SIZE_LIMIT` itself. A TRUNCATE checkpoint holds the writer slot while it
    runs, and a commit that finds the slot taken sleeps in SQLite's busy handler for
    several milliseconds (the tail of edit latency), so it runs only when the WAL file is
    larger than the limit and unchanged since the previous round (no writer since),
    without waiting (``busy_timeout=0``): if a reader or writer is busy it gives up and a
    later round tries again.
    """

    def __init__(self, engine: Engine, interval: float = 0.5) -> None:
        super().__init__(name="sqlite-checkpoint", daemon=True)
        self.engine, self.interval = engine, interval
        self.stopping = threading.Event()
        path = engine.url.database
        self.wal_path = (f"{path}-wal" if path and path != ":memory:"
                         and not path.startswith("file:") else None)
        self.last_seen: tuple[int, int] | None = None
        event.listen(engine, "engine_disposed", lambda _: self.stopping.set())

    def wal_idle_and_too_large(self) -> bool:
        """The WAL is past the limit and no one wrote to it since the last round."""
        if self.wal_path is None:
            return False
        try:
            stat = os.stat(self.wal_path)
        except OSError:  # no WAL file (yet): nothing to shrink
            self.last_seen = None
            return False
        seen, self.last_seen = self.last_seen, (stat.st_size, stat.st_mtime_ns)
        return stat.st_size > WAL_SIZE_LIMIT and seen == self.last_seen

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                raw = self.engine.raw_connection()
                try:
                    cur = raw.cursor()
                    cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cur.fetchall()
                    if self.wal_idle_and_too_large():
                        cur.execute("PRAGMA busy_timeout=0")
                        try:
                            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                            cur.fetchall()
                        finally:
                            cur.execute("PRAGMA busy_timeout=60000")
                    cur.close()
                finally:
                    raw.close()
            except Exception:  # a busy or vanished database: try again next round
                continue
