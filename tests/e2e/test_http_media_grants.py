"""A sha256 is no key: stored bytes reach a token limited to one project only when it
uploaded them, or when its project links them as store references it was allowed to
give. Declaring another project's sha256 under a remote link serves nothing."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from uuid import UUID

import pytest

from tests.conftest import DEMO
from tests.e2e.conftest import Api, png_bytes


def _project(api: Api, name: str) -> UUID:
    pid = api.post("/projects", json={"name": name}).json()["id"]
    assert api.post(f"/projects/{pid}/datasets", json={"name": "ds"}).status_code == 201
    return UUID(pid)


def _upload(api: Api, token: dict[str, str], color: str) -> dict[str, Any]:
    r = api.post("/media", headers=token,
                 files={"file": ("x.png", png_bytes(color=color), "image/png")})
    assert r.status_code == 201, r.text
    media: dict[str, Any] = r.json()
    return media


def _item(name: str, media: dict[str, Any]) -> dict[str, Any]:
    return {"dataset_id": 1, "name": name, "media": media}


@pytest.fixture
def two(api: Api) -> tuple[UUID, UUID, dict[str, Any]]:
    """Projects A and B; B holds an item linking an image a B token uploaded."""
    a, b = _project(api, "A"), _project(api, "B")
    b_token = api.token("annotator", b)
    secret = _upload(api, b_token, "blue")
    r = api.post(f"/projects/{b}/items", headers=b_token, json=_item("s.png", secret))
    assert r.status_code == 201, r.text
    return a, b, secret


def test_a_limited_token_cannot_link_bytes_it_did_not_upload(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a, _, secret = two
    r = api.post(f"/projects/{a}/items", headers=api.token("annotator", a),
                 json=_item("stolen.png", secret))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "media.uri"
    assert api.get(f"/projects/{a}/items").json()["count"] == 0


def test_declaring_another_projects_sha256_under_a_remote_link_serves_nothing(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a, _, secret = two
    token = api.token("annotator", a)
    forged = {**secret, "uri": "s3://bucket/any.png"}
    r = api.post(f"/projects/{a}/items", headers=token, json=_item("forged.png", forged))
    assert r.status_code == 201, r.text  # a remote link is data: it may declare any hash
    item = r.json()["id"]
    assert api.get(f"/projects/{a}/items/{item}/media", headers=token).status_code == 404
    assert api.get(f"/media/{secret['sha256']}", headers=token).status_code == 404


def test_a_limited_token_reads_what_it_uploaded_and_what_its_project_links(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a, b, secret = two
    uploader, reader = api.token("annotator", a), api.token("auditor", a)
    own = _upload(api, uploader, "green")
    assert api.get(f"/media/{own['sha256']}", headers=uploader).status_code == 200
    assert api.get(f"/media/{own['sha256']}", headers=reader).status_code == 404
    r = api.post(f"/projects/{a}/items", headers=uploader, json=_item("own.png", own))
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    assert api.get(f"/projects/{a}/items/{item}/media", headers=reader).content == png_bytes(
        color="green")
    assert api.get(f"/media/{own['sha256']}", headers=reader).status_code == 200
    assert api.get(f"/media/{secret['sha256']}", headers=reader).status_code == 404
    assert api.get(f"/media/{secret['sha256']}",
                   headers=api.token("auditor", b)).status_code == 200


def test_an_upload_is_recorded_once_per_token_in_the_system_log(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a = two[0]
    token = api.token("annotator", a)
    first, again = _upload(api, token, "red"), _upload(api, token, "red")
    assert first == again
    _upload(api, api.token("annotator", a), "red")  # another token: its own grant
    assert not [e for e in api.get("/audit?limit=1000").json()["data"] if e["bookkeeping"]]
    records = [e for e in api.get("/audit?limit=1000&include_sessions=true").json()["data"]
               if e["type"] == "MediaUpload.Recorded"]
    assert sorted(r["actor"] for r in records) == ["annotator"] * 3  # B's, and two here


def _sync(api: Api, project: UUID, token: dict[str, str], fmt: str, name: str,
          data: bytes) -> Any:
    return api.post(f"/projects/{project}/import", headers=token,
                    files={"file": (name, data, "application/octet-stream")},
                    data={"format": fmt})


def test_an_uploaded_zip_cannot_link_bytes_the_sender_did_not_upload(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a, _, secret = two
    manager = api.token("manager", a)
    meta = {"classes": [], "tags": [], "projectType": "images"}
    ann = {"size": {"width": 8, "height": 6}, "tags": [], "objects": []}
    link = {"annoledger_media": {"uri": secret["uri"], "sha256": secret["sha256"],
                                 "size": secret["size"]}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("p/meta.json", json.dumps(meta))
        zf.writestr("p/ds/ann/x.png.json", json.dumps(ann))
        zf.writestr("p/ds/meta/x.png.json", json.dumps(link))
    r = _sync(api, a, manager, "supervisely", "p.zip", out.getvalue())
    assert r.status_code == 422, r.text
    assert r.json()["field"].endswith("annoledger_media.uri")
    assert api.get(f"/media/{secret['sha256']}", headers=manager).status_code == 404


def test_an_uploaded_coco_file_cannot_link_bytes_the_sender_did_not_upload(
    api: Api, two: tuple[UUID, UUID, dict[str, Any]]
) -> None:
    a, _, secret = two
    manager = api.token("manager", a)
    coco = {"categories": [{"id": 1, "name": "thing"}], "annotations": [],
            "images": [{"id": 1, "file_name": "x.png", "width": 8, "height": 6,
                        "coco_url": secret["uri"]}]}
    r = _sync(api, a, manager, "coco", "coco.json", json.dumps(coco).encode())
    assert r.status_code == 422, r.text
    assert r.json()["field"].endswith("coco_url")
    own = _upload(api, manager, "green")
    coco["images"][0]["coco_url"] = own["uri"]  # type: ignore[index]
    r = _sync(api, a, manager, "coco", "coco.json", json.dumps(coco).encode())
    assert r.status_code == 200, r.text


def test_the_demo_items_media_are_served_from_the_bundled_images(api: Api, demo: UUID) -> None:
    reader = api.token("auditor", demo)
    items = api.get(f"/projects/{demo}/items?name=cat1.jpg", headers=reader).json()["data"]
    r = api.get(f"/projects/{demo}/items/{items[0]['id']}/media", headers=reader)
    assert r.status_code == 200, r.text
    assert r.content == (DEMO / "ds" / "img" / "cat1.jpg").read_bytes()
