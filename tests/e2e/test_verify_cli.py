"""``annoledger verify`` as a user runs it, and ``GET .../verify``: derived rows are
recomputed from the log; the first mismatch is named on stderr with its table and key
and the command exits 1; ``--quick`` recomputes the hash chains alone."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO
from tests.e2e.cli import run_cli
from tests.e2e.conftest import Api


def tamper(db_url: str, statement: str, **params: Any) -> None:
    """SQL straight at the database, as someone bypassing annoledger would."""
    url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    typed = [sa.bindparam(k, type_=sa.Uuid()) for k, v in params.items()
             if isinstance(v, UUID)]
    with engine.begin() as conn:
        conn.execute(sa.text(statement).bindparams(*typed), params)
    engine.dispose()


@pytest.fixture
def imported(capsys: pytest.CaptureFixture[str], db_url: str) -> str:
    run = run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project", "demo",
                  "--json")
    assert run.code == 0, run.err
    assert run_cli(capsys, db_url, "audit", "--limit", "1").code == 0  # indexes the log
    return str(run.json()["project"])


def test_verify_reads_ok_then_names_a_forged_catalog_row(
    capsys: pytest.CaptureFixture[str], db_url: str, imported: str,
) -> None:
    run = run_cli(capsys, db_url, "verify")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[1] == f"demo ({imported}): 7 events, ok"
    assert lines[2].startswith("audit index: ") and lines[2].endswith(", ok")
    assert lines[3].startswith("workflow graph: ") and lines[3].endswith(", ok")

    tamper(db_url, "UPDATE annoledger_items SET objects = objects + 3 WHERE name = "
                   "'cat1.jpg' AND project_id = :pid", pid=UUID(imported))
    broken = run_cli(capsys, db_url, "verify")
    [item] = [v for v in run_cli(capsys, db_url, "verify", "--json").json()
              if v["name"] == "demo"]
    assert broken.code == 1
    key = item["key"]
    assert key.startswith("item ") and key.endswith(" (ds/cat1.jpg)")
    assert (item["ok"], item["table"]) == (False, "catalog")
    assert broken.err == f"error: project demo: catalog: {key}: objects 4, log says 1\n"
    assert f"demo ({imported}): 7 events, BROKEN: catalog: {key}: objects 4, log says 1" \
        in broken.out

    quick = run_cli(capsys, db_url, "verify", "--quick")
    assert quick.code == 0, quick.err
    assert "hash chains only" in quick.out
    assert run_cli(capsys, db_url, "verify", "demo").code == 1


def test_verify_names_a_project_whose_head_row_was_deleted(
    capsys: pytest.CaptureFixture[str], db_url: str, imported: str,
) -> None:
    tamper(db_url, "DELETE FROM annoledger_projects WHERE project_id = :pid",
           pid=UUID(imported))
    listed = run_cli(capsys, db_url, "projects", "list", "--json").json()
    assert listed == []
    run = run_cli(capsys, db_url, "verify")
    message = (f"heads: project {imported}: no head row, though the log holds 7 events "
               f"(the project is missing from every list)")
    assert (run.code, run.err) == (1, f"error: project demo: {message}\n")
    by_id = run_cli(capsys, db_url, "verify", imported)  # no name resolves to it now
    assert (by_id.code, by_id.err) == (1, f"error: project demo: {message}\n")


def test_http_verify_names_the_table_and_key(api: Api, demo: UUID) -> None:
    report = api.get(f"/projects/{demo}/verify").json()
    assert report["ok"] and report["checked"] == api.position(demo)
    assert (report["table"], report["key"]) == ("", "")
    with api.ledger.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text("UPDATE annoledger_projects SET objects = objects + 1 WHERE "
                             "project_id = :pid").bindparams(
            sa.bindparam("pid", type_=sa.Uuid())), {"pid": demo})
    broken = api.get(f"/projects/{demo}/verify").json()
    assert (broken["ok"], broken["table"], broken["key"]) == (False, "heads",
                                                             f"project {demo}")
    assert broken["reason"] == f"heads: project {demo}: objects 10, log says 9"
    assert api.get(f"/projects/{demo}/verify?quick=true").json()["ok"] is True
