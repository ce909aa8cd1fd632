"""The eventsourcing library's conformance suites, run against our infrastructure.

The suites are ``unittest.TestCase`` classes; each concrete test class here mixes one
suite with one backend below, so every suite runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import tempfile

from infrastructure.persistence.factory import dispose_engines
from tests.backends import require_pg


class SqliteDatabase:
    """A fresh SQLite file per test, in a temporary directory."""

    db_url: str

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="annoledger-conformance-")
        self.db_url = f"sqlite:///{self._tmp.name}/ledger.db"
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            super().tearDown()  # type: ignore[misc]
        finally:
            dispose_engines()
            self._tmp.cleanup()


class PostgresDatabase:
    """The PostgreSQL test database, its schema dropped and recreated per test."""

    db_url: str

    def setUp(self) -> None:
        dispose_engines()
        self.db_url = require_pg()
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            super().tearDown()  # type: ignore[misc]
        finally:
            dispose_engines()
