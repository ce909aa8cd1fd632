"""A database written by an earlier release still loads, verifies, diffs and exports.

``tests/fixtures/stored_ledger/ledger.db`` was written by annoledger 0.1.0 (see the
fixture's SOURCES.md): the demo imported, an edited copy synced, two versions, a
training session, a token, a restore and a revert. Its events are stored under topics
such as ``domain.item:Item.Uploaded``; whatever the modules are called later, those
topics must keep resolving, and the hash chains must keep verifying.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.e2e.cli import run_cli

STORED = FIXTURES / "stored_ledger" / "ledger.db"
CATS = "7af439e1-40d8-4129-916c-ba6e23bc6700"
V1 = "80f1cb80854e917179a35df0fc9129a007fe895a949b7ecc393958c5cb9825bf"
V2 = "d715a6a7fe6076105263766d4dd1ddd875c14c74af4396d97d9449575e062851"


@pytest.fixture
def stored(tmp_path: Path) -> str:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(STORED, copy)
    return f"sqlite:///{copy}"


def test_every_chain_of_the_stored_ledger_verifies(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, stored, "verify", "--json")
    assert run.code == 0, run.err
    views = {v["name"]: v for v in run.json()}
    assert {name: (v["ok"], v["checked"]) for name, v in views.items()} == {
        "(system)": (True, 30), "cats": (True, 14), "cats v1": (True, 7)}


def test_stored_versions_keep_their_digests(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, stored, "versions", "list", "cats", "--json")
    assert run.code == 0, run.err
    assert [(v["number"], v["title"], v["digest"]) for v in run.json()] == [
        (1, "first pass", V1), (2, "second", V2)]


def test_stored_diff_shows_the_synced_edit(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, stored, "versions", "diff", "cats", "1", "2", "--json")
    assert run.code == 0, run.err
    diff = run.json()
    assert diff["items"] == {"added": [], "removed": [],
                             "modified": ["ds/cat1.jpg", "ds/dog1.jpg"]}
    assert diff["objects"] == {"added": 0, "removed": 1, "modified": 1}
    assert diff["classes"]["dog2"] == [3, 2]


def test_stored_versions_export_with_their_annotations(
    stored: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "v1"
    run = run_cli(capsys, stored, "export", "supervisely", "cats v1", str(out))
    assert run.code == 0, run.err
    anns = {p.name: json.loads(p.read_text()) for p in (out / "ds" / "ann").glob("*.json")}
    assert len(anns) == 6
    assert sum(len(a["objects"]) for a in anns.values()) == 9


def test_the_stored_session_still_reads_the_version_it_trained_on(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, stored, "workflow", "provenance", "model_weight:s3://models/yolo-7.pt",
                  "--json")
    assert run.code == 0, run.err
    assert f"{CATS}@2" in run.out
