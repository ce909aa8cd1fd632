"""Versions over HTTP: create (refused without changes), compare, restore, revert, export."""

from __future__ import annotations

import io
import json
import zipfile
from uuid import UUID

from tests.e2e.conftest import BOX, Api, first_item


def _edit(api: Api, project: UUID) -> None:
    item, etag = first_item(api, project)
    r = api.post(f"/projects/{project}/items/{item}/objects", json=BOX, headers={"If-Match": etag})
    assert r.status_code == 201


def test_versions_are_created_listed_and_read(api: Api, demo: UUID) -> None:
    _edit(api, demo)
    r = api.post(f"/projects/{demo}/versions", json={"title": "third", "description": "d"})
    assert r.status_code == 201 and r.json()["number"] == 3
    assert r.json()["position"] == api.position(demo) - 1
    listed = api.get(f"/projects/{demo}/versions").json()
    assert listed["count"] == 3 and [v["title"] for v in listed["data"]] == [
        "imported", "reviewed", "third"]
    assert api.get(f"/projects/{demo}/versions/3").json() == r.json()
    assert api.get(f"/projects/{demo}/versions/4").status_code == 404


def test_a_version_without_changes_is_refused_naming_the_latest(api: Api, demo: UUID) -> None:
    before = api.position(demo)
    r = api.post(f"/projects/{demo}/versions", json={})
    assert r.status_code == 409 and r.json()["latest_version"] == 2
    assert "version 2" in r.json()["detail"]
    assert api.position(demo) == before


def test_diff_lists_items_objects_and_class_counts(api: Api, demo: UUID) -> None:
    d = api.get(f"/projects/{demo}/versions/1/diff/2").json()
    assert d["items"]["modified"] == ["ds/cat1.jpg"]
    assert d["objects"] == {"added": 0, "removed": 0, "modified": 1}
    _edit(api, demo)
    now = api.get(f"/projects/{demo}/versions/2/diff/current?per_item=true").json()
    assert now["objects"]["added"] == 1
    before, after = now["classes"]["cat"]
    assert after == before + 1
    assert api.get(f"/projects/{demo}/versions/x/diff/1").status_code == 422


def test_restore_makes_a_new_project_with_the_version_state(api: Api, demo: UUID) -> None:
    _edit(api, demo)
    v1 = api.get(f"/projects/{demo}/versions/1").json()
    r = api.post(f"/projects/{demo}/versions/1/restore")
    assert r.status_code == 201
    restored = r.json()
    assert restored["name"] == "demo, from ver. 1" and restored["digest"] == v1["digest"]
    named = api.post(f"/projects/{demo}/versions/2/restore", json={"name": "copy"})
    assert named.json()["name"] == "copy"
    assert api.post(f"/projects/{demo}/versions/2/restore",
                    json={"name": "copy"}).status_code == 409


def test_revert_brings_the_project_back_with_new_events(api: Api, demo: UUID) -> None:
    _edit(api, demo)
    v1 = api.get(f"/projects/{demo}/versions/1").json()
    before = api.position(demo)
    r = api.post(f"/projects/{demo}/versions/1/revert")
    assert r.status_code == 200 and r.json()["digest"] == v1["digest"]
    assert api.position(demo) == before + r.json()["events"]
    assert api.get(f"/projects/{demo}").json()["digest"] == v1["digest"]


def test_export_is_a_supervisely_zip(api: Api, demo: UUID) -> None:
    r = api.get(f"/projects/{demo}/versions/1/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
        assert "demo-v1/meta.json" in names
        ann = json.loads(zf.read("demo-v1/ds/ann/cat1.jpg.json"))
        assert ann["objects"][0]["classTitle"] == "cat"
        assert "demo-v1/ds/img/cat1.jpg" in names
    bare = api.get(f"/projects/{demo}/versions/current/export?media=false")
    with zipfile.ZipFile(io.BytesIO(bare.content)) as zf:
        assert not [n for n in zf.namelist() if "/img/" in n]
