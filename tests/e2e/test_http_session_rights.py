"""Writes outside one's rights, tried as an attacker would: versions created through
sessions and OpenLineage runs, posts to another token's session, and the existence
oracle (another project answered differently from a missing one)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from domain.session import NodeRef
from domain.values import Context, MediaLink
from tests.e2e.conftest import API, Api

CTX = Context("setup")
DS = 1


@pytest.fixture
def two(api: Api) -> tuple[UUID, UUID]:
    """Two projects, each with a dataset, an item and version 1, then one more item (so a
    new version could be created)."""
    made = []
    for name in ("mine", "theirs"):
        p = api.ledger.projects.create(name, CTX)
        api.ledger.projects.create_dataset(p, "ds", CTX)
        _item(api, p)
        api.ledger.versions.create(p, CTX, "first")
        _item(api, p)
        made.append(p)
    return made[0], made[1]


def _item(api: Api, p: UUID) -> UUID:
    media = MediaLink("s3://b/x.jpg", uuid.uuid4().hex * 2, 1, 10, 10)
    ds = api.ledger.projects.get(p).meta.dataset_by_path("ds")
    assert ds is not None
    return api.ledger.items.upload_item(p, ds.id, uuid.uuid4().hex[:8], media, CTX)


def _versions(api: Api, p: UUID) -> int:
    return len(api.ledger.versions.all(p))


def _post(api: Api, headers: dict[str, str], path: str, body: Any) -> Any:
    return api.client.post(API + path, headers=headers, json=body)


def _start(kind: str, ref: str, auto: bool = False) -> dict[str, Any]:
    return {"app": "train", "kind": kind, "auto_version": auto,
            "inputs": [{"type": "project", "ref": ref}]}


def _run(run_id: str, event_type: str, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"eventType": event_type, "eventTime": f"2026-01-01T00:00:0{len(event_type) % 10}Z",
            "producer": "tests", "run": {"runId": run_id},
            "job": {"namespace": "ml", "name": "train", "facets": {"jobType": {
                "jobType": "TRAINING", "processingType": "BATCH"}}},
            "inputs": inputs, "outputs": []}


def _same_problem(a: Any, b: Any, ref_a: str, ref_b: str) -> None:
    assert a.status_code == b.status_code
    assert a.text.replace(ref_a, "<ref>") == b.text.replace(ref_b, "<ref>")


def test_a_version_through_a_session_needs_the_manage_right(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    annotator = api.token("annotator")
    assert api.client.post(f"{API}/projects/{mine}/versions", headers=annotator).status_code \
        == 403
    sessions = len(api.ledger.sessions.list())
    for body in (_start("training", str(mine)), _start("other", "mine", auto=True)):
        r = _post(api, annotator, "/sessions", body)
        assert r.status_code == 403 and r.json()["needs"] == "manage", r.text
    assert _versions(api, mine) == 1 and len(api.ledger.sessions.list()) == sessions

    started = _post(api, annotator, "/sessions", {"app": "a", "kind": "other",
                                                  "auto_version": True}).json()["id"]
    r = _post(api, annotator, f"/sessions/{started}/inputs", {"type": "project", "ref": "mine"})
    assert r.status_code == 403 and _versions(api, mine) == 1

    limited = api.token("annotator", mine)
    r = _post(api, limited, "/sessions", _start("training", str(theirs)))
    missing = str(uuid.uuid4())
    _same_problem(r, _post(api, limited, "/sessions", _start("training", missing)),
                  str(theirs), missing)
    assert r.status_code == 404 and _versions(api, theirs) == 1

    manager = api.token("manager", mine)
    r = _post(api, manager, "/sessions", _start("training", "mine"))
    assert r.status_code == 201, r.text
    assert r.json()["inputs"][0] | {"title": ""} == {
        "type": "project_version", "ref": f"{mine}@2", "title": "", "description": "",
        "link": ""}
    assert _versions(api, mine) == 2


def test_an_openlineage_training_run_needs_the_manage_right(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    reads_mine = [{"namespace": "annoledger", "name": f"project/{mine}"}]
    r = _post(api, api.token("annotator"), "/lineage", _run(str(uuid.uuid4()), "START",
                                                             reads_mine))
    assert r.status_code == 403 and _versions(api, mine) == 1

    limited = api.token("annotator", mine)
    run = str(uuid.uuid4())
    r = _post(api, limited, "/lineage", _run(run, "START", [
        {"namespace": "annoledger", "name": f"project/{theirs}"}]))
    assert r.status_code == 201, r.text
    assert _versions(api, theirs) == 1
    inputs = api.ledger.sessions.view(UUID(run)).inputs
    assert [(n.type, n.ref) for n in inputs] == [("dataset", f"annoledger#project/{theirs}")]

    r = _post(api, api.token("manager"), "/lineage", _run(str(uuid.uuid4()), "START",
                                                           reads_mine))
    assert r.status_code == 201 and _versions(api, mine) == 2


def test_an_openlineage_run_is_continued_only_by_whom_may_change_it(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    run = str(uuid.uuid4())
    victim = api.token("manager")
    assert _post(api, victim, "/lineage", _run(run, "START", [
        {"namespace": "annoledger", "name": f"project/{mine}"}])).status_code == 201
    fail = _run(run, "FAIL", [])
    assert _post(api, api.token("annotator"), "/lineage", fail).status_code == 403
    assert _post(api, api.token("annotator", theirs), "/lineage", fail).status_code == 404
    assert api.ledger.sessions.view(UUID(run)).status == "running"
    assert _post(api, victim, "/lineage", _run(run, "COMPLETE", [])).status_code == 201
    assert api.ledger.sessions.view(UUID(run)).status == "succeeded"


def test_only_the_starter_a_manager_of_its_projects_or_an_admin_change_a_session(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    victim = api.token("annotator")
    session = _post(api, victim, "/sessions", _start("labeling_job", "mine")).json()["id"]
    posts: list[tuple[str, dict[str, Any]]] = [
        ("inputs", {"type": "dataset", "ref": "s3://poison"}),
        ("outputs", {"type": "model_weight", "ref": "s3://fake.pt"}),
        ("progress", {"done": 1, "total": 1}), ("finish", {"status": "failed"})]
    attacker, stranger = api.token("annotator"), api.token("annotator", theirs)
    outsider = api.token("manager", theirs)
    for suffix, body in posts:
        assert _post(api, attacker, f"/sessions/{session}/{suffix}", body).status_code == 403
        for caller in (stranger, outsider):
            r = _post(api, caller, f"/sessions/{session}/{suffix}", body)
            missing = str(uuid.uuid4())
            _same_problem(r, _post(api, caller, f"/sessions/{missing}/{suffix}", body),
                          session, missing)
            assert r.status_code == 404
    view = api.ledger.sessions.view(UUID(session))
    assert view.status == "running" and view.outputs == () and len(view.inputs) == 1

    assert _post(api, api.token("manager", mine), f"/sessions/{session}/progress",
                 {"done": 1, "total": 3}).status_code == 200
    assert _post(api, api.token("admin"), f"/sessions/{session}/outputs",
                 {"type": "report", "ref": "r.html"}).status_code == 201
    assert _post(api, victim, f"/sessions/{session}/finish",
                 {"status": "succeeded"}).status_code == 200
    assert api.ledger.sessions.view(UUID(session)).status == "succeeded"


def test_another_project_is_answered_as_a_missing_one(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    for role in ("auditor", "annotator", "manager", "admin"):
        token = api.token(role, mine)
        for real, fake in ((str(theirs), str(uuid.uuid4())), ("theirs", "nothing-here")):
            for path in ("/projects/{}", "/projects/{}/items", "/projects/{}/versions",
                         "/audit?project={}", "/workflow/trained-on?project={}&item=x"):
                a = api.client.get(API + path.format(real), headers=token)
                b = api.client.get(API + path.format(fake), headers=token)
                _same_problem(a, b, real, fake)
                assert a.status_code == 404, (role, path, a.text)
            if role != "auditor":
                a = _post(api, token, "/sessions", _start("labeling_job", real))
                _same_problem(a, _post(api, token, "/sessions", _start("labeling_job", fake)),
                              real, fake)
                assert a.status_code == 404
            if role in ("manager", "admin"):
                a = api.client.post(f"{API}/projects/{real}/versions", headers=token)
                b = api.client.post(f"{API}/projects/{fake}/versions", headers=token)
                _same_problem(a, b, real, fake)
                assert a.status_code == 404
    assert _versions(api, theirs) == 1


def test_sessions_show_a_limited_token_only_what_touches_its_project(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    both = api.ledger.sessions.start("merge", "merge", CTX, inputs=[
        NodeRef("project", str(mine)), NodeRef("project", str(theirs))])
    only_theirs = api.ledger.sessions.start("split", "split", CTX,
                                           inputs=[NodeRef("project", str(theirs))])
    reader = api.token("annotator", mine)
    own_run = _post(api, reader, "/sessions", {"app": "x", "kind": "other", "inputs": [
        {"type": "dataset", "ref": "s3://d"}]}).json()["id"]
    listed = api.client.get(f"{API}/sessions", headers=reader).json()
    seen = {s["id"] for s in listed["data"]}
    assert {str(both), own_run} <= seen and str(only_theirs) not in seen
    assert all(str(mine) in str(s["inputs"]) for s in listed["data"] if s["id"] != own_run)
    shown = api.client.get(f"{API}/sessions/{both}", headers=reader).json()
    assert [i["ref"] for i in shown["inputs"]] == [str(mine)]
    assert str(theirs) not in str(listed)
    missing = uuid.uuid4()
    _same_problem(api.client.get(f"{API}/sessions/{only_theirs}", headers=reader),
                  api.client.get(f"{API}/sessions/{missing}", headers=reader),
                  str(only_theirs), str(missing))
    everything = api.client.get(f"{API}/sessions", headers=api.token("auditor")).json()
    assert {str(both), str(only_theirs), own_run} <= {s["id"] for s in everything["data"]}


def test_the_workflow_graph_of_a_limited_token_holds_only_its_part(
        api: Api, two: tuple[UUID, UUID]) -> None:
    mine, theirs = two
    for p, model in ((mine, "s3://m/mine.pt"), (theirs, "s3://m/theirs.pt")):
        s = api.ledger.sessions.start("trainer", "training", CTX,
                                     inputs=[NodeRef("project", str(p))])
        api.ledger.sessions.add_output(s, NodeRef("model_weight", model))
        api.ledger.sessions.add_input(s, NodeRef("dataset", "s3://shared/labels"))
    mixed = api.ledger.sessions.start("merge", "merge", CTX, inputs=[
        NodeRef("project", str(mine)), NodeRef("project_version", f"{theirs}@1")])
    reader = api.token("auditor", mine)
    g = api.client.get(f"{API}/workflow/export", params={"format": "json"},
                       headers=reader).json()
    ids = {n["id"] for n in g["nodes"]}
    assert f"project:{mine}" in ids and "model_weight:s3://m/mine.pt" in ids
    assert f"session:{mixed}" in ids and "dataset:s3://shared/labels" in ids
    assert not [n for n in ids if str(theirs) in n or "theirs" in n]
    assert all(e["source"] in ids and e["target"] in ids for e in g["edges"])
    mine_nodes = {n for n in ids if n.startswith((f"project:{mine}", f"version:{mine}@"))}
    for session in (n for n in ids if n.startswith("session:")):
        touching = {e["source"] for e in g["edges"] if e["target"] == session} | {
            e["target"] for e in g["edges"] if e["source"] == session}
        assert touching & mine_nodes, session
    up = api.client.get(f"{API}/workflow/upstream", params={"node": f"session:{mixed}"},
                        headers=reader).json()
    assert {n["id"] for n in up["nodes"]} == {f"session:{mixed}", f"project:{mine}"}
    shared = api.client.get(f"{API}/workflow/downstream",
                            params={"node": "dataset:s3://shared/labels"}, headers=reader)
    assert "theirs" not in shared.text and "mine.pt" in shared.text
    for path in ("/workflow/openlineage", "/workflow/svg", "/workflow/export?format=dot"):
        text = api.client.get(API + path, headers=reader).text
        assert str(mine) in text or "mine" in text
        assert str(theirs) not in text and "theirs" not in text, path
    full = api.client.get(f"{API}/workflow/export", headers=api.token("auditor")).text
    assert str(theirs) in full and "theirs.pt" in full


def test_media_by_hash_is_served_to_a_limited_token_only_for_its_items(
        api: Api, two: tuple[UUID, UUID]) -> None:
    import io

    from tests.e2e.conftest import png_bytes

    mine, theirs = two
    ds = {p: api.ledger.projects.get(p).meta.dataset_by_path("ds") for p in two}
    shas = {}
    for p, color in ((mine, "green"), (theirs, "yellow")):
        d = ds[p]
        assert d is not None
        item = api.ledger.annotations.upload_file(p, d.id, "f.png",
                                                  io.BytesIO(png_bytes(color=color)), CTX).id
        shas[p] = api.ledger.items.get(item).media.sha256
    reader = api.token("auditor", mine)
    assert api.client.get(f"{API}/media/{shas[mine]}", headers=reader).status_code == 200
    other = api.client.get(f"{API}/media/{shas[theirs]}", headers=reader)
    _same_problem(other, api.client.get(f"{API}/media/{'e' * 64}", headers=reader),
                  shas[theirs], "e" * 64)
    assert other.status_code == 404
    assert api.client.get(f"{API}/media/{shas[theirs]}",
                          headers=api.token("auditor")).status_code == 200
