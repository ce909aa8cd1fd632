"""Our infrastructure factory passes eventsourcing's ``InfrastructureFactoryTestCase``.

The factory is selected the way the application selects it, through the environment
(``PERSISTENCE_MODULE=infrastructure.persistence.factory:Factory``, ``ANNOLEDGER_DB``),
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as suites
from eventsourcing.utils import Environment

from infrastructure.persistence.factory import Factory, LedgerRecorder
from infrastructure.persistence.recorders import SqlAggregateRecorder, SqlTrackingRecorder
from tests.conformance import PostgresDatabase, SqliteDatabase

FACTORY_TOPIC = "infrastructure.persistence.factory:Factory"


class CustomTrackingRecorder(SqlTrackingRecorder):
    """A tracking recorder subclass, named by argument or by topic in the suite."""


class _Factory:
    db_url: str
    env: Environment

    def setUp(self) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = FACTORY_TOPIC
        self.env[Factory.DB_URL] = self.db_url
        super().setUp()  # type: ignore[misc]

    def expected_factory_class(self) -> type[Factory]:
        return Factory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SqlAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return LedgerRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SqlTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return CustomTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return LedgerRecorder


class TestFactoryOnSqlite(
    SqliteDatabase, _Factory, suites.InfrastructureFactoryTestCase[Factory]
):
    pass


class TestFactoryOnPostgres(
    PostgresDatabase, _Factory, suites.InfrastructureFactoryTestCase[Factory]
):
    pass
