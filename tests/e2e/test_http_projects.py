"""Projects and their meta over HTTP: consistent pages, clear problems, nothing half-done."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from uuid import UUID

from tests.conftest import DEMO
from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


def test_projects_are_listed_in_pages_filtered_by_name(api: Api) -> None:
    for name in ("cats", "dogs", "cats-2"):
        assert api.post("/projects", json={"name": name}).status_code == 201
    page = api.get("/projects?limit=2").json()
    assert page["count"] == 3 and len(page["data"]) == 2
    assert [p["name"] for p in api.get("/projects?name=CAT").json()["data"]] == ["cats",
                                                                                 "cats-2"]
    assert api.get("/projects?offset=2").json()["data"][0]["name"] == "dogs"


def test_a_project_is_found_by_id_or_by_name(api: Api) -> None:
    created = api.post("/projects", json={"name": "birds"}).json()
    assert api.get(f"/projects/{created['id']}").json() == created
    assert api.get("/projects/birds").json()["id"] == created["id"]


def test_an_unknown_project_is_a_404_problem_naming_it(api: Api) -> None:
    r = api.get("/projects/nowhere/items")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["kind"] == "project" and r.json()["id"] == "nowhere"


def test_a_taken_project_name_is_a_409_naming_the_name(api: Api) -> None:
    api.post("/projects", json={"name": "same"})
    r = api.post("/projects", json={"name": "same"})
    assert r.status_code == 409 and "'same'" in r.json()["detail"]


def test_an_invalid_body_is_a_422_problem_naming_the_field(api: Api) -> None:
    r = api.post("/projects", json={"name": ""})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "body.name"
    r = api.post("/projects", json={"name": "a\u0000b"})
    assert r.status_code == 422 and "NUL" in r.json()["detail"]


def test_a_body_over_the_limit_is_a_413_problem(api: Api) -> None:
    r = api.post("/projects", content=b"{" + b" " * (2 << 20) + b"}",
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_an_unknown_route_is_a_problem_too(api: Api) -> None:
    r = api.get("/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


def test_datasets_nest_rename_and_only_empty_ones_are_removed(api: Api) -> None:
    pid = api.post("/projects", json={"name": "p"}).json()["id"]
    top = api.post(f"/projects/{pid}/datasets", json={"name": "train"}).json()
    child = api.post(f"/projects/{pid}/datasets",
                     json={"name": "a", "parent_id": top["id"]}).json()
    assert child["path"] == "train/a"
    renamed = api.patch(f"/projects/{pid}/datasets/{top['id']}", json={"name": "trn"}).json()
    assert renamed["path"] == "trn"
    assert api.get(f"/projects/{pid}/datasets/{child['id']}").json()["path"] == "trn/a"
    assert api.delete(f"/projects/{pid}/datasets/{top['id']}").status_code == 409
    moved = api.patch(f"/projects/{pid}/datasets/{child['id']}", json={"parent_id": None})
    assert moved.json()["path"] == "a"
    assert api.delete(f"/projects/{pid}/datasets/{top['id']}").status_code == 204
    assert api.get(f"/projects/{pid}/datasets").json()["count"] == 1


def test_classes_change_and_one_in_use_is_not_removed(api: Api, demo: UUID) -> None:
    classes = api.get(f"/projects/{demo}/classes?name=cat").json()
    assert {c["title"] for c in classes["data"]} == {"cat", "cat2"}
    cat = next(c for c in classes["data"] if c["title"] == "cat")
    r = api.delete(f"/projects/{demo}/classes/{cat['id']}")
    assert r.status_code == 409 and "used by" in r.json()["detail"]
    changed = api.patch(f"/projects/{demo}/classes/{cat['id']}", json={"color": "#00FF00"})
    assert changed.json()["color"] == "#00FF00" and changed.json()["shape"] == "rectangle"
    new = api.post(f"/projects/{demo}/classes", json={"title": "bird", "shape": "polygon"})
    assert new.status_code == 201
    assert api.post(f"/projects/{demo}/classes",
                    json={"title": "bird", "shape": "point"}).status_code == 409
    assert api.delete(f"/projects/{demo}/classes/{new.json()['id']}").status_code == 204


def test_tag_metas_are_added_changed_and_removed(api: Api) -> None:
    pid = api.post("/projects", json={"name": "t"}).json()["id"]
    tag = api.post(f"/projects/{pid}/tags", json={"name": "weather", "value_type":
                                                  "oneof_string", "values": ["sun", "rain"]})
    assert tag.status_code == 201
    tid = tag.json()["id"]
    changed = api.patch(f"/projects/{pid}/tags/{tid}", json={"values": ["sun", "rain", "fog"]})
    assert changed.json()["values"] == ["sun", "rain", "fog"]
    bad = api.post(f"/projects/{pid}/tags", json={"name": "x", "value_type": "oneof_string"})
    assert bad.status_code == 422 and bad.json()["field"] == "tag.values"
    assert api.delete(f"/projects/{pid}/tags/{tid}").status_code == 204
    assert api.get(f"/projects/{pid}/tags/{tid}").status_code == 404


def test_errors_write_nothing(api: Api, demo: UUID) -> None:
    before = api.position(demo)
    api.post(f"/projects/{demo}/classes", json={"title": "cat", "shape": "point"})
    api.post(f"/projects/{demo}/datasets", json={"name": "x", "parent_id": 999})
    api.delete(f"/projects/{demo}/tags/12345")
    assert api.position(demo) == before


def test_the_project_log_is_paged_oldest_first(api: Api, demo: UUID) -> None:
    page = api.get(f"/projects/{demo}/events?limit=4").json()
    assert page["count"] == api.position(demo)
    assert [e["position"] for e in page["data"]] == [1, 2, 3, 4]
    assert page["data"][0]["type"] == "Project.Created"
    rest = api.get(f"/projects/{demo}/events?offset=4&limit=1000").json()["data"]
    assert [e["position"] for e in rest] == list(range(5, page["count"] + 1))
    assert {e["type"] for e in rest} >= {"Project.VersionCreated", "Item.ObjectGeometryChanged"}


def test_a_supervisely_zip_imports_as_a_project_and_syncs_into_one(api: Api) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(DEMO.rglob("*")):
            if path.is_file() and "img" not in path.parts:
                zf.write(path, Path("animals") / path.relative_to(DEMO))
    files = {"file": ("animals.zip", archive.getvalue(), "application/zip")}
    r = api.post("/projects/import", files=files, data={"format": "supervisely"})
    assert r.status_code == 201, r.text
    assert (r.json()["items"], r.json()["objects"]) == (6, 9)
    assert api.get("/projects/animals").json()["id"] == r.json()["project"]
    again = api.post("/projects/animals/import", files=files)
    assert again.status_code == 200 and again.json()["events"] <= 1


def test_an_unsafe_zip_is_refused_naming_the_entry(api: Api) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil/meta.json", "{}")
    r = api.post("/projects/import", files={"file": ("x.zip", archive.getvalue())})
    assert r.status_code == 422 and "../evil/meta.json" in r.json()["field"]


def test_verify_recomputes_the_chain(api: Api, demo: UUID) -> None:
    report = api.get(f"/projects/{demo}/verify").json()
    assert report["ok"] and report["checked"] == api.position(demo)


def test_a_project_is_renamed_but_not_to_a_taken_name(api: Api) -> None:
    pid = api.post("/projects", json={"name": "old"}).json()["id"]
    api.post("/projects", json={"name": "taken"})
    assert api.patch(f"/projects/{pid}", json={"name": "new"}).json()["name"] == "new"
    assert api.patch(f"/projects/{pid}", json={"name": "taken"}).status_code == 409
