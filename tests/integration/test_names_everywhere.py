"""The name rule (``domain.names``) at every way in: commands, imports, sync, restore.

Each hostile name is refused with a ValidationError naming the field, and nothing is
written; COCO ``file_name`` values with folders become nested datasets that export.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from PIL import Image

from application.ledger import Ledger
from domain.errors import ValidationError
from domain.item import Item
from domain.state import MetaState
from domain.values import Context, Dataset, MediaLink
from tests.conftest import DEMO, FIXTURES, editable_demo

HOSTILE = ["../../etc/passwd", "/abs/path.jpg", "dir/x.jpg", "..", ".", "a\\b.jpg",
           "cat\u202egpj.exe", " ", "ann", "two\nlines", "p" * 256]
PROJECT_ONLY = ["7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10"]
DATASET_ONLY = ["datasets"]
MEDIA = MediaLink("https://example.com/a.jpg", "a" * 64, 10, 4, 4)
SUBFOLDERS = FIXTURES / "instances_val2014_100_subfolders.json"


def written(app: Ledger) -> int:
    return app.core.store.max_notification_id() or 0


@pytest.fixture
def pid(app: Ledger, ctx: Context) -> UUID:
    return app.projects.create("team", ctx, MetaState("team", datasets={1: Dataset(1, "ds")}))


@pytest.mark.parametrize("name", HOSTILE + PROJECT_ONLY)
def test_project_create_and_rename_refuse(app: Ledger, ctx: Context, pid: UUID,
                                          name: str) -> None:
    before = written(app)
    with pytest.raises(ValidationError) as created:
        app.projects.create(name, ctx)
    with pytest.raises(ValidationError) as renamed:
        app.projects.rename(pid, name, ctx)
    assert created.value.field == renamed.value.field == "name"
    assert written(app) == before
    assert [v.name for v in app.projects.all()] == ["team"]


@pytest.mark.parametrize("name", HOSTILE + DATASET_ONLY)
def test_dataset_create_rename_and_project_datasets_refuse(
    app: Ledger, ctx: Context, pid: UUID, name: str
) -> None:
    before = written(app)
    with pytest.raises(ValidationError) as created:
        app.projects.create_dataset(pid, name, ctx)
    with pytest.raises(ValidationError) as renamed:
        app.projects.change_dataset(pid, 1, ctx, name=name)
    assert created.value.field == renamed.value.field == "name"
    meta = MetaState("other", datasets={1: Dataset(1, "fine"), 2: Dataset(2, name)})
    with pytest.raises(ValidationError) as with_project:
        app.projects.create("other", ctx, meta)
    assert with_project.value.field == "datasets[1].name"
    assert written(app) == before
    assert [d.name for d in app.projects.get(pid).datasets.values()] == ["ds"]


@pytest.mark.parametrize("name", HOSTILE)
def test_item_upload_and_rename_refuse(app: Ledger, ctx: Context, pid: UUID,
                                       name: str) -> None:
    item = app.items.upload_item(pid, 1, "fine.jpg", MEDIA, ctx)
    before = written(app)
    with pytest.raises(ValidationError) as linked:
        app.items.upload_item(pid, 1, name, MEDIA, ctx)
    with pytest.raises(ValidationError) as moved:
        app.annotations.move(pid, item, None, None, name, ctx)
    assert linked.value.field == moved.value.field == "name"
    assert written(app) == before
    assert app.items.get(item).name == "fine.jpg"


def test_an_uploaded_file_under_a_refused_name_stores_nothing(
    app: Ledger, ctx: Context, pid: UUID, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    Image.new("RGB", (4, 4)).save(image)
    before = written(app)
    with image.open("rb") as data, pytest.raises(ValidationError, match="'/'") as caught:
        app.annotations.upload_file(pid, 1, "../a.png", data, ctx)
    assert caught.value.field == "name"
    assert written(app) == before


def test_the_longest_names_are_accepted_and_export(app: Ledger, ctx: Context,
                                                   tmp_path: Path) -> None:
    long_project, long_dataset, long_item = "p" * 255, "d" * 255, "é" * 125
    pid = app.projects.create(long_project, ctx,
                             MetaState(long_project, datasets={1: Dataset(1, long_dataset)}))
    app.items.upload_item(pid, 1, long_item, MEDIA, ctx)
    out = tmp_path / "out"
    app.exports.to_files("supervisely", pid, out)
    assert (out / long_dataset / "ann" / f"{long_item}.json").is_file()


def _demo_with(tmp_path: Path, dataset: str | None = None, item: str | None = None) -> Path:
    copy = editable_demo(tmp_path)
    if dataset is not None:
        (copy / "ds").rename(copy / dataset)
    if item is not None:
        ds = copy / (dataset or "ds")
        (ds / "ann" / "cat1.jpg.json").rename(ds / "ann" / f"{item}.json")
        (ds / "img" / "cat1.jpg").rename(ds / "img" / item)
    return copy


@pytest.mark.parametrize(("dataset", "item", "field_end"), [
    (" ds", None, "datasets[0].name"),
    ("ds\u202e", None, "datasets[0].name"),
    ("datasets", None, "datasets[0].name"),
    (None, "cat\u202egpj.exe", ".name"),
    (None, "two\nlines.jpg", ".name"),
    (None, "meta", ".name"),
])
def test_imports_and_syncs_refuse_names_in_the_files(
    app: Ledger, ctx: Context, tmp_path: Path, dataset: str | None, item: str | None,
    field_end: str,
) -> None:
    target = app.imports.from_files("supervisely", DEMO, ctx, name="cats").project
    hostile = _demo_with(tmp_path, dataset, item)
    before = written(app)
    with pytest.raises(ValidationError) as imported:
        app.imports.from_files("supervisely", hostile, ctx, name="hostile")
    with pytest.raises(ValidationError) as synced:
        app.imports.from_files("supervisely", hostile, ctx, into=target)
    for caught in (imported.value, synced.value):
        assert caught.field.endswith(field_end), caught
    assert written(app) == before
    assert [v.name for v in app.projects.all()] == ["cats"]


@pytest.mark.parametrize("name", ["..", "7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10", "a/b", "meta"])
def test_an_import_under_a_refused_project_name_writes_nothing(
    app: Ledger, ctx: Context, name: str
) -> None:
    before = written(app)
    with pytest.raises(ValidationError) as caught:
        app.imports.from_files("supervisely", DEMO, ctx, name=name)
    assert caught.value.field == "name"
    assert written(app) == before
    assert app.projects.all() == []


def test_restore_refuses_a_name_and_an_item_name_the_rule_refuses(
    app: Ledger, ctx: Context, pid: UUID
) -> None:
    app.items.upload_item(pid, 1, "fine.jpg", MEDIA, ctx)
    # As an item written before the rule: the event constructor skips the command's checks.
    app.core.save_item(Item(pid, 1, "ann", MEDIA, (), (), "", ctx.actor, None))
    app.versions.create(pid, ctx, "v1")
    before = written(app)
    with pytest.raises(ValidationError) as named:
        app.versions.restore(pid, 1, ctx, name="..")
    assert named.value.field == "name"
    with pytest.raises(ValidationError) as item:
        app.versions.restore(pid, 1, ctx, name="team again")
    assert item.value.field == "items[ds/ann].name"
    assert written(app) == before
    assert [v.name for v in app.projects.all()] == ["team"]


def test_a_default_restore_name_fits_after_the_longest_source_name(
    app: Ledger, ctx: Context
) -> None:
    source = "é" * 127  # 254 bytes
    pid = app.projects.create(source, ctx, MetaState(source, datasets={1: Dataset(1, "ds")}))
    app.items.upload_item(pid, 1, "a.jpg", MEDIA, ctx)
    app.versions.create(pid, ctx, "v1")
    restored = app.projects.view(app.versions.restore(pid, 1, ctx)).name
    assert restored.endswith(", from ver. 1") and restored.startswith("é")
    assert len(restored.encode()) <= 255


# -- COCO file names with folders ---------------------------------------------------------


def test_coco_file_names_with_folders_become_datasets_that_export(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    raw: dict[str, Any] = json.loads(SUBFOLDERS.read_text())
    in_folder = [i["file_name"] for i in raw["images"] if "/" in i["file_name"]]
    assert len(in_folder) == 50
    result = app.imports.from_files("coco", SUBFOLDERS, ctx, name="coco")
    meta = app.projects.get(result.project).meta
    paths = sorted(meta.dataset_path(d) for d in meta.datasets)
    assert paths == ["instances_val2014_100_subfolders", "val2014"]
    assert result.items == 100 and result.objects == 839
    val2014 = meta.dataset_by_path("val2014")
    assert val2014 is not None
    names = {e.name for e in app.core.store.catalog(result.project) if e.dataset_id == val2014.id}
    assert names == {n.removeprefix("val2014/") for n in in_folder}
    out = tmp_path / "out"
    app.exports.to_files("supervisely", result.project, out)
    exported = sorted(p.name.removesuffix(".json") for p in (out / "val2014" / "ann").iterdir())
    assert exported == sorted(names)
    assert len(list((out / "instances_val2014_100_subfolders" / "ann").iterdir())) == 50


def test_nested_folders_nest_datasets_and_pixels_are_found_below_the_images_folder(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    raw: dict[str, Any] = json.loads((FIXTURES / "instances_val2014_100.json").read_text())
    first, second = raw["images"][0], raw["images"][1]
    first["file_name"] = f"a/b/{first['file_name']}"
    second["file_name"] = f"train/{second['file_name']}"
    coco = tmp_path / "nested.json"
    coco.write_text(json.dumps(raw))
    images = tmp_path / "images"
    (images / "a" / "b").mkdir(parents=True)
    pixels = images / first["file_name"]
    Image.new("RGB", (first["width"], first["height"])).save(pixels, format="JPEG")
    result = app.imports.from_files("coco", coco, ctx, name="nested", images=images)
    meta = app.projects.get(result.project).meta
    b = meta.dataset_by_path("a/b")
    assert b is not None and meta.dataset_by_path("train") is not None
    [entry] = [e for e in app.core.store.catalog(result.project) if e.dataset_id == b.id]
    item = app.items.get(entry.item_id)
    assert item.name == first["file_name"].rpartition("/")[2]
    assert item.media.size == pixels.stat().st_size  # read from images/a/b/<name>
    out = tmp_path / "out"
    app.exports.to_files("supervisely", result.project, out)
    assert (out / "a" / "datasets" / "b" / "ann" / f"{item.name}.json").is_file()


@pytest.mark.parametrize(("file_name", "reason"), [
    ("../x.jpg", "'..'"), ("a/../x.jpg", "'..'"), ("./x.jpg", "'.'"), ("a//x.jpg", "empty"),
    ("/abs/x.jpg", "relative"), ("train/", "empty"), ("a\\x.jpg", "relative"),
    ("img/x.jpg", "layout"), ("datasets/x.jpg", "nested datasets"), ("a/ann", "layout"),
])
def test_coco_file_names_that_escape_or_break_the_layout_are_refused(
    app: Ledger, ctx: Context, tmp_path: Path, file_name: str, reason: str
) -> None:
    raw: dict[str, Any] = json.loads((FIXTURES / "instances_val2014_100.json").read_text())
    raw["images"][5]["file_name"] = file_name
    coco = tmp_path / "hostile.json"
    coco.write_text(json.dumps(raw))
    with pytest.raises(ValidationError, match=reason) as caught:
        app.imports.from_files("coco", coco, ctx, name="hostile")
    assert caught.value.field == "hostile.json:images[5].file_name"
    assert app.projects.all() == []


def test_a_folder_named_like_the_file_is_its_dataset(app: Ledger, ctx: Context,
                                                     tmp_path: Path) -> None:
    raw: dict[str, Any] = json.loads((FIXTURES / "instances_val2014_100.json").read_text())
    coco = tmp_path / "train.json"
    raw["images"][0]["file_name"] = "train/" + raw["images"][0]["file_name"]
    coco.write_text(json.dumps(raw))
    meta = app.projects.get(app.imports.from_files("coco", coco, ctx, name="t").project).meta
    assert [d.name for d in meta.datasets.values()] == ["train"]
    raw["images"][1]["file_name"] = "train/" + raw["images"][2]["file_name"]
    coco.write_text(json.dumps(raw))
    with pytest.raises(ValidationError, match="same item") as caught:
        app.imports.from_files("coco", coco, ctx, name="u")
    assert caught.value.field in ("train.json:images[1].file_name",
                                  "train.json:images[2].file_name")


def test_a_cli_import_of_a_folder_named_like_a_uuid_needs_a_name(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    folder = tmp_path / "7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10"
    shutil.copytree(DEMO, folder)
    with pytest.raises(ValidationError, match="reads as a project id"):
        app.imports.from_files("supervisely", folder, ctx)
    assert app.imports.from_files("supervisely", folder, ctx, name="named").items == 6
