"""A state written in batches gives the files the whole state gives, and a write that
fails part way leaves nothing behind."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from domain.errors import ValidationError
from domain.state import ProjectState, StateStream
from domain.values import AnnotationObject
from infrastructure.formats import read_supervisely, write_supervisely
from tests.conftest import FIXTURES

DOWNLOAD = FIXTURES / "supervisely_download_without_pixels"
OLD_LAYOUT = FIXTURES / "supervisely_old_layout" / "project_structure"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _batches(state: ProjectState, size: int) -> StateStream:
    items = list(state.iter_items())[::-1]  # another order than the whole state's
    return StateStream(state.meta, (items[i:i + size] for i in range(0, len(items), size)),
                       len(items))


@pytest.mark.parametrize("project", [DOWNLOAD, OLD_LAYOUT])
def test_batches_give_the_files_the_whole_state_gives(project: Path, tmp_path: Path) -> None:
    state = read_supervisely(project)
    write_supervisely(state, tmp_path / "whole")
    seen: list[tuple[int, int]] = []
    write_supervisely(_batches(state, 2), tmp_path / "batches",
                      progress=lambda done, total: seen.append((done, total)))
    whole = _files(tmp_path / "whole")
    assert len(whole) >= 2 * len(state.items) + 1
    assert _files(tmp_path / "batches") == whole
    assert seen[-1] == (len(state.items), len(state.items)) and len(seen) > 1


def test_a_bad_item_in_a_later_batch_leaves_no_file(tmp_path: Path) -> None:
    state = read_supervisely(DOWNLOAD)
    first = next(state.iter_items())  # last in the batches' order
    unknown = AnnotationObject(1, 999_999, {"points": {"exterior": [[1, 1]], "interior": []}})
    state.items[(first.dataset_id, first.name)] = replace(first, objects=(unknown,))
    (tmp_path / "out").mkdir()
    with pytest.raises(ValidationError) as caught:
        write_supervisely(_batches(state, 1), tmp_path / "out")
    assert caught.value.field == f"items[ds/{first.name}].objects[0].classId"
    with pytest.raises(ValidationError):
        write_supervisely(_batches(state, 2), tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no partial folder
    assert list((tmp_path / "out").iterdir()) == []
