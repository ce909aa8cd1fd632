"""A Supervisely project survives import → version → restore → export whole, on SQLite and
PostgreSQL: the project as the SDK downloads it without images (``img_info/`` with s3
links and base64 hashes, ``meta/``, ``ann/``: tests/fixtures/supervisely_download_without_
pixels) and the real platform export (with ``img/``: infrastructure/demo_data/real_export_
vector). Every file of the original is compared with the export's, as JSON values.

Normalisations, the only differences allowed (each checked, not skipped):

* ``meta.json`` lists classes and tag metas by id: they are compared as mappings by id.
* An item the original gives no ``img_info/<item>.json`` (the real export) gets one in the
  export, holding what the ledger knows of it and nothing else: its name, ``link`` the
  ``file://`` URI of the ``img/`` file it was imported from, ``hash`` the base64 sha256 of
  those bytes, their size, width and height from the annotation's size; ``id``,
  ``created_at``, ``updated_at`` null and ``meta`` ``{}``.
* ``img/<item>`` of the export is a symlink to the bytes (compared by content).

Then the same project edited in files (an item's meta, an ImageInfo time, a hotkey, a new
class and tag meta with theirs, an unmodelled annotation field, a project setting), synced
``--into`` it and reverted: a sync records those edits as events, a version of it exports
the edited files, and the revert brings every original file back.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from application.ledger import Ledger
from domain.values import Context
from tests.conftest import DEMO, FIXTURES
from tests.e2e.conftest import Api

DOWNLOAD = FIXTURES / "supervisely_download_without_pixels"


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() or p.is_symlink()}


def by_id(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta.json`` with its classes and tag metas keyed by id (normalisation 1)."""
    return {**meta, "classes": {c["id"]: c for c in meta["classes"]},
            "tags": {t["id"]: t for t in meta["tags"]}}


def assert_same_project(original: Path, exported: Path) -> None:
    """Every file of ``original`` equal in ``exported``; the export's other files only the
    ``img_info/`` the normalisations above describe."""
    theirs, ours = files(original), files(exported)
    assert theirs <= ours, f"missing from the export: {sorted(theirs - ours)}"
    for rel in sorted(theirs):
        a, b = original / rel, exported / rel
        if rel == "meta.json":
            assert by_id(json.loads(b.read_text())) == by_id(json.loads(a.read_text()))
        elif rel.endswith(".json"):
            assert json.loads(b.read_text()) == json.loads(a.read_text()), rel
        else:
            assert b.read_bytes() == a.read_bytes(), rel
    for rel in sorted(ours - theirs):
        folder, _, name = rel.rpartition("/")
        assert folder.endswith("img_info") and name.endswith(".json"), rel
        item = name[: -len(".json")]
        pixels = (original / folder).parent / "img" / item
        size = json.loads(((original / folder).parent / "ann" / name).read_text())["size"]
        assert json.loads((exported / rel).read_text()) == {
            "id": None, "name": item, "link": pixels.resolve().as_uri(),
            "hash": base64.b64encode(hashlib.sha256(pixels.read_bytes()).digest()).decode(),
            "size": pixels.stat().st_size, "width": size["width"], "height": size["height"],
            "created_at": None, "updated_at": None, "meta": {},
        }, rel


@pytest.mark.parametrize("source", [DOWNLOAD, DEMO], ids=["download_without_pixels",
                                                          "real_export"])
def test_a_restored_version_exports_the_project_file_for_file(
    app: Ledger, ctx: Context, source: Path, tmp_path: Path
) -> None:
    imported = app.imports.from_files("supervisely", source, ctx, name="zoo")
    app.versions.create(imported.project, ctx, "as downloaded")
    restored = app.versions.restore(imported.project, 1, ctx)
    out = tmp_path / "out"
    app.exports.to_files("supervisely", restored, out, ctx=ctx)
    assert_same_project(source, out)
    if source == DOWNLOAD:
        assert not any((out / "ds" / "img").iterdir())  # s3 links: no bytes to link


def _edit(path: Path, change: dict[str, Any]) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))


