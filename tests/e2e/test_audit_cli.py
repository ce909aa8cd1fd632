"""The compliance and debugging commands, run in process as a user's shell would:
``audit``, ``history``, ``blame``, ``replay show|step|bisect``, ``verify --digest`` and
``--since-digest``, ``versions diff --match iou``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.ledger import Ledger
from interfaces.cli.main import app as cli_app
from interfaces.cli.runtime import out_console
from tests.integration.audit_story import Story, edit_everything, execute, tell

runner = CliRunner()


@pytest.fixture
def story(app: Ledger) -> Story:
    return tell(app)


@pytest.fixture
def cli(db_url: str) -> Any:
    def run(*args: str) -> Any:
        return runner.invoke(cli_app, ["--db", db_url, "--actor", "carol", *args])
    return run


def iso(t: float) -> str:
    from datetime import UTC, datetime
    return datetime.fromtimestamp(t, UTC).isoformat()


def test_audit_filters_by_actor_and_time_range_as_json_csv_and_a_table(
    story: Story, cli: Any,
) -> None:
    result = cli("audit", "--actor", "bob", "--since", iso(story.t0), "--until", iso(story.t1),
                 "--json")
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert [r["summary"] for r in page["data"]] == ["class cat → lynx",
                                                   "class lynx added (rectangle)"]
    assert page["next_offset"] is None and page["data"][0]["position"] == 9
    table = cli("audit", "--project", "demo", "--item", "ds/cat1.jpg", "--csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [r["position"] for r in rows] == ["12", "11", "10", "9", "2"]
    assert rows[1]["summary"] == "geometry: 4 pts → 5 pts"
    assert rows[1]["session_id"] == str(story.session)
    by_object = cli("audit", "--object", str(story.polygon), "--type", "ObjectAdded", "--json")
    assert [r["actor"] for r in json.loads(by_object.stdout)["data"]] == ["carol"]
    session = cli("audit", "--session", str(story.session), "--limit", "2")
    assert session.exit_code == 0 and "carol" in session.stdout
    assert "more: --offset 2" in session.stdout
    bad = cli("audit", "--since", "yesterday")
    assert bad.exit_code != 0


def _fits(text: str, width: int = 80) -> None:
    assert text.strip()
    for line in text.splitlines():
        assert len(line) <= width, line
    assert "…" not in text


def test_audit_and_log_tables_fit_80_columns_and_wide_shows_every_column(
    story: Story, cli: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    said = edit_everything(story)
    monkeypatch.setattr(out_console, "width", 80)
    table = cli("audit", "--limit", "1000")
    assert table.exit_code == 0, table.output
    _fits(table.stdout)
    rows = json.loads(cli("audit", "--limit", "1000", "--json").stdout)["data"]
    newest = rows[0]
    assert f"{newest['time'][5:10]} {newest['time'][11:19]}" in table.stdout
    assert "project demo" in table.stdout and "Item." not in table.stdout
    assert "ObjectGeometryChanged" in table.stdout and "AppSession" not in table.stdout
    assert "ds/kitten.jpg" in table.stdout and f"#{story.box}" in table.stdout
    assert all(w in table.stdout.split() for w in said[17].split())  # wrapped, not cut
    log = cli("log", "demo")
    assert log.exit_code == 0, log.output
    _fits(log.stdout)
    assert all(w in log.stdout.split() for w in said[23].split())
    steps = cli("replay", "step", "demo", "--from", "15", "--to", "24")
    assert steps.exit_code == 0, steps.output
    _fits(steps.stdout)
    assert all(w in steps.stdout.split() for w in said[17].split())
    wide = cli("audit", "--limit", "3", "--wide")
    assert wide.exit_code == 0, wide.output
    assert newest["time"] in wide.stdout and "Item.Moved" in wide.stdout
    assert f"item:{story.cat1}" in wide.stdout and said[24] in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) > 80


def test_audit_finds_an_item_by_path_and_an_object_by_every_touch(
    story: Story, cli: Any,
) -> None:
    said = edit_everything(story)

    def positions(*args: str) -> list[int]:
        result = cli("audit", "--json", "--limit", "1000", *args)
        assert result.exit_code == 0, result.output
        return [r["position"] for r in json.loads(result.stdout)["data"]]

    by_id = positions("--item", str(story.cat1))
    assert by_id == positions("--item", "ds/cat1.jpg") == positions("--item", "ds/kitten.jpg")
    assert by_id == positions("--project", "demo", "--item", "ds/kitten.jpg")
    assert positions("--object", str(story.box)) == [23, 22, 21, 20, 19, 18, 16, 9, 2]
    assert cli("audit", "--item", "kitten.jpg").exit_code != 0
    box = json.loads(cli("audit", "--object", str(story.box), "--type", "ObjectGeometryChanged",
                         "--json").stdout)["data"]
    assert [(r["summary"], r["item_path"], r["object_class"], r["project_name"])
            for r in box] == [(said[16], "ds/cat1.jpg", "lynx", "demo")]
    plain = json.loads(cli("audit", "--json", "--limit", "1000").stdout)["data"]
    everything = json.loads(cli("audit", "--json", "--limit", "1000", "--sessions").stdout)
    assert not any(r["bookkeeping"] for r in plain)
    assert {r["type"] for r in everything["data"] if r["bookkeeping"]} >= {
        "AppSession.Started", "AppSession.Finished"}
    log = json.loads(cli("log", "demo", "--json").stdout)
    by_position = {r["position"]: r for r in plain if r["project_name"] == "demo"}
    assert [(e["position"], e["summary"], e["item"]) for e in log] == [
        (p, by_position[p]["summary"], by_position[p]["item_path"])
        for p in sorted(by_position)]
    assert all(e["summary"] for e in log)


def test_history_and_blame_name_who_changed_each_object(story: Story, cli: Any) -> None:
    text = cli("history", "demo", "ds/cat1.jpg", "--object", str(story.box))
    assert text.exit_code == 0, text.output
    assert "class cat → lynx" in text.stdout and "bob" in text.stdout
    assert "cat, 2 pts, cat → lynx, 2 pts, cat" in " ".join(text.stdout.split())
    history = json.loads(cli("history", "demo", str(story.cat1), "--json").stdout)
    assert [h["actor"] for h in history] == ["alice", "bob", "carol", "carol", "carol"]
    blame = {b["object"]: b for b in json.loads(cli("blame", "demo", "ds/cat1.jpg",
                                                     "--json").stdout)}
    assert blame[story.box]["labeler"] == "Armen"
    assert blame[story.box]["created"]["actor"] == "alice"
    assert blame[story.box]["changed"]["actor"] == "bob"
    assert blame[story.polygon]["created"]["position"] == 10
    assert cli("blame", "demo", "ds/cat1.jpg").exit_code == 0
    assert cli("history", "demo", "ds/missing.jpg").exit_code != 0


def test_replay_shows_steps_and_bisects(story: Story, cli: Any, tmp_path: Path) -> None:
    shown = json.loads(cli("replay", "show", "demo", "--at", "7", "--json").stdout)
    assert (shown["items"], shown["objects"]) == (6, 9)
    as_of = json.loads(cli("replay", "show", "demo", "--as-of", iso(story.t1), "--json").stdout)
    assert as_of["position"] == 9
    exported = cli("replay", "show", "demo", "--at", "11", "--export", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "out" / "meta.json").exists()
    assert cli("replay", "show", "demo").exit_code == 2
    steps = json.loads(cli("replay", "step", "demo", "--from", "8", "--to", "9",
                           "--json").stdout)
    assert [s["summary"] for s in steps] == ["class lynx added (rectangle)",
                                             "class cat → lynx"]
    found = cli("replay", "bisect", "demo", "--predicate",
                f'class_of(object={story.box}) == "lynx"', "--json")
    assert found.exit_code == 0 and json.loads(found.stdout)["position"] == 9
    text = cli("replay", "bisect", "demo", "--predicate", "empty_items() == 0 and items() > 5")
    assert text.exit_code == 0 and "first true at position 7" in text.stdout
    never = cli("replay", "bisect", "demo", "--predicate", "items() > 100")
    assert never.exit_code == 1 and "does not hold" in never.stdout


def test_verify_prints_a_digest_last_and_proves_the_log_extends_it(
    story: Story, cli: Any,
) -> None:
    result = cli("verify", "--digest")
    assert result.exit_code == 0, result.output
    digest = result.stdout.split()[-1]
    assert digest.startswith("ald1.")
    proof = cli("verify", "--since-digest", digest)
    assert proof.exit_code == 0 and "extends the digest unchanged" in proof.stdout
    data = json.loads(cli("verify", "--since-digest", digest, "--json").stdout)
    assert data["ok"] is True
    [rec] = story.app.core.store.log(story.pid, gt=8, lte=9)
    state = bytearray(rec.state)
    state[-1] ^= 1
    execute(story.app, "UPDATE annoledger_events SET state = :s WHERE project_id = :pid AND "
            "position = 9", s=bytes(state), pid=story.pid)
    assert cli("verify", "--digest").exit_code == 1
    broken = cli("verify", "--since-digest", digest)
    assert broken.exit_code == 1 and "does NOT extend the digest" in broken.stdout


def test_versions_diff_matches_objects_by_iou(story: Story, cli: Any) -> None:
    story.app.items.change_object(story.cat1, story.box, story.app.core.ctx("frank"), geometry={
        "points": {"exterior": [[511, 18], [1546, 1868]], "interior": []}})
    result = cli("versions", "diff", "demo", "1", "current", "--match", "iou", "--iou", "0.5",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["before"] for m in data["moved"]] == [story.box]
    assert data["counts"]["moved"] == 1 and data["threshold"] == 0.5
    table = cli("versions", "diff", "demo", "1", "current", "--match", "iou")
    assert table.exit_code == 0 and "moved" in table.stdout
    assert cli("versions", "diff", "demo", "1", "current", "--match", "shape").exit_code != 0
    assert cli("versions", "diff", "demo", "1", "current").exit_code == 0
