"""Items, annotations and objects over HTTP: Supervisely JSON, ETags and If-Match."""

from __future__ import annotations

import hashlib
from uuid import UUID

from tests.e2e.conftest import BOX, Api, first_item, png_bytes

MEDIA = {"uri": "s3://bucket/a.jpg", "sha256": "ab" * 32, "size": 1234, "width": 640,
         "height": 480}


def _project(api: Api) -> tuple[str, int]:
    pid = api.post("/projects", json={"name": "p"}).json()["id"]
    ds = api.post(f"/projects/{pid}/datasets", json={"name": "train"}).json()["id"]
    api.post(f"/projects/{pid}/classes", json={"title": "cat", "shape": "rectangle"})
    api.post(f"/projects/{pid}/tags", json={"name": "good"})
    return pid, ds


def test_an_item_uploaded_as_json_links_its_media_and_carries_its_annotation(api: Api) -> None:
    pid, ds = _project(api)
    r = api.post(f"/projects/{pid}/items", json={
        "dataset_id": ds, "name": "a.jpg", "media": MEDIA,
        "annotation": {"tags": [{"name": "good"}], "objects": [BOX]}})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["media"] == MEDIA and item["objects"] == 1 and item["dataset"] == "train"
    assert r.headers["ETag"] == '"1"' and r.headers["Location"].endswith(item["id"])
    ann = api.get(f"/projects/{pid}/items/{item['id']}/annotation").json()
    assert ann["size"] == {"width": 640, "height": 480}
    assert ann["objects"][0]["classTitle"] == "cat" and ann["tags"][0]["name"] == "good"


def test_an_uploaded_file_is_stored_once_by_content_and_served_back(api: Api) -> None:
    pid, ds = _project(api)
    image = png_bytes(8, 6)
    ids = []
    for name in ("a.png", "b.png"):
        r = api.post(f"/projects/{pid}/items", data={"dataset_id": str(ds), "name": name},
                     files={"file": (name, image, "image/png")})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    media = api.get(f"/projects/{pid}/items/{ids[1]}").json()["media"]
    assert media["sha256"] == hashlib.sha256(image).hexdigest()
    assert (media["width"], media["height"], media["size"]) == (8, 6, len(image))
    stored = [p for p in (api.ledger.media.media_store.root).rglob("*")  # type: ignore[attr-defined]
              if p.is_file()]
    assert len(stored) == 1
    assert api.get(f"/projects/{pid}/items/{ids[0]}/media").content == image
    assert api.get(f"/media/{media['sha256']}").content == image


def test_a_file_that_is_no_image_is_refused_naming_the_file(api: Api) -> None:
    pid, ds = _project(api)
    r = api.post(f"/projects/{pid}/items", data={"dataset_id": str(ds)},
                 files={"file": ("x.png", b"not an image", "image/png")})
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert api.get(f"/projects/{pid}/items").json()["count"] == 0


def test_a_taken_item_name_is_a_conflict(api: Api) -> None:
    pid, ds = _project(api)
    body = {"dataset_id": ds, "name": "a.jpg", "media": MEDIA}
    assert api.post(f"/projects/{pid}/items", json=body).status_code == 201
    assert api.post(f"/projects/{pid}/items", json=body).status_code == 409


def test_items_are_paged_and_filtered_by_name_and_dataset(api: Api, demo: UUID) -> None:
    page = api.get(f"/projects/{demo}/items?limit=4").json()
    assert page["count"] == 6 and len(page["data"]) == 4
    dogs = api.get(f"/projects/{demo}/items?name=dog").json()
    assert sorted(i["name"] for i in dogs["data"]) == ["dog1.jpg", "dog2.jpg", "dog3.jpg"]
    assert api.get(f"/projects/{demo}/items?dataset_id=99").json()["count"] == 0


def test_the_annotation_round_trips_as_supervisely_json(api: Api, demo: UUID) -> None:
    item, etag = first_item(api, demo)
    r = api.get(f"/projects/{demo}/items/{item}/annotation")
    ann = r.json()
    ann["description"] = "checked"
    ann["objects"].append(BOX)
    put = api.put(f"/projects/{demo}/items/{item}/annotation", json=ann,
                  headers={"If-Match": etag})
    assert put.status_code == 200, put.text
    assert int(put.headers["ETag"].strip('"')) > int(etag.strip('"'))
    again = api.get(f"/projects/{demo}/items/{item}/annotation").json()
    assert again["description"] == "checked" and len(again["objects"]) == len(ann["objects"])
    assert again["objects"][:-1] == r.json()["objects"]


