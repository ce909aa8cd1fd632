"""GET /api/v1/audit and an item's /history and /blame, for the auditor role."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from domain.values import Context
from tests.e2e.conftest import API, Api
from tests.integration.audit_story import edit_everything, tell


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def test_an_auditor_pages_through_who_changed_what_and_when(api: Api) -> None:
    story = tell(api.ledger)
    auditor = api.token("auditor")
    found = api.get("/audit", headers=auditor, params={
        "actor": "bob", "since": iso(story.t0), "until": iso(story.t1)})
    assert found.status_code == 200, found.text
    body = found.json()
    assert [r["summary"] for r in body["data"]] == ["class cat → lynx",
                                                   "class lynx added (rectangle)"]
    assert body["data"][0]["object_id"] == story.box
    assert body["data"][0]["project_id"] == str(story.pid)
    first = api.get("/audit", headers=auditor, params={"project": "demo", "limit": 5}).json()
    assert len(first["data"]) == 5 and first["next_offset"] == 5
    second = api.get("/audit", headers=auditor, params={
        "project": "demo", "limit": 5, "offset": 5}).json()
    assert first["data"][-1]["time"] >= second["data"][0]["time"]
    by_session = api.get("/audit", headers=auditor, params={"session": str(story.session),
                                                            "type": "ObjectAdded"}).json()
    assert [r["position"] for r in by_session["data"]] == [10]
    assert api.get("/audit", headers=auditor, params={"since": "soon"}).status_code == 422
    assert api.client.get(API + "/audit").status_code == 401


def test_rows_name_project_item_and_object_and_filters_find_every_touch(api: Api) -> None:
    story = tell(api.ledger)
    said = edit_everything(story)
    auditor = api.token("auditor")

    def found(**params: object) -> list[dict[str, object]]:
        r = api.get("/audit", headers=auditor, params={"limit": 1000, **params})
        assert r.status_code == 200, r.text
        return r.json()["data"]  # type: ignore[no-any-return]

    by_object = found(object=story.box)
    assert [r["position"] for r in by_object] == [23, 22, 21, 20, 19, 18, 16, 9, 2]
    assert [r["summary"] for r in by_object[:3]] == [said[23], said[22], said[21]]
    moved = by_object[6]
    assert (moved["project_name"], moved["item_path"], moved["object_id"],
            moved["object_class"], moved["summary"]) == (
        "demo", "ds/cat1.jpg", story.box, "lynx", said[16])
    by_path = [r["position"] for r in found(item="ds/cat1.jpg")]
    assert by_path == [r["position"] for r in found(item=str(story.cat1))]
    assert by_path == [r["position"] for r in found(item="ds/kitten.jpg", project="demo")]
    assert found(item="ds/kitten.jpg")[0]["summary"] == said[24]
    assert api.get("/audit", headers=auditor, params={"item": "kitten"}).status_code == 422
    assert not any(r["bookkeeping"] for r in found())
    sessions = [r for r in found(include_sessions="true") if r["bookkeeping"]]
    assert {r["type"].partition(".")[0] for r in sessions} == {"AppSession", "Token"}


def test_a_token_limited_to_a_project_audits_only_that_project(api: Api) -> None:
    story = tell(api.ledger)
    other = api.ledger.projects.create("other", Context("zoe"))
    scoped = api.token("auditor", story.pid)
    rows = api.get("/audit", headers=scoped, params={"limit": 1000}).json()["data"]
    assert {r["project_id"] for r in rows} == {str(story.pid)}
    assert api.get("/audit", headers=scoped, params={"project": str(other)}).status_code == 404
    everything = api.get("/audit", headers=api.token("auditor"), params={"limit": 1000})
    assert str(other) in {r["project_id"] for r in everything.json()["data"]}


def test_an_items_history_and_blame_over_http(api: Api) -> None:
    story = tell(api.ledger)
    auditor = api.token("auditor")
    history = api.get(f"/projects/demo/items/{story.cat1}/history", headers=auditor,
                      params={"object": story.box})
    assert history.status_code == 200, history.text
    entries = history.json()
    assert [e["type"] for e in entries] == ["Item.Uploaded", "Item.ObjectClassChanged"]
    change = entries[1]["objects"][0]
    assert (change["before"]["class"], change["after"]["class"]) == ("cat", "lynx")
    assert entries[1]["actor"] == "bob"
    blame = api.get(f"/projects/demo/items/{story.cat1}/blame", headers=auditor).json()
    by_object = {b["object"]: b for b in blame}
    assert by_object[story.box]["changed"]["actor"] == "bob"
    assert by_object[story.polygon]["created"]["actor"] == "carol"
    assert by_object[story.box]["class"] == "lynx"
    missing = api.get(f"/projects/demo/items/{uuid4()}/history", headers=auditor)
    assert missing.status_code == 404
