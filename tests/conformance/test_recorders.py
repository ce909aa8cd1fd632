"""Our recorders pass the recorder conformance suites that eventsourcing ships.

* ``SqlAggregateRecorder`` (the aggregate snapshot recorder): ``AggregateRecorderTestCase``
* ``LedgerRecorder`` (the application recorder): ``ApplicationRecorderTestCase``, with
  its optional subscription test, and ``ProcessRecorderTestCase``
* ``SqlTrackingRecorder``: ``TrackingRecorderTestCase``
* ``LedgerRecorder`` again: ``NonInterleavingNotificationIDsBaseCase``

each on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from eventsourcing.tests import persistence as suites

from infrastructure.persistence.factory import LedgerRecorder, shared_engine
from infrastructure.persistence.recorders import SqlAggregateRecorder, SqlTrackingRecorder
from infrastructure.persistence.schema import Tables, build_tables
from tests.conformance import PostgresDatabase, SqliteDatabase


class _Tables:
    db_url: str

    def tables(self) -> Tables:
        tables = build_tables("conformance")
        tables.metadata.create_all(shared_engine(self.db_url))
        return tables


# -- aggregate (snapshot) recorder ---------------------------------------------------------

class _AggregateRecorder(_Tables):
    def create_recorder(self) -> SqlAggregateRecorder:
        return SqlAggregateRecorder(shared_engine(self.db_url), self.tables())


class TestAggregateRecorderOnSqlite(
    SqliteDatabase, _AggregateRecorder, suites.AggregateRecorderTestCase
):
    pass


class TestAggregateRecorderOnPostgres(
    PostgresDatabase, _AggregateRecorder, suites.AggregateRecorderTestCase
):
    pass


# -- application recorder ------------------------------------------------------------------

class _ApplicationRecorder(_Tables):
    def create_recorder(self) -> LedgerRecorder:
        return LedgerRecorder(shared_engine(self.db_url), self.tables())

    def test_insert_subscribe(self) -> None:
        """The suite's optional test, run for real: catch-up, live, stop, topics."""
        suites.ApplicationRecorderTestCase.optional_test_insert_subscribe(self)  # type: ignore[arg-type]


class TestApplicationRecorderOnSqlite(
    SqliteDatabase, _ApplicationRecorder, suites.ApplicationRecorderTestCase
):
    pass


class TestApplicationRecorderOnPostgres(
    PostgresDatabase, _ApplicationRecorder, suites.ApplicationRecorderTestCase
):
    pass


class _LedgerRecorder(_Tables):
    def create_recorder(self) -> LedgerRecorder:
        return LedgerRecorder(shared_engine(self.db_url), self.tables())


class TestNonInterleavingIdsOnSqlite(
    SqliteDatabase, _LedgerRecorder, suites.NonInterleavingNotificationIDsBaseCase
):
    """Two concurrent 1,000-event writes get two unbroken runs of notification ids."""


class TestNonInterleavingIdsOnPostgres(
    PostgresDatabase, _LedgerRecorder, suites.NonInterleavingNotificationIDsBaseCase
):
    """Two concurrent 1,000-event writes get two unbroken runs of notification ids."""


# -- tracking recorder ---------------------------------------------------------------------

class _TrackingRecorder(_Tables):
    def create_recorder(self) -> SqlTrackingRecorder:
        return SqlTrackingRecorder(shared_engine(self.db_url), self.tables())


class TestTrackingRecorderOnSqlite(
    SqliteDatabase, _TrackingRecorder, suites.TrackingRecorderTestCase
):
    pass


class TestTrackingRecorderOnPostgres(
    PostgresDatabase, _TrackingRecorder, suites.TrackingRecorderTestCase
):
    pass


# -- process recorder ----------------------------------------------------------------------

class _ProcessRecorder(_Tables):
    def create_recorder(self) -> LedgerRecorder:
        return LedgerRecorder(shared_engine(self.db_url), self.tables())


class TestProcessRecorderOnSqlite(
    SqliteDatabase, _ProcessRecorder, suites.ProcessRecorderTestCase
):
    pass


class TestProcessRecorderOnPostgres(
    PostgresDatabase, _ProcessRecorder, suites.ProcessRecorderTestCase
):
    pass
