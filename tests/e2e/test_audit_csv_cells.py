"""``annoledger audit --csv``: text a spreadsheet would run as a formula is defused."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from interfaces.cli.main import app as cli_app

runner = CliRunner()


def test_audit_csv_prefixes_formula_like_cells_with_a_quote(db_url: str) -> None:
    actor = '=HYPERLINK("http://evil.example","open")'
    made = runner.invoke(cli_app, ["--db", db_url, "--actor", actor, "projects", "create",
                                   "--", "-2+3 cats"])
    assert made.exit_code == 0, made.output
    table = runner.invoke(cli_app, ["--db", db_url, "--actor", "carol", "audit", "--csv"])
    assert table.exit_code == 0, table.output
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert rows and all(r["actor"] == "'" + actor for r in rows)
    assert all(not r["summary"].startswith(("=", "+", "-", "@")) for r in rows)
    assert rows[0]["position"].isdigit()
