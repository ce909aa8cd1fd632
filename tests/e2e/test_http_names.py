"""Names over HTTP: refused as 422 naming the field, unique as 409, exportable when legal."""

from __future__ import annotations

import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import Any
from uuid import UUID

import pytest

from tests.conftest import FIXTURES
from tests.e2e.conftest import Api, first_item, png_bytes

MEDIA = {"uri": "s3://bucket/a.jpg", "sha256": "ab" * 32, "size": 1234, "width": 640,
         "height": 480}
HOSTILE = ["../../etc/passwd", "/abs/path.jpg", "dir/x.jpg", "..", ".", "a\\b.jpg",
           "cat\u202egpj.exe", " ", "ann", "two\nlines", " lead", "trail "]
PROBLEM = "application/problem+json"


def refused(r: Any, field: str = "name") -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["field"] == field, r.json()


def _project(api: Api, name: str = "p") -> tuple[str, int]:
    pid = api.post("/projects", json={"name": name}).json()["id"]
    ds = api.post(f"/projects/{pid}/datasets", json={"name": "train"}).json()["id"]
    return pid, ds


@pytest.mark.parametrize("name", [*HOSTILE, "7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10"])
def test_project_names_are_refused_on_create_and_rename(api: Api, name: str) -> None:
    pid, _ = _project(api)
    refused(api.post("/projects", json={"name": name}))
    refused(api.patch(f"/projects/{pid}", json={"name": name}))
    assert [p["name"] for p in api.get("/projects").json()["data"]] == ["p"]


@pytest.mark.parametrize("name", [*HOSTILE, "datasets"])
def test_dataset_names_are_refused_on_create_and_rename(api: Api, name: str) -> None:
    pid, ds = _project(api)
    refused(api.post(f"/projects/{pid}/datasets", json={"name": name}))
    refused(api.patch(f"/projects/{pid}/datasets/{ds}", json={"name": name}))
    assert [d["name"] for d in api.get(f"/projects/{pid}/datasets").json()["data"]] == ["train"]


@pytest.mark.parametrize("name", HOSTILE)
def test_item_names_are_refused_on_upload_and_rename(api: Api, name: str) -> None:
    pid, ds = _project(api)
    refused(api.post(f"/projects/{pid}/items",
                     json={"dataset_id": ds, "name": name, "media": MEDIA}))
    refused(api.post(f"/projects/{pid}/items", data={"dataset_id": str(ds), "name": name},
                     files={"file": ("x.png", png_bytes(), "image/png")}))
    made = api.post(f"/projects/{pid}/items",
                    json={"dataset_id": ds, "name": "fine.jpg", "media": MEDIA})
    item, etag = made.json()["id"], made.headers["ETag"]
    refused(api.patch(f"/projects/{pid}/items/{item}", headers={"If-Match": etag},
                      json={"name": name}))
    assert [i["name"] for i in api.get(f"/projects/{pid}/items").json()["data"]] == ["fine.jpg"]


def test_a_restore_under_a_refused_name_is_refused(api: Api, demo: UUID) -> None:
    before = len(api.get("/projects").json()["data"])
    for name in ("..", "a/b", "7f0c56b0-55c4-4a8c-9d3f-2f1b8d5e9a10"):
        refused(api.post(f"/projects/{demo}/versions/1/restore", json={"name": name}))
    assert len(api.get("/projects").json()["data"]) == before


def test_parallel_creates_of_one_name_make_one_project(api: Api) -> None:
    start = threading.Barrier(8)

    def create(_: int) -> Any:
        start.wait(timeout=30)
        return api.post("/projects", json={"name": "Z"})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(8)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, [r.text for r in answers]
    assert all("'Z'" in r.json()["detail"] for r in answers if r.status_code == 409)
    assert [p["name"] for p in api.get("/projects").json()["data"]] == ["Z"]


@pytest.mark.parametrize("name", ["p" * 255, "猫" * 85, "a\"b;c.zip", "é" * 127])
def test_the_longest_and_oddest_legal_names_export(api: Api, demo: UUID, name: str) -> None:
    assert api.patch(f"/projects/{demo}", json={"name": name}).status_code == 200
    for ref in ("current", "1"):
        r = api.get(f"/projects/{demo}/versions/{ref}/export")
        assert r.status_code == 200, r.text
        disposition = r.headers["content-disposition"]
        assert disposition.isascii() and len(disposition) < 150, disposition
        assert "\n" not in disposition and disposition.count('"') == 2
        with zipfile.ZipFile(BytesIO(r.content)) as zf:
            assert any(n.endswith("/meta.json") for n in zf.namelist())


def test_an_item_name_of_the_longest_length_exports(api: Api) -> None:
    pid, ds = _project(api)
    long_item = "i" * 246 + ".jpg"
    assert api.post(f"/projects/{pid}/items", json={
        "dataset_id": ds, "name": long_item, "media": MEDIA}).status_code == 201
    refused(api.post(f"/projects/{pid}/items", json={
        "dataset_id": ds, "name": "i" * 247 + ".jpg", "media": MEDIA}))
    r = api.get(f"/projects/{pid}/versions/current/export")
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(BytesIO(r.content)) as zf:
        assert any(n.endswith(f"/train/ann/{long_item}.json") for n in zf.namelist())


def test_an_uploaded_coco_file_with_folders_imports_as_nested_datasets_and_exports(
    api: Api,
) -> None:
    data = (FIXTURES / "instances_val2014_100_subfolders.json").read_bytes()
    r = api.post("/projects/import", data={"format": "coco", "name": "coco"},
                 files={"file": ("instances.json", data, "application/json")})
    assert r.status_code == 201, r.text
    pid = r.json()["project"]
    paths = sorted(d["path"] for d in api.get(f"/projects/{pid}/datasets").json()["data"])
    assert paths == ["instances", "val2014"]
    export = api.get(f"/projects/{pid}/versions/current/export")
    assert export.status_code == 200, export.text
    with zipfile.ZipFile(BytesIO(export.content)) as zf:
        anns = [n for n in zf.namelist() if "/val2014/ann/" in n]
    assert len(anns) == 50


def test_an_uploaded_coco_file_that_climbs_out_is_refused_naming_the_image(api: Api) -> None:
    text = (FIXTURES / "instances_val2014_100.json").read_text()
    first = text.index('"file_name": "') + len('"file_name": "')
    hostile = text[:first] + "../../" + text[first:]
    r = api.post("/projects/import", data={"format": "coco", "name": "coco"},
                 files={"file": ("instances.json", hostile.encode(), "application/json")})
    refused(r, "instances.json:images[0].file_name")
    assert api.get("/projects").json()["count"] == 0


def test_a_renamed_item_keeps_working_under_a_legal_new_name(api: Api, demo: UUID) -> None:
    item, etag = first_item(api, demo)
    r = api.patch(f"/projects/{demo}/items/{item}", headers={"If-Match": etag},
                  json={"name": "chat noir.jpg"})
    assert r.status_code == 200 and r.json()["name"] == "chat noir.jpg"
