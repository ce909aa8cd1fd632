"""What an import reads, the HTTP API gives back and takes back unchanged: objects with
negative ids and tag metas with id 0 included."""

from __future__ import annotations

import json
from pathlib import Path

from domain.values import Context
from tests.e2e.conftest import Api

META = {
    "classes": [{"id": -3, "title": "cat", "shape": "rectangle", "color": "#FF0000"}],
    "tags": [{"id": 0, "name": "good", "value_type": "none"}],
}
ANNOTATION = {
    "description": "",
    "size": {"height": 480, "width": 640},
    "tags": [{"id": 0, "tagId": 0, "name": "good", "value": None}],
    "objects": [{
        "id": -5, "classId": -3, "classTitle": "cat", "geometryType": "rectangle",
        "labelerLogin": "ann", "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-01-01T00:00:00.000Z",
        "tags": [{"id": 0, "tagId": 0, "name": "good", "value": None}],
        "points": {"exterior": [[10, 20], [110, 220]], "interior": []},
    }],
}


def _project(root: Path) -> Path:
    (root / "ds" / "ann").mkdir(parents=True)
    (root / "meta.json").write_text(json.dumps(META))
    (root / "ds" / "ann" / "a.jpg.json").write_text(json.dumps(ANNOTATION))
    return root


def test_an_imported_annotation_with_negative_and_zero_ids_is_put_back_unchanged(
    api: Api, tmp_path: Path
) -> None:
    pid = api.ledger.imports.from_files("supervisely", _project(tmp_path / "proj"),
                                  Context("tests"), name="ids").project
    item = api.get(f"/projects/{pid}/items").json()["data"][0]["id"]
    got = api.get(f"/projects/{pid}/items/{item}/annotation")
    assert got.status_code == 200, got.text
    ann = got.json()
    assert [o["id"] for o in ann["objects"]] == [-5]
    assert ann["objects"][0]["classId"] == -3 and ann["tags"][0]["tagId"] == 0
    assert ann["objects"][0]["tags"][0]["tagId"] == 0
    before = (api.position(pid), api.ledger.projects.view(pid).digest)

    put = api.put(f"/projects/{pid}/items/{item}/annotation", json=ann,
                  headers={"If-Match": got.headers["ETag"]})
    assert put.status_code == 200, put.text
    assert put.json() == ann and put.headers["ETag"] == got.headers["ETag"]
    assert (api.position(pid), api.ledger.projects.view(pid).digest) == before

    one = api.get(f"/projects/{pid}/items/{item}/objects/-5")
    assert one.status_code == 200 and one.json() == ann["objects"][0]
    patched = api.patch(f"/projects/{pid}/items/{item}/objects/-5",
                        json={"points": {"exterior": [[1, 2], [3, 4]], "interior": []}},
                        headers={"If-Match": got.headers["ETag"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["points"]["exterior"] == [[1, 2], [3, 4]]


def test_the_api_takes_bare_tag_names_and_null_geometry_keys_as_an_import_does(
    api: Api, tmp_path: Path
) -> None:
    pid = api.ledger.imports.from_files("supervisely", _project(tmp_path / "proj"),
                                  Context("tests"), name="ids").project
    item = api.get(f"/projects/{pid}/items").json()["data"][0]["id"]
    got = api.get(f"/projects/{pid}/items/{item}/annotation")
    older = {"size": {"height": 480, "width": 640}, "tags": ["good"], "objects": [{
        "classTitle": "cat", "tags": ["good"], "bitmap": None, "nodes": None,
        "points": {"exterior": [[10, 20], [110, 220]], "interior": []}}]}
    put = api.put(f"/projects/{pid}/items/{item}/annotation", json=older,
                  headers={"If-Match": got.headers["ETag"]})
    assert put.status_code == 200, put.text
    objects = put.json()["objects"]
    assert len(objects) == 1 and objects[0]["id"] > 0 and "bitmap" not in objects[0]
    assert put.json()["tags"][0]["name"] == "good"

    wrong = api.put(f"/projects/{pid}/items/{item}/annotation",
                    json={"objects": [{"classTitle": "cat", "id": "7",
                                       "points": {"exterior": [[1, 2], [3, 4]]}}]},
                    headers={"If-Match": put.headers["ETag"]})
    assert wrong.status_code == 422
