"""The CLI contract of the core: import, export, projects, log, verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEMO, FIXTURES
from tests.e2e.cli import run_cli


def test_import_supervisely_prints_project_totals_as_json(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    run = run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project", "demo", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert set(data) == {"project", "items", "objects", "events"}
    assert (data["items"], data["objects"], data["events"]) == (6, 9, 7)

    listed = run_cli(capsys, db_url, "projects", "list", "--json").json()
    assert listed == [{"id": data["project"], "name": "demo", "items": 6, "objects": 9}]


def test_import_coco_then_log_and_verify(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    coco = FIXTURES / "instances_val2014_100.json"
    run = run_cli(capsys, db_url, "import", "coco", str(coco), "--project", "coco", "--json")
    assert run.code == 0, run.err
    assert run.json()["objects"] == 839
    log = run_cli(capsys, db_url, "log", "coco", "--limit", "3", "--json").json()
    assert [e["position"] for e in log] == [99, 100, 101]
    assert {e["actor"] for e in log} == {"carol"}
    assert all(e["type"] == "Item.Uploaded" and e["target"].startswith("item:") for e in log)
    verified = run_cli(capsys, db_url, "verify", "coco", "--json")
    assert verified.code == 0 and verified.json()[0]["ok"] is True


def test_export_writes_a_supervisely_project(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project", "demo")
    run = run_cli(capsys, db_url, "export", "supervisely", "demo", str(tmp_path / "out"))
    assert run.code == 0, run.err
    assert sorted(p.name for p in (tmp_path / "out" / "ds" / "ann").iterdir()) == sorted(
        p.name for p in (DEMO / "ds" / "ann").iterdir())


def test_errors_exit_non_zero_with_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    missing = run_cli(capsys, db_url, "log", "nope")
    assert missing.code != 0
    assert missing.err.strip().count("\n") == 0 and "project not found: nope" in missing.err
    bad = run_cli(capsys, db_url, "import", "supervisely", str(tmp_path), "--project", "x")
    assert bad.code != 0 and "meta.json" in bad.err
    both = run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project", "a",
                   "--into", "b")
    assert both.code != 0 and "exactly one of" in both.err


def test_versions_commands_follow_the_contract(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project", "demo")
    created = run_cli(capsys, db_url, "versions", "create", "demo", "--title", "t1", "--json")
    assert created.code == 0, created.err
    fields = created.json()
    assert set(fields) == {"number", "title", "description", "author", "created_at",
                           "position", "digest"}
    assert (fields["number"], fields["title"], fields["author"]) == (1, "t1", "carol")
    refused = run_cli(capsys, db_url, "versions", "create", "demo")
    assert refused.code != 0 and "version 1" in refused.err
    assert run_cli(capsys, db_url, "versions", "list", "demo", "--json").json() == [fields]
    diff = run_cli(capsys, db_url, "versions", "diff", "demo", "1", "current", "--json").json()
    assert diff["items"] == {"added": [], "removed": [], "modified": []}
    assert diff["classes"]["dog2"] == [3, 3]
    restored = run_cli(capsys, db_url, "versions", "restore", "demo", "1", "--json").json()
    assert restored["name"] == "demo, from ver. 1"
    table = run_cli(capsys, db_url, "versions", "diff", "demo", "1", "current")
    assert table.code == 0 and "objects per class" in table.out