def test_changes_need_if_match_and_a_stale_one_names_the_current_etag(api: Api,
                                                                      demo: UUID) -> None:
    item, etag = first_item(api, demo)
    objects = f"/projects/{demo}/items/{item}/objects"
    missing = api.post(objects, json=BOX)
    assert missing.status_code == 428 and missing.json()["field"] == "If-Match"
    assert api.post(objects, json=BOX, headers={"If-Match": etag}).status_code == 201
    stale = api.post(objects, json=BOX, headers={"If-Match": etag})
    assert stale.status_code == 412
    current = api.get(f"/projects/{demo}/items/{item}").headers["ETag"]
    assert stale.json()["etag"] == current == stale.headers["ETag"]
    assert api.post(objects, json=BOX, headers={"If-Match": "garbage"}).status_code == 412


def test_objects_are_added_changed_and_removed_each_with_a_new_etag(api: Api,
                                                                    demo: UUID) -> None:
    item, etag = first_item(api, demo)
    objects = f"/projects/{demo}/items/{item}/objects"
    added = api.post(objects, json={**BOX, "tags": [{"name": "cat"}]},
                     headers={"If-Match": etag})
    oid = added.json()["id"]
    assert added.json()["tags"][0]["name"] == "cat"
    moved = api.patch(f"{objects}/{oid}", headers={"If-Match": added.headers["ETag"]},
                      json={"points": {"exterior": [[0, 0], [5, 5]], "interior": []}})
    assert moved.status_code == 200, moved.text
    assert moved.json()["points"]["exterior"] == [[0, 0], [5, 5]]
    assert moved.json()["tags"][0]["name"] == "cat"
    untagged = api.patch(f"{objects}/{oid}", json={"tags": []},
                         headers={"If-Match": moved.headers["ETag"]})
    assert untagged.json()["tags"] == []
    gone = api.delete(f"{objects}/{oid}", headers={"If-Match": untagged.headers["ETag"]})
    assert gone.status_code == 204
    assert api.get(f"{objects}/{oid}").status_code == 404
    assert api.get(f"/projects/{demo}/items/{item}").headers["ETag"] == gone.headers["ETag"]


def test_a_malformed_geometry_is_refused_naming_the_field(api: Api, demo: UUID) -> None:
    item, etag = first_item(api, demo)
    before = api.position(demo)
    r = api.post(f"/projects/{demo}/items/{item}/objects", headers={"If-Match": etag},
                 json={"classTitle": "cat", "points": {"exterior": [[1, 2]], "interior": []}})
    assert r.status_code == 422 and "points" in r.json()["field"]
    r = api.post(f"/projects/{demo}/items/{item}/objects", headers={"If-Match": etag},
                 json={"classTitle": "zebra", "points": {"exterior": [], "interior": []}})
    assert r.status_code == 422 and r.json()["field"] == "object.classTitle"
    assert api.position(demo) == before


def test_item_tags_are_set_and_removed(api: Api, demo: UUID) -> None:
    item, etag = first_item(api, demo)
    tags = api.get(f"/projects/{demo}/tags?name=dog").json()["data"]
    path = f"/projects/{demo}/items/{item}/tags/{tags[0]['id']}"
    r = api.put(path, json={"value": None}, headers={"If-Match": etag})
    assert r.status_code == 200 and "dog" in [t["name"] for t in r.json()["tags"]]
    gone = api.delete(path, headers={"If-Match": r.headers["ETag"]})
    assert gone.status_code == 204
    assert api.delete(path, headers={"If-Match": gone.headers["ETag"]}).status_code == 404


def test_an_item_is_moved_renamed_and_removed(api: Api, demo: UUID) -> None:
    item, etag = first_item(api, demo)
    ds = api.post(f"/projects/{demo}/datasets", json={"name": "val"}).json()["id"]
    moved = api.patch(f"/projects/{demo}/items/{item}", headers={"If-Match": etag},
                      json={"dataset_id": ds, "name": "renamed.jpg"})
    assert moved.status_code == 200 and moved.json()["dataset"] == "val"
    r = api.delete(f"/projects/{demo}/items/{item}", headers={"If-Match": moved.headers["ETag"]})
    assert r.status_code == 204
    assert api.get(f"/projects/{demo}/items/{item}").status_code == 404
    assert api.get(f"/projects/{demo}/items").json()["count"] == 5


def test_an_item_of_another_project_is_not_found_through_this_one(api: Api, demo: UUID) -> None:
    item, _ = first_item(api, demo)
    other = api.post("/projects", json={"name": "other"}).json()["id"]
    r = api.get(f"/projects/{other}/items/{item}")
    assert r.status_code == 404 and r.json()["kind"] == "item"
