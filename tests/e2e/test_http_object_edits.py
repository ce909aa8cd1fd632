"""Every edit over HTTP is applied and recorded as made: PATCH applies each documented
field of an object and refuses any other, PATCH and PUT refuse a class of another shape
alike, ``updatedAt`` follows one rule, a write answers with the version it wrote, and a
revert that would change nothing is refused by the API and the CLI alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from application import SavedItem
from application.demo import seed_demo
from domain.values import Context
from tests.conftest import DEMO
from tests.e2e.cli import run_cli
from tests.e2e.conftest import BOX, Api
from tests.e2e.test_http_contract import documented

CAT1_BOX = 556892231
"""The rectangle of class ``cat`` in ``ds/cat1.jpg`` of the real export."""


def _cat1(api: Api, project: UUID) -> tuple[str, str]:
    page = api.get(f"/projects/{project}/items?name=cat1").json()["data"]
    item = page[0]["id"]
    return item, api.get(f"/projects/{project}/items/{item}").headers["ETag"]


def _types_since(api: Api, project: UUID, position: int) -> list[str]:
    return [e.type for e in api.ledger.history.log_entries(project, gt=position, limit=None)]


@pytest.mark.parametrize(("body", "event"), [
    ({"description": "half hidden"}, "Item.ObjectDetailsChanged"),
    ({"labelerLogin": "zoe"}, "Item.ObjectDetailsChanged"),
    ({"createdAt": "2019-01-01T00:00:00.000Z"}, "Item.ObjectDetailsChanged"),
    ({"classTitle": "crate"}, "Item.ObjectClassChanged"),
    ({"points": {"exterior": [[1, 2], [30, 40]], "interior": []}},
     "Item.ObjectGeometryChanged"),
    ({"tags": [{"name": "dog"}]}, "Item.ObjectTagsChanged"),
])
def test_a_patch_applies_each_documented_field_and_records_it_on_the_object(
    api: Api, demo: UUID, body: dict[str, Any], event: str
) -> None:
    api.post(f"/projects/{demo}/classes", json={"title": "crate", "shape": "rectangle"})
    item, etag = _cat1(api, demo)
    url = f"/projects/{demo}/items/{item}/objects/{CAT1_BOX}"
    before = api.get(url).json()
    position = api.position(demo)

    r = api.patch(url, json=body, headers={"If-Match": etag})

    assert r.status_code == 200, r.text
    changed = r.json()
    for key, value in body.items():
        if key == "tags":
            assert [t["name"] for t in changed["tags"]] == ["dog"]
        else:
            assert changed[key] == value
    assert changed["updatedAt"] > before["updatedAt"]  # no time given: dated now
    untouched = {"id", "classId", "classTitle", "description", "labelerLogin", "createdAt",
                 "points", "tags"} - set(body) - {"classId"}
    assert {k: changed[k] for k in untouched} == {k: before[k] for k in untouched}
    assert api.get(url).json() == changed
    assert int(r.headers["ETag"].strip('"')) == int(etag.strip('"')) + 1
    assert _types_since(api, demo, position) == [event]


def test_a_patch_keeps_an_update_time_it_is_given_and_changes_nothing_when_equal(
    api: Api, demo: UUID
) -> None:
    item, etag = _cat1(api, demo)
    url = f"/projects/{demo}/items/{item}/objects/{CAT1_BOX}"
    given = "2024-02-03T04:05:06.000Z"
    r = api.patch(url, json={"labelerLogin": "zoe", "updatedAt": given},
                  headers={"If-Match": etag})
    assert (r.json()["labelerLogin"], r.json()["updatedAt"]) == ("zoe", given)
    position = api.position(demo)
    same = api.patch(url, json=r.json(), headers={"If-Match": r.headers["ETag"]})
    assert same.status_code == 200, same.text  # the object read, sent back as it is
    assert same.headers["ETag"] == r.headers["ETag"] and same.json() == r.json()
    assert api.position(demo) == position


@pytest.mark.parametrize(("body", "field"), [
    ({"bogus": 1}, "object.bogus"),
    ({"description": "applied?", "colour": "red"}, "object.colour"),
    ({"id": 1}, "object.id"),
    ({"classTitle": "cat2"}, "object.classTitle"),
    ({"classId": 2707430}, "object.classId"),
    ({"classTitle": "cat2", "points": {"exterior": [[0, 0], [9, 9]], "interior": []}},
     "object.classTitle"),
])
def test_a_patch_refuses_what_it_would_not_apply_naming_the_field(
    api: Api, demo: UUID, body: dict[str, Any], field: str
) -> None:
    item, etag = _cat1(api, demo)
    url = f"/projects/{demo}/items/{item}/objects/{CAT1_BOX}"
    before, position = api.get(url).json(), api.position(demo)
    r = api.patch(url, json=body, headers={"If-Match": etag})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert api.get(url).json() == before and api.position(demo) == position


@pytest.mark.parametrize("named_by", ["classTitle", "classId"])
def test_put_refuses_a_class_of_another_shape_as_patch_does(
    api: Api, demo: UUID, named_by: str
) -> None:
    item, etag = _cat1(api, demo)
    url = f"/projects/{demo}/items/{item}/annotation"
    ann = api.get(url).json()
    [index] = [i for i, o in enumerate(ann["objects"]) if o["id"] == CAT1_BOX]
    obj = ann["objects"][index]
    del obj["classTitle"], obj["classId"]
    obj[named_by] = "cat2" if named_by == "classTitle" else 2707430  # a class of lines
    position = api.position(demo)

    put = api.put(url, json=ann, headers={"If-Match": etag})
    patch = api.patch(f"/projects/{demo}/items/{item}/objects/{CAT1_BOX}",
                      json={named_by: obj[named_by]}, headers={"If-Match": etag})

    assert (put.status_code, patch.status_code) == (422, 422), (put.text, patch.text)
    assert put.json()["field"] == f"objects[{index}].{named_by}"
    assert patch.json()["field"] == f"object.{named_by}"
    assert put.json()["errors"][0]["message"] == patch.json()["errors"][0]["message"]
    assert "is a rectangle and would become a line" in put.json()["detail"]
    assert api.position(demo) == position


def test_put_dates_the_objects_it_changes_and_nothing_else(api: Api, demo: UUID) -> None:
    item, etag = _cat1(api, demo)
    url = f"/projects/{demo}/items/{item}/annotation"
    ann = api.get(url).json()
    again = api.put(url, json=ann, headers={"If-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] == etag  # nothing changed

    for obj in ann["objects"]:
        del obj["updatedAt"], obj["labelerLogin"], obj["createdAt"]
    before = {o["id"]: o for o in api.get(url).json()["objects"]}
    ann["objects"][0]["description"] = "edited"
    edited_id = ann["objects"][0]["id"]
    r = api.put(url, json=ann, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    after = {o["id"]: o for o in r.json()["objects"]}
    for object_id, obj in after.items():
        assert (obj["labelerLogin"], obj["createdAt"]) == (
            before[object_id]["labelerLogin"], before[object_id]["createdAt"])
        if object_id == edited_id:
            assert obj["updatedAt"] > before[object_id]["updatedAt"]
        else:
            assert obj["updatedAt"] == before[object_id]["updatedAt"]


def _interloper(api: Api, monkeypatch: pytest.MonkeyPatch, method: str,
                item: Callable[[], str]) -> None:
    """Make ``ledger.annotations.<method>`` let another client write the same item after
    its own write and before the route answers: the answer must be the first write's."""
    original = getattr(api.ledger.annotations, method)

    def write_then_interlope(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        saved = result[1] if isinstance(result, tuple) else result
        assert isinstance(saved, SavedItem)
        api.ledger.items.change_object(UUID(item()), CAT1_BOX, Context("mallory"),
                                       description="mallory was here")
        return result

    monkeypatch.setattr(api.ledger.annotations, method, write_then_interlope)


@pytest.mark.parametrize(("method", "request_"), [
    ("put", lambda api, p, i: api.put(f"/projects/{p}/items/{i}/annotation",
                                      json=api.get(f"/projects/{p}/items/{i}/annotation")
                                      .json() | {"description": "mine"})),
    ("patch_object", lambda api, p, i: api.patch(
        f"/projects/{p}/items/{i}/objects/{CAT1_BOX}", json={"labelerLogin": "me"})),
    ("add_object", lambda api, p, i: api.post(f"/projects/{p}/items/{i}/objects", json=BOX)),
    ("set_tag", lambda api, p, i: api.put(f"/projects/{p}/items/{i}/tags/28789216",
                                          json={})),
    ("move", lambda api, p, i: api.patch(f"/projects/{p}/items/{i}",
                                         json={"name": "renamed.jpg"})),
])
def test_a_write_answers_with_the_version_it_wrote_though_another_followed(
    api: Api, demo: UUID, monkeypatch: pytest.MonkeyPatch, method: str,
    request_: Callable[[Api, UUID, str], Any],
) -> None:
    item, etag = _cat1(api, demo)
    _interloper(api, monkeypatch, method, lambda: item)
    api.admin = {**api.admin, "If-Match": etag}

    r = request_(api, demo, item)

    assert r.status_code in (200, 201), r.text
    written = int(etag.strip('"')) + 1
    assert r.headers["ETag"] == f'"{written}"'
    assert "mallory was here" not in r.text  # the body is the write's too
    now = api.get(f"/projects/{demo}/items/{item}")
    assert now.headers["ETag"] == f'"{written + 1}"'  # the other write did happen after


def test_a_revert_to_a_version_equal_to_the_state_is_refused_like_an_unchanged_version(
    api: Api, demo: UUID
) -> None:
    position = api.position(demo)  # the demo stands at its version 2
    again = api.post(f"/projects/{demo}/versions/2/revert")
    unchanged = api.post(f"/projects/{demo}/versions", json={"title": "same"})
    assert (again.status_code, unchanged.status_code) == (409, 409), again.text
    assert again.json()["type"] == unchanged.json()["type"] == "urn:annoledger:problem:no-changes"
    assert again.json()["latest_version"] == 2
    spec = api.client.get("/openapi.json").json()
    assert 409 in documented(spec, "POST", f"/projects/{demo}/versions/2/revert") or {}
    assert "equals version 2" in again.json()["detail"]
    assert api.position(demo) == position
    reverted = api.post(f"/projects/{demo}/versions/1/revert")
    assert reverted.status_code == 200 and reverted.json()["events"] > 0
    assert api.post(f"/projects/{demo}/versions/1/revert").status_code == 409


def test_the_cli_refuses_a_revert_to_the_current_state_as_it_refuses_an_unchanged_version(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    assert run_cli(capsys, db_url, "import", "supervisely", str(DEMO), "--project",
                   "demo").code == 0
    assert run_cli(capsys, db_url, "versions", "create", "demo").code == 0
    log = run_cli(capsys, db_url, "log", "demo", "--json").json()
    revert = run_cli(capsys, db_url, "versions", "revert", "demo", "1")
    create = run_cli(capsys, db_url, "versions", "create", "demo")
    assert revert.code == create.code == 1, (revert.err, create.err)
    assert "nothing to revert: the project's state equals version 1" in revert.err
    assert run_cli(capsys, db_url, "log", "demo", "--json").json() == log


def test_the_demo_seeds_through_the_typed_commands(api: Api) -> None:
    """The demo edits a box through ``items.change_object``: still one geometry event."""
    pid = seed_demo(api.ledger, DEMO, Context("seeder"), name="again")
    types = _types_since(api, pid, 0)
    assert types.count("Item.ObjectGeometryChanged") == 1
    assert "Item.ObjectDetailsChanged" not in types
