"""Exports stream a version's items from the store in batches: the same items as the
whole state, and the same files."""

from __future__ import annotations

from pathlib import Path

from application.ledger import Ledger
from domain.values import Context
from infrastructure.formats import write_supervisely
from tests.conftest import FIXTURES

DOWNLOAD = FIXTURES / "supervisely_download_without_pixels"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_a_version_streams_in_batches_holding_its_items(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DOWNLOAD, ctx, name="dl").project
    app.versions.create(pid, ctx, "v1")
    app.items.remove(app.projects.resolve_item(pid, "ds/cat1.jpg"), ctx)  # after v1
    stream = app.exports.stream(pid, 1, batch=4)
    batches = [list(b) for b in stream.batches]
    assert [len(b) for b in batches] == [4, 2] and stream.total == 6
    whole = app.versions.state_of(pid, 1)
    assert stream.meta == whole.meta
    assert {(i.dataset_id, i.name): i for b in batches for i in b} == whole.items


def test_the_streamed_export_writes_the_files_of_the_whole_state(
        app: Ledger, ctx: Context, tmp_path: Path) -> None:
    pid = app.imports.from_files("supervisely", DOWNLOAD, ctx, name="dl").project
    app.exports.to_files("supervisely", pid, tmp_path / "streamed")
    write_supervisely(app.versions.state_of(pid, "current"), tmp_path / "whole")
    streamed = _files(tmp_path / "streamed")
    assert len(streamed) == 1 + 3 * 6  # meta.json; ann, img_info and meta of each item
    assert streamed == _files(tmp_path / "whole")