def test_edits_of_format_data_sync_as_events_and_a_revert_gives_every_file_back(
    app: Ledger, ctx: Context, tmp_path: Path
) -> None:
    imported = app.imports.from_files("supervisely", DOWNLOAD, ctx, name="zoo")
    pid = imported.project
    app.versions.create(pid, ctx, "as downloaded")
    edited = tmp_path / "zoo"
    shutil.copytree(DOWNLOAD, edited)
    _edit(edited / "ds" / "meta" / "cat1.jpg.json", {"shift": 5})
    _edit(edited / "ds" / "img_info" / "dog1.jpg.json", {"updated_at": "2024-01-01T00:00:00Z",
                                                         "labels_count": 3})
    _edit(edited / "ds" / "ann" / "dog2.jpg.json", {"key": "5f1c"})
    meta = json.loads((edited / "meta.json").read_text())
    meta["classes"][0]["hotkey"] = "c"
    meta["classes"].append({"id": 2707500, "title": "bird", "shape": "point",
                            "color": "#00AA00", "hotkey": "b", "description": "new"})
    meta["tags"].append({"id": 28789300, "name": "blurry", "value_type": "none",
                         "color": "#AA0000", "applicable_type": "all", "classes": [],
                         "hotkey": "x"})
    meta["projectSettings"] = {"multiView": {"enabled": False}}
    (edited / "meta.json").write_text(json.dumps(meta))

    synced = app.imports.from_files("supervisely", edited, ctx, into=pid)
    assert synced.events == 7  # a class changed, one added, a tag meta added, project
    #                            fields, and the format data of three items
    again = app.imports.from_files("supervisely", edited, ctx, into=pid)
    assert again.events == 0
    app.versions.create(pid, ctx, "edited")
    app.exports.to_files("supervisely", pid, tmp_path / "v2", ctx=ctx)
    assert_same_project(edited, tmp_path / "v2")

    app.versions.revert(pid, 1, ctx)
    app.exports.to_files("supervisely", pid, tmp_path / "reverted", ctx=ctx)
    assert_same_project(DOWNLOAD, tmp_path / "reverted")
    assert app.versions.state_of(pid, "current").items == app.versions.state_of(pid, 1).items


def test_a_dataset_s_description_survives_a_version_and_a_restore(
    app: Ledger, ctx: Context
) -> None:
    imported = app.imports.from_files("supervisely", DOWNLOAD, ctx, name="zoo")
    app.projects.change_dataset(imported.project, 1, ctx, description="gate cameras, May")
    app.versions.create(imported.project, ctx, "described")
    restored = app.versions.restore(imported.project, 1, ctx)
    assert app.projects.get(restored).get_dataset(1).description == "gate cameras, May"


def _zip(root: Path, change: dict[str, Any] | None = None) -> bytes:
    """The project as a zip upload; ``change`` edits cat3.jpg's ImageInfo."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(root.rglob("*.json")):
            data = path.read_bytes()
            if change and path.name == "cat3.jpg.json" and path.parent.name == "img_info":
                data = json.dumps({**json.loads(data), **change}).encode()
            zf.writestr(f"zoo/{path.relative_to(root).as_posix()}", data)
    return out.getvalue()


def test_over_http_a_zip_keeps_its_links_and_an_image_info_links_only_data(api: Api) -> None:
    bad = {"file": ("zoo.zip", _zip(DOWNLOAD, {"link": "file:///etc/passwd"}),
                    "application/zip")}
    r = api.post("/projects/import", files=bad, data={"format": "supervisely"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "ds/img_info/cat3.jpg.json:link"
    assert api.get("/projects").json()["count"] == 0

    good = {"file": ("zoo.zip", _zip(DOWNLOAD), "application/zip")}
    r = api.post("/projects/import", files=good, data={"format": "supervisely"})
    assert r.status_code == 201, r.text
    pid = r.json()["project"]
    (entry,) = api.get(f"/projects/{pid}/items?name=dog1.jpg").json()["data"]
    media = api.get(f"/projects/{pid}/items/{entry['id']}").json()["media"]
    real = (DEMO / "ds" / "img" / "dog1.jpg").read_bytes()
    assert media == {"uri": "s3://zoo-raw/2021-05/dog1.jpg",
                     "sha256": hashlib.sha256(real).hexdigest(), "size": len(real),
                     "width": 782, "height": 529}
    exported = api.get(f"/projects/{pid}/versions/current/export")
    assert exported.status_code == 200, exported.text
    with zipfile.ZipFile(io.BytesIO(exported.content)) as zf:
        info = json.loads(zf.read(f"{zf.namelist()[0].split('/')[0]}/ds/img_info/dog1.jpg.json"))
    assert info == json.loads((DOWNLOAD / "ds" / "img_info" / "dog1.jpg.json").read_text())
