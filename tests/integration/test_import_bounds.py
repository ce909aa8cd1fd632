"""Imports read regular files only, of a bounded size: a device, a pipe or a directory given
where a file is expected is refused naming it, before anything is read or recorded."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.ledger import Ledger
from domain.errors import ValidationError
from domain.values import Context
from infrastructure.formats.files import (
    DEFAULT_MAX_JSON_FILE,
    load_json,
    max_json_file,
    set_max_json_file,
)
from tests.conftest import ROOT
from tests.e2e.cli import run_cli

COCO = {"categories": [{"id": 1, "name": "thing"}],
        "images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 3}],
        "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}]}


@pytest.fixture(autouse=True)
def default_cap() -> Iterator[None]:
    """Every test ends with the default size cap in force, whatever it set."""
    yield
    set_max_json_file(DEFAULT_MAX_JSON_FILE)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "instances.json"
    os.mkfifo(path)
    return path


def _in_time(work: object, seconds: float = 20) -> object:
    """Run ``work()`` in a thread; fail (instead of hanging the suite) if it blocks."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()  # type: ignore[operator]
        except BaseException as exc:  # handed to the test, raised there
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the import blocked"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def test_cli_import_of_dev_zero_is_refused_naming_the_file(
        capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    """Run as a child process with 1 GiB of address space and a time limit, so that reading
    an endless device fails fast instead of taking the machine's memory."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    run = subprocess.run(
        [sys.executable, "-c", "from interfaces.cli.main import main; main()", "--db", db_url,
         "import", "coco", "/dev/zero", "--project", "zero"],
        capture_output=True, text=True, timeout=120, preexec_fn=limit, cwd=ROOT,
        env={**os.environ, "ANNOLEDGER_MEDIA_ROOT": str(tmp_path / "media")})
    assert run.returncode != 0
    assert "zero: is a device, pipe or socket, not a regular file" in run.stderr
    listed = run_cli(capsys, db_url, "projects", "list", "--json")
    assert "zero" not in [p["name"] for p in listed.json()]


def test_a_fifo_is_refused_without_waiting_for_a_writer(app: Ledger, fifo: Path,
                                                       ctx: Context) -> None:
    with pytest.raises(ValidationError) as caught:
        _in_time(lambda: app.imports.from_files("coco", fifo, ctx, name="piped"))
    assert caught.value.field == "instances.json" and "not a regular file" in str(caught.value)
    assert [p.name for p in app.projects.all()] == []


def test_a_directory_given_as_the_coco_file_is_refused_naming_it(
        app: Ledger, tmp_path: Path, ctx: Context) -> None:
    folder = tmp_path / "instances.json"
    folder.mkdir()
    with pytest.raises(ValidationError) as caught:
        app.imports.from_files("coco", folder, ctx, name="folder")
    assert caught.value.field == "instances.json"
    assert "is a directory, not a regular file" in caught.value.message
    assert [p.name for p in app.projects.all()] == []


def test_supervisely_meta_or_annotation_that_is_a_fifo_is_refused_naming_it(
        app: Ledger, tmp_path: Path, ctx: Context) -> None:
    root = tmp_path / "proj"
    (root / "ds" / "ann").mkdir(parents=True)
    (root / "ds" / "img").mkdir()
    os.mkfifo(root / "meta.json")
    with pytest.raises(ValidationError) as caught:
        _in_time(lambda: app.imports.from_files("supervisely", root, ctx, name="p1"))
    assert caught.value.field == "meta.json" and "not a regular file" in caught.value.message
    (root / "meta.json").unlink()
    (root / "meta.json").write_text(json.dumps({"classes": [], "tags": []}))
    os.mkfifo(root / "ds" / "ann" / "a.png.json")
    with pytest.raises(ValidationError) as caught:
        _in_time(lambda: app.imports.from_files("supervisely", root, ctx, name="p2"))
    assert "a.png.json" in caught.value.field and "not a regular file" in caught.value.message
    assert [p.name for p in app.projects.all()] == []


def test_a_json_file_over_the_configured_cap_is_refused_before_it_is_read(
        capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**COCO, "info": {"pad": "x" * 5000}}))
    monkeypatch.setenv("ANNOLEDGER_MAX_JSON_FILE_BYTES", "4096")
    run = run_cli(capsys, db_url, "import", "coco", str(path), "--project", "big")
    assert run.code != 0 and "big.json:" in run.err and "over the limit of 4096 bytes" in run.err
    assert max_json_file() == 4096
    monkeypatch.delenv("ANNOLEDGER_MAX_JSON_FILE_BYTES")
    run = run_cli(capsys, db_url, "import", "coco", str(path), "--project", "big")
    assert run.code == 0, run.err


def test_deeply_nested_json_is_a_validation_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError) as caught:
        load_json(path, "deep.json")
    assert caught.value.field == "deep.json" and "nested too deeply" in caught.value.message
