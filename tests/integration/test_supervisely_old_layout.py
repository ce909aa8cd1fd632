"""Real Supervisely projects in the layout before the current one: imported as they are,
exported in the current layout, and the export re-imports to the same digest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from application.ledger import Ledger
from domain.digest import state_digest
from domain.errors import ValidationError
from domain.values import Context
from tests.supervisely_old_layout import AUGMENTATIONS, edit_json, old_project


def test_an_older_project_exports_in_the_current_layout_and_reimports_to_the_same_digest(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    project = old_project(tmp_path, AUGMENTATIONS, images=False)  # items are named by stem
    result = app.imports.from_files("supervisely", project, ctx, name="old")
    assert (result.items, result.objects) == (5, 15)
    state = app.versions.state_of(result.project, "current")
    ids = [o.id for item in state.items.values() for o in item.objects]
    assert all(ids) and len(set(ids)) == len(ids)  # fresh ids for objects that had none
    first = app.versions.create(result.project, ctx, "as imported")
    assert first.digest == state_digest(state)

    out = tmp_path / "out"
    app.exports.to_files("supervisely", result.project, out)
    anns = sorted(p.relative_to(out).as_posix() for p in out.glob("*/ann/*.json"))
    assert anns == sorted(p.relative_to(project).as_posix() for p in project.glob("*/ann/*.json"))
    for path in out.glob("*/ann/*.json"):
        for obj in json.loads(path.read_text())["objects"]:
            assert obj["id"] in ids and obj["geometryType"] in ("polygon", "bitmap", "rectangle")
            assert None not in obj.values()

    again = app.imports.from_files("supervisely", out, ctx, name="again")
    assert app.versions.create(again.project, ctx, "re-imported").digest == first.digest


def test_an_older_project_links_the_images_of_its_stems_and_reimports_into_itself_unchanged(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    project = old_project(tmp_path, AUGMENTATIONS)
    pid = app.imports.from_files("supervisely", project, ctx, name="old").project
    state = app.versions.state_of(pid, "current")
    assert sorted(state.items) == [
        (1, "image_01.jpeg"), (1, "image_02.jpeg"), (1, "image_03.jpeg"),
        (2, "image_01.jpeg"), (2, "image_02.jpeg"),
    ]
    pixels = (project / "dataset_02" / "img" / "image_02.jpeg").resolve()
    assert state.items[(2, "image_02.jpeg")].media.uri == "file://" + str(pixels)
    before = app.projects.view(pid).digest
    result = app.imports.from_files("supervisely", project, ctx, into=pid)
    assert result.events == 0
    assert app.projects.view(pid).digest == before


def test_a_refusal_in_an_older_project_names_its_stem_named_file(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    project = old_project(tmp_path, AUGMENTATIONS)

    def bad_gender(ann: dict[str, Any]) -> None:
        ann["objects"][1]["tags"][0]["value"] = "unknown"

    edit_json(project / "dataset_01" / "ann" / "image_02.json", bad_gender)
    with pytest.raises(ValidationError) as caught:
        app.imports.from_files("supervisely", project, ctx, name="old")
    assert caught.value.field.startswith("dataset_01/ann/image_02.json.")
    assert "value 'unknown' is not valid for tag 'person_gender'" in str(caught.value)
    assert app.projects.all() == []
