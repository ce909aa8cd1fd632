"""``annoledger ops ...`` and ``annoledger export coco|yolo|voc`` in a shell, on SQLite and
PostgreSQL, with the real demo project and its pixels: the JSON each prints, refusals
naming the parameter, re-runs to the same digest, and a training set whose steps the
workflow graph shows with their parameters and the versions they read."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.settings import Settings
from interfaces.composition import build_ledger
from tests.conftest import DEMO
from tests.e2e.cli import Run, run_cli

pytestmark = pytest.mark.timeout(300)
FIELDS = {"session", "project", "source_version", "items", "objects"}


@pytest.fixture
def sh(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ANNOLEDGER_MEDIA_ROOT", str(tmp_path / "media"))

    def call(*args: str) -> Run:
        return run_cli(capsys, db_url, *args)

    assert call("import", "supervisely", str(DEMO), "--project", "demo").code == 0
    return call


def test_split_prints_its_run_and_rerun_rebuilds_the_same_digest(sh: Any,
                                                                  db_url: str) -> None:
    run = sh("ops", "split", "demo", "--parts", "train=0.5,val=0.5", "--seed", "4",
             "--stratify", "--json")
    assert run.code == 0, run.err
    result = run.json()
    assert set(result) == FIELDS
    assert (result["source_version"], result["items"], result["objects"]) == (1, 6, 9)
    listed = {p["name"]: p["id"] for p in sh("projects", "list", "--json").json()}
    assert listed["demo · split"] == result["project"]
    again = sh("ops", "rerun", result["session"], "--name", "again", "--json").json()
    assert again["project"] != result["project"] and again["source_version"] == 1
    ledger = build_ledger(Settings(db_url=db_url, actor="reader"))
    digests = {p.id: p.digest for p in ledger.projects.all()}
    assert digests[UUID(result["project"])] == digests[UUID(again["project"])]


def test_each_operation_runs_from_the_shell(sh: Any) -> None:
    runs = {
        "subsample": ("--count", "4"),
        "filter": ("--where", 'count(class="cat") > 0'),
        "rename-classes": ("--map", "cat=animal,dog=canine"),
    }
    for operation, args in runs.items():
        run = sh("ops", operation, "demo", *args, "--json")
        assert run.code == 0, (operation, run.err)
        assert set(run.json()) == FIELDS
    assert sh("ops", "subsample", "demo", "--count", "4", "--json").json()["items"] == 4
    split = sh("ops", "split", "demo", "--parts", "a=0.5,b=0.5", "--name", "halves", "--json")
    merged = sh("ops", "merge", "halves", "--datasets", "a,b", "--into", "all",
                "--in-place", "--json").json()
    assert merged["project"] == split.json()["project"] and merged["items"] == 6
    plain = sh("ops", "filter", "demo", "--where", "empty_items() == 0", "--name", "busy")
    assert plain.code == 0 and "busy" in plain.out and "from version 1" in plain.out


@pytest.mark.parametrize(("args", "message"), [
    (("split", "demo", "--parts", "train=0.9"), "error: parts: the ratios add up to 0.9, not 1"),
    (("filter", "demo", "--where", 'count(class="zebra") > 0'), "error: where: unknown class"),
    (("subsample", "demo", "--fraction", "0.5", "--count", "2"), "error: fraction: give exactly"),
    (("merge", "demo", "--datasets", "nope", "--into", "x"), "error: datasets.nope:"),
    (("rename-classes", "demo", "--map", "cat=dog2"), "error: map.cat: class 'cat' (rectangle)"),
    (("split", "demo", "--parts", "a=1", "--seed", "-3"), "error: seed: -3 must be"),
])
def test_a_bad_parameter_is_refused_by_name_and_nothing_is_written(
        sh: Any, args: tuple[str, ...], message: str) -> None:
    before = sh("log", "demo", "--json").out
    run = sh("ops", *args)
    assert run.code == 1 and run.err.startswith(message), run.err
    assert sh("log", "demo", "--json").out == before
    assert [p["name"] for p in sh("projects", "list", "--json").json()] == ["demo"]


def test_exports_for_training_from_the_shell(sh: Any, tmp_path: Path) -> None:
    for fmt, extra, marker in (("coco", (), "annotations/instances_ds.json"),
                               ("yolo", ("--task", "segment"), "data.yaml"),
                               ("voc", (), "ImageSets/Main/ds.txt")):
        out = tmp_path / fmt
        run = sh("export", fmt, "demo", str(out), *extra)
        assert run.code == 0, run.err
        assert (out / marker).is_file()
    bad = sh("export", "yolo", "demo", str(tmp_path / "x"), "--task", "pose")
    assert bad.code == 2 and "--task: 'pose'" in bad.err


def test_train_set_records_each_step_linked_in_the_workflow_graph(
        sh: Any, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "yolo"
    run = sh("ops", "train-set", "demo", str(out), "--format", "yolo", "--parts",
             "train=0.5,val=0.5", "--seed", "11", "--json")
    assert run.code == 0, run.err
    result = run.json()
    assert len(result["steps"]) == 1 and result["steps"][0]["source_version"] == 1
    assert (out / "data.yaml").is_file()
    labels = {p.parent.name for p in (out / "labels").rglob("*.txt")}
    assert labels == {"train", "val"}
    ledger = build_ledger(Settings(db_url=db_url, actor="reader"))
    g = ledger.workflow.graph()
    demo = next(p.id for p in ledger.projects.all() if p.name == "demo")
    split = f"session:{result['session']}"
    card = g.nodes[split]
    assert card["parameters"]["operation"] == "split"
    assert card["parameters"]["params"]["parts"] == {"train": 0.5, "val": 0.5}
    assert (card["parameters"]["seed"], card["parameters"]["version"]) == (11, 1)
    assert g.has_edge(f"version:{demo}@1", split)
    assert g.has_edge(split, f"project:{result['project']}")
    export = f"session:{result['export']['session']}"
    read = f"version:{result['project']}@{result['export']['version']}"
    assert g.has_edge(read, export) and g.has_edge(f"project:{result['project']}", read)
    assert g.has_edge(export, f"folder:{out.resolve()}")


@pytest.mark.skipif(importlib.util.find_spec("application.operations.augment") is None,
                    reason="the augment operation is not installed in this tree")
def test_train_set_with_augmentation_links_split_augment_and_export(
        sh: Any, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "coco"
    run = sh("ops", "train-set", "demo", str(out), "--format", "coco", "--augment",
             "fliplr", "--seed", "3", "--json")
    assert run.code == 0, run.err
    result = run.json()
    split, augment = result["steps"]
    g = build_ledger(Settings(db_url=db_url, actor="reader")).workflow.graph()
    aug = f"session:{augment['session']}"
    assert g.nodes[aug]["parameters"]["operation"] == "augment"
    assert g.nodes[aug]["parameters"]["within"] == ["train"]
    assert g.has_edge(f"version:{split['project']}@{augment['source_version']}", aug)
    assert (out / "annotations" / "instances_train.json").is_file()
    rerun = sh("ops", "rerun", augment["session"], "--json").json()
    assert rerun["items"] == augment["items"]


IMAGE_LIBRARIES = ("cv2",)
"""Loaded only to work on pixels (numpy is also the codec's, for decoding rings in bulk)."""
PROBE = """
import json, sys
from interfaces.cli.main import main

try:
    main(json.loads(sys.argv[1]))
except SystemExit as exc:
    if exc.code:
        raise
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(argv: list[str], db_url: str, media: Path) -> set[str]:
    """Every module a fresh interpreter holds after running one command line (a test
    process has imported everything already)."""
    env = {**os.environ, "ANNOLEDGER_DB": db_url, "ANNOLEDGER_MEDIA_ROOT": str(media)}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], env=env,
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    return {m.split(".")[0] for m in json.loads(done.stdout.splitlines()[-1])}


def test_only_runs_that_work_on_pixels_load_the_image_libraries(
        sh: Any, db_url: str, tmp_path: Path) -> None:
    split = loaded_by(["ops", "split", "demo", "--parts", "train=0.5,val=0.5", "--seed", "1"],
                      db_url, tmp_path / "media")
    assert "application" in split and not split & set(IMAGE_LIBRARIES)
    convert = loaded_by(["ops", "convert", "demo", "--class", "cat", "--shape", "bitmap"],
                        db_url, tmp_path / "media")
    assert convert >= set(IMAGE_LIBRARIES)
