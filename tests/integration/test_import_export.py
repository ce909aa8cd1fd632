"""Importing the real Supervisely export and COCO file, exporting, refusing bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from application.ledger import Ledger
from domain.errors import DuplicateNameError, ValidationError
from domain.values import Context
from tests.conftest import DEMO, FIXTURES, editable_demo

COCO = FIXTURES / "instances_val2014_100.json"


def _ann(root: Path) -> dict[str, dict[str, object]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((root / "ds" / "ann").glob("*.json"))}


def _object_view(obj: dict[str, object]) -> tuple[object, ...]:
    geometry = {k: obj[k] for k in ("points", "bitmap", "nodes", "faces") if k in obj}
    tags = sorted((t["name"], t["value"], t["labelerLogin"], t["createdAt"], t["updatedAt"])
                  for t in obj["tags"])  # type: ignore[attr-defined]
    return (obj["id"], obj["classTitle"], obj["labelerLogin"], obj["createdAt"],
            obj["updatedAt"], json.dumps(geometry, sort_keys=True), tags)


def test_real_supervisely_export_imports_and_exports_the_same_content(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    result = app.imports.from_files("supervisely", DEMO, ctx, name="demo")
    assert (result.items, result.objects) == (6, 9)
    app.exports.to_files("supervisely", result.project, tmp_path / "out")
    original, exported = _ann(DEMO), _ann(tmp_path / "out")
    assert original.keys() == exported.keys()
    for name, ann in original.items():
        assert sorted(map(_object_view, ann["objects"])) == sorted(  # type: ignore[arg-type]
            map(_object_view, exported[name]["objects"])), name  # type: ignore[arg-type]
        assert ann["size"] == exported[name]["size"]
    meta_in = json.loads((DEMO / "meta.json").read_text())
    meta_out = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert {(c["title"], c["shape"], c["color"]) for c in meta_in["classes"]} == {
        (c["title"], c["shape"], c["color"]) for c in meta_out["classes"]}
    assert {t["name"] for t in meta_in["tags"]} == {t["name"] for t in meta_out["tags"]}
    assert (tmp_path / "out" / "ds" / "img" / "cat1.jpg").is_symlink()  # linked, not copied


def test_importing_links_media_by_sha256_without_copying(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    state = app.versions.state_of(pid, "current")
    media = {i.name: i.media for i in state.items.values()}
    assert media["cat1.jpg"].uri == "file://" + str((DEMO / "ds" / "img" / "cat1.jpg").resolve())
    assert len(media["cat1.jpg"].sha256) == 64
    assert media["cat1.jpg"].size == (DEMO / "ds" / "img" / "cat1.jpg").stat().st_size


def test_coco_file_imports_every_annotation_as_one_object(app: Ledger, ctx: Context) -> None:
    result = app.imports.from_files("coco", COCO, ctx, name="coco")
    assert (result.items, result.objects) == (100, 839)
    assert app.proofs.verify(result.project)[0].ok


def test_a_malformed_geometry_is_refused_naming_the_file_and_nothing_is_written(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    broken = editable_demo(tmp_path, "broken")
    ann_file = broken / "ds" / "ann" / "dog1.jpg.json"
    ann = json.loads(ann_file.read_text())
    ann["objects"][0]["points"]["exterior"] = [[1, 2], [3, 4]]
    ann_file.write_text(json.dumps(ann))
    with pytest.raises(ValidationError) as caught:
        app.imports.from_files("supervisely", broken, ctx, name="broken")
    assert "ds/ann/dog1.jpg.json" in str(caught.value)
    assert "at least 3 points" in str(caught.value)
    assert app.projects.all() == []


def test_an_object_of_a_class_with_another_shape_is_refused(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    broken = editable_demo(tmp_path, "broken")
    ann_file = broken / "ds" / "ann" / "cat1.jpg.json"
    ann = json.loads(ann_file.read_text())
    ann["objects"][0]["geometryType"] = "polygon"
    ann_file.write_text(json.dumps(ann))
    with pytest.raises(ValidationError, match=r"ds/ann/cat1\.jpg\.json.*class 'cat'"):
        app.imports.from_files("supervisely", broken, ctx, name="broken")
    assert app.projects.all() == []


def test_a_duplicate_item_name_in_a_dataset_is_refused(app: Ledger, ctx: Context) -> None:
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    state = app.versions.state_of(pid, "current")
    any_item = next(iter(state.items.values()))
    with pytest.raises(DuplicateNameError, match=r"cat1\.jpg"):
        app.items.upload_item(pid, any_item.dataset_id, "cat1.jpg", any_item.media, ctx)
    assert app.projects.view(pid).items == 6


def test_an_import_failing_after_many_batches_writes_nothing(
    app: Ledger, ctx: Context
) -> None:
    from domain.state import ItemState, MetaState, ProjectState
    from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass

    meta = MetaState("big", {1: ObjectClass(1, "box", "rectangle")}, {}, {1: Dataset(1, "ds")})
    state = ProjectState(meta)
    box = {"points": {"exterior": [[1, 2], [30, 40]], "interior": []}}
    for i in range(1200):  # more than two write batches before the bad item
        geometry = box if i != 1100 else {"points": {"exterior": [[1, 2]], "interior": []}}
        name = f"img{i:05}.jpg"
        state.items[(1, name)] = ItemState(1, name, MediaLink(f"s3://b/{name}", "", 0, 64, 64),
                                           objects=(AnnotationObject(i + 1, 1, geometry),))
    with pytest.raises(ValidationError, match=r"ds/img01100\.jpg"):
        app.imports.new_project(state, ctx)
    assert app.projects.all() == []
    assert app.core.recorder.max_notification_id() is None  # type: ignore[attr-defined]
