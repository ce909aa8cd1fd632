"""The databases the suite runs against: SQLite always, PostgreSQL when reachable.

In CI (``CI=true``) an unreachable PostgreSQL fails the run; elsewhere its tests skip
with the reason.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("ANNOLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_problem() -> str | None:
    url = "postgresql+psycopg://" + PG_URL.removeprefix("postgresql://")
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                                  connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any reason it cannot be used
        return f"PostgreSQL at {PG_URL} is not reachable: {str(exc).splitlines()[0]}"
    return None


def reset_pg() -> None:
    url = "postgresql+psycopg://" + PG_URL.removeprefix("postgresql://")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def require_pg() -> str:
    problem = pg_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (CI requires PostgreSQL)")
        pytest.skip(problem)
    reset_pg()
    return PG_URL
