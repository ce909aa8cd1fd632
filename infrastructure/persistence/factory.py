"""The eventsourcing infrastructure factory for annoledger's SQLAlchemy storage.

Selected with ``PERSISTENCE_MODULE=infrastructure.persistence.factory``; the database
URL comes from ``ANNOLEDGER_DB`` (or ``SQLALCHEMY_URL``).
"""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment, resolve_topic, strtobool
from sqlalchemy import Engine

from infrastructure.persistence.engine import create_tables, make_engine
from infrastructure.persistence.migrations import add_columns
from infrastructure.persistence.recorders import (
    SqlAggregateRecorder,
    SqlApplicationRecorder,
    SqlProcessRecorder,
    SqlTrackingRecorder,
    upgrade_schema,
)
from infrastructure.persistence.references import ReferenceQueries
from infrastructure.persistence.schema import Tables, build_tables
from infrastructure.persistence.store import LedgerQueries


class LedgerRecorder(LedgerQueries, ReferenceQueries, SqlProcessRecorder):
    """The application recorder: events, tracking, and the project-level store."""


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """One engine (one pool) per URL per process."""
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close every engine: at the end of a command, when the server stops, after a test.

    Disposing an SQLite engine folds its WAL back into the database and empties it.
    """
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


class Factory(InfrastructureFactory[TrackingRecorder]):
    DB_URL = "ANNOLEDGER_DB"
    CREATE_TABLE = "CREATE_TABLE"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        url = self.env.get(self.DB_URL) or self.env.get("SQLALCHEMY_URL")
        if not url:
            msg = f"{self.DB_URL} is not set: give a database URL such as sqlite:///ledger.db"
            raise OSError(msg)
        self.engine = shared_engine(url)
        prefix = (self.env.name or "annoledger").lower()
        self.tables: Tables = build_tables(prefix)
        if strtobool(self.env.get(self.CREATE_TABLE, "y")):
            create_tables(self.engine, self.tables.metadata)
            upgrade_schema(self.engine, self.tables)
            add_columns(self.engine, self.tables)

    def aggregate_recorder(self, purpose: str = "events") -> SqlAggregateRecorder:
        return SqlAggregateRecorder(self.engine, self.tables)

    def application_recorder(self) -> SqlApplicationRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        cls: Any = resolve_topic(topic) if topic else LedgerRecorder
        return cls(self.engine, self.tables)  # type: ignore[no-any-return]

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        if tracking_recorder_class is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            tracking_recorder_class = resolve_topic(topic) if topic else SqlTrackingRecorder
        return tracking_recorder_class(self.engine, self.tables)  # type: ignore[call-arg]

    def process_recorder(self) -> SqlProcessRecorder:
        topic = self.env.get(self.PROCESS_RECORDER_TOPIC)
        cls: Any = resolve_topic(topic) if topic else LedgerRecorder
        return cls(self.engine, self.tables)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Engines are shared per URL; :func:`dispose_engines` closes them."""
