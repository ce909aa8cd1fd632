"""``annoledger sessions ...`` and ``annoledger workflow ...``: the story told in a shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.errors import NotFoundError
from interfaces.cli.main import app
from tests.conftest import DEMO, editable_demo

MODEL, REPORT = "s3://models/yolo.pt", "s3://reports/eval.html"
pytestmark = pytest.mark.timeout(120)


class Shell:
    def __init__(self, db_url: str) -> None:
        self.db_url, self.runner = db_url, CliRunner()

    def __call__(self, *args: str) -> str:
        result = self.runner.invoke(app, ["--db", self.db_url, "--actor", "carol", *args])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


def _story(sh: Shell) -> dict[str, str]:
    sh.json("import", "supervisely", str(DEMO), "--project", "cats")
    sh("versions", "create", "cats", "--title", "first")
    ids = {}
    aug = sh.json("sessions", "start", "flip", "--kind", "augmentation",
                  "--input", "project_version:cats@1")["id"]
    sh("sessions", "output", aug, "project", "cats")
    sh("sessions", "finish", aug)
    split = sh.json("sessions", "start", "split", "--kind", "split", "--parameters",
                    '{"val": 0.2}', "--input", "project:cats")["id"]
    for name in ("train", "val"):
        sh("sessions", "output", split, "dataset", f"cats/{name}", "--title", name)
    sh("sessions", "finish", split)
    train = sh.json("sessions", "start", "yolo", "--kind", "training", "--input", "project:cats",
                    "--input", "dataset:cats/train")
    ids["training"] = train["id"]
    ids["training input"] = train["inputs"][0]["type"]
    sh("sessions", "progress", train["id"], "3", "3", "--message", "epoch 3")
    sh("sessions", "output", train["id"], "model_weight", MODEL)
    sh("sessions", "finish", train["id"])
    ev = sh.json("sessions", "start", "eval", "--kind", "evaluation",
                 "--input", f"model_weight:{MODEL}")["id"]
    sh("sessions", "output", ev, "report", REPORT)
    done = sh.json("sessions", "finish", ev, "--status", "failed")
    ids["evaluation status"] = done["status"]
    return ids


def test_sessions_are_started_fed_and_finished_from_the_shell(db_url: str) -> None:
    sh = Shell(db_url)
    ids = _story(sh)
    assert ids["training input"] == "project_version" and ids["evaluation status"] == "failed"
    listed = sh.json("sessions", "list")
    assert [s["app"] for s in listed[:4]] == ["eval", "yolo", "split", "flip"]
    assert {s["app"] for s in listed} >= {"annoledger import supervisely",
                                          "annoledger versions create"}
    shown = sh.json("sessions", "show", ids["training"])
    assert shown["progress"] == {"done": 3, "total": 3, "message": "epoch 3"}
    assert "yolo (training) by carol: succeeded" in sh("sessions", "show", ids["training"])
    assert len(sh.json("sessions", "list", "--kind", "split")) == 1


def test_workflow_questions_answer_from_the_shell(db_url: str, tmp_path: Path) -> None:
    sh = Shell(db_url)
    ids = _story(sh)
    up = sh.json("workflow", "upstream", f"report:{REPORT}", "--depth", "2")
    assert {n["kind"] for n in up["nodes"]} == {"report", "session", "model_weight"}
    down = sh.json("workflow", "downstream", "cats@1")
    assert f"report:{REPORT}" in {n["id"] for n in down["nodes"]}
    assert "yolo.pt" in sh("workflow", "downstream", "cats@1")
    trained = sh.json("workflow", "trained-on", "cats", "ds/cat1.jpg")
    assert [t["model"]["id"] for t in trained] == [f"model_weight:{MODEL}"]
    assert trained[0]["sessions"] == [f"session:{ids['training']}"]
    prov = sh.json("workflow", "provenance", f"model_weight:{MODEL}")
    assert prov["sessions"][0]["app"] == "yolo" and len(prov["versions"]) == 1
    assert sh.json("workflow", "trained-on", "cats", "ds/cat1.jpg", "--as-of", "2000-01-01") == []


def test_workflow_draws_and_exports_from_the_shell(db_url: str, tmp_path: Path) -> None:
    sh = Shell(db_url)
    _story(sh)
    svg = tmp_path / "graph.svg"
    sh("workflow", "svg", "--out", str(svg))
    assert svg.read_text().startswith("<svg") and svg.read_text().count('class="node session') == 6
    assert sh("workflow", "svg", f"model_weight:{MODEL}", "--direction", "upstream").count(
        'class="node session') == 5  # all but the evaluation
    graph = json.loads(sh("workflow", "export"))
    assert len(graph["nodes"]) == 13
    assert sh("workflow", "export", "--format", "mermaid").startswith("flowchart LR")
    assert sh("workflow", "export", "--format", "dot").startswith("digraph workflow {")
    assert "<graphml" in sh("workflow", "export", "--format", "graphml")
    lines = [json.loads(x) for x in sh("workflow", "export", "--openlineage").splitlines()]
    assert {e["eventType"] for e in lines} == {"START", "COMPLETE", "FAIL"}
    assert len(lines) == 12  # six sessions, each started and finished
    assert sh("workflow", "export", "--as-of", "2000-01-01T00:00:00Z").count('"id"') == 0


def test_an_unknown_node_is_a_clear_error(db_url: str) -> None:
    result = CliRunner().invoke(app, ["--db", db_url, "workflow", "upstream", "nope"])
    assert result.exit_code != 0 and isinstance(result.exception, NotFoundError)


def _without(tmp_path: Path, name: str) -> Path:
    """The demo without one item (``dataset/name``): syncing it removes that item."""
    copy = editable_demo(tmp_path, name.replace("/", "_"))
    dataset, _, item = name.partition("/")
    for p in (copy / dataset).rglob(f"{item}*"):
        p.unlink()
    return copy


def _distances(table: str) -> list[int]:
    """The distance column of a rich table, in the order printed."""
    return [int(cells[1]) for line in table.splitlines()
            if len(cells := line.split("│")) > 2 and cells[1].strip().isdigit()]


def test_lineage_is_true_in_time_from_the_shell(db_url: str, tmp_path: Path) -> None:
    sh = Shell(db_url)
    sh.json("import", "supervisely", str(DEMO), "--project", "cats")
    sh("versions", "create", "cats", "--title", "first")
    sh.json("import", "supervisely", str(_without(tmp_path, "ds/dog3.jpg")), "--into", "cats")
    train = sh.json("sessions", "start", "yolo", "--kind", "training",
                    "--input", "project:cats")["id"]
    sh("sessions", "output", train, "model_weight", MODEL)
    sh("sessions", "finish", train)
    trained = datetime.now(UTC).isoformat()
    sh("versions", "revert", "cats", "1")
    sh.json("import", "supervisely", str(_without(tmp_path, "ds/cat2.jpg")), "--into", "cats")
    sh("versions", "create", "cats", "--title", "third")
    late = sh.json("sessions", "start", "late-fix", "--kind", "labeling_job",
                   "--input", "project:cats")["id"]
    sh("sessions", "output", late, "project", "cats")
    sh("sessions", "finish", late)
    project = next(p["id"] for p in sh.json("projects", "list") if p["name"] == "cats")

    prov = sh.json("workflow", "provenance", f"model_weight:{MODEL}")
    assert [v["id"] for v in prov["versions"]] == [f"version:{project}@2"]
    assert "annoledger versions revert" not in {s["app"] for s in prov["sessions"]}
    assert sh.json("workflow", "provenance", f"model_weight:{MODEL}", "--as-of",
                   trained) == prov
    table = _distances(sh("workflow", "provenance", f"model_weight:{MODEL}"))
    assert table == sorted(table) and len(table) == len(prov["versions"]) + len(
        prov["sessions"])

    up = sh.json("workflow", "upstream", "cats@3")
    ids = [n["id"] for n in up["nodes"]]
    assert f"session:{late}" not in ids and f"session:{train}" not in ids
    assert [n["distance"] for n in up["nodes"]] == sorted(n["distance"] for n in up["nodes"])
    table = _distances(sh("workflow", "upstream", "cats@3"))
    assert table == sorted(table) and len(table) == len(ids)
    down = sh.json("workflow", "downstream", "cats@1", "--as-of", trained)
    assert f"model_weight:{MODEL}" not in {n["id"] for n in down["nodes"]}
