"""/api/v1/sessions and /api/v1/workflow: the story told over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.values import Context
from tests.conftest import DEMO
from tests.e2e.conftest import Api

MODEL, REPORT = "s3://models/yolo.pt", "s3://reports/eval.html"
pytestmark = pytest.mark.timeout(120)


def _session(api: Api, app: str, kind: str, inputs: list[dict[str, str]],
             outputs: list[dict[str, str]], status: str = "succeeded") -> dict[str, Any]:
    started = api.post("/sessions", json={"app": app, "kind": kind, "inputs": inputs})
    assert started.status_code == 201, started.json()
    sid = started.json()["id"]
    for node in outputs:
        assert api.post(f"/sessions/{sid}/outputs", json=node).status_code == 201
    assert api.post(f"/sessions/{sid}/progress", json={"done": 1, "total": 1}).status_code == 200
    finished = api.post(f"/sessions/{sid}/finish", json={"status": status})
    assert finished.status_code == 200
    return dict(finished.json())


def _story(api: Api) -> dict[str, Any]:
    project = api.ledger.imports.from_files("supervisely", DEMO, Context("ops"),
                                            name="cats").project
    assert api.post("/projects/cats/versions", json={"title": "first"}).status_code == 201
    split = _session(api, "split", "split", [{"type": "project", "ref": "cats"}],
                     [{"type": "dataset", "ref": "cats/train", "title": "train"}])
    train = _session(api, "yolo", "training", [{"type": "project", "ref": str(project)},
                                               {"type": "dataset", "ref": "cats/train"}],
                     [{"type": "model_weight", "ref": MODEL}])
    evaluation = _session(api, "eval", "evaluation", [{"type": "model_weight", "ref": MODEL}],
                          [{"type": "report", "ref": REPORT}], status="failed")
    return {"project": project, "split": split, "train": train, "eval": evaluation}


def test_sessions_over_http_record_inputs_outputs_and_status(api: Api) -> None:
    story = _story(api)
    train = story["train"]
    assert train["inputs"][0]["type"] == "project_version"
    assert train["inputs"][0]["ref"] == f"{story['project']}@1"
    assert (train["status"], train["progress"]["done"]) == ("succeeded", 1)
    assert api.get(f"/sessions/{train['id']}").json() == train
    listed = api.get("/sessions", params={"kind": "training"}).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == train["id"]
    late = api.post(f"/sessions/{train['id']}/outputs", json={"type": "file", "ref": "x"})
    assert late.status_code == 409
    bad = api.post("/sessions", json={"app": "a", "kind": "painting"})
    assert bad.status_code == 422
    assert api.get(f"/sessions/{story['project']}").status_code == 404


def test_workflow_over_http_answers_queries_pictures_and_exports(api: Api) -> None:
    story = _story(api)
    up = api.get("/workflow/upstream", params={"node": f"report:{REPORT}"}).json()
    kinds = sorted({n["kind"] for n in up["nodes"]})
    assert kinds == ["dataset", "folder", "model_weight", "project", "report", "session",
                     "version"]
    down = api.get("/workflow/downstream", params={"node": "cats@1", "depth": 2}).json()
    assert {e["key"] for e in down["edges"]} == {"input", "output"}
    trained = api.get("/workflow/trained-on", params={"project": "cats",
                                                      "item": "ds/cat1.jpg"}).json()["data"]
    assert [t["model"]["id"] for t in trained] == [f"model_weight:{MODEL}"]
    prov = api.get("/workflow/provenance", params={"node": f"model_weight:{MODEL}"}).json()
    assert prov["trained_on"] == [f"version:{story['project']}@1"]
    svg = api.get("/workflow/svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.count('class="node session') == 5
    for fmt, start in (("json", "{"), ("graphml", "<graphml"), ("mermaid", "flowchart LR"),
                       ("dot", "digraph")):
        answer = api.get("/workflow/export", params={"format": fmt})
        assert answer.status_code == 200 and start in answer.text[:300]
    past = api.get("/workflow/export", params={"asOf": "2001-01-01T00:00:00Z"}).json()
    assert past["nodes"] == []
    assert api.get("/workflow/upstream", params={"node": "nothing"}).status_code == 404
    assert api.get("/workflow/svg", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_workflow_answers_over_http_are_true_in_time_and_nearest_first(api: Api) -> None:
    project = api.ledger.imports.from_files("supervisely", DEMO, Context("ops"),
                                            name="cats").project
    assert api.post("/projects/cats/versions", json={"title": "first"}).status_code == 201
    dog3 = api.ledger.projects.resolve_item(project, "ds/dog3.jpg")
    api.ledger.items.remove(dog3, Context("ops"))
    train = _session(api, "yolo", "training", [{"type": "project", "ref": "cats"}],
                     [{"type": "model_weight", "ref": MODEL}])
    trained = datetime.now(UTC).isoformat()
    assert api.post("/projects/cats/versions/1/revert").status_code == 200
    late = _session(api, "late-fix", "labeling_job", [{"type": "project", "ref": "cats"}],
                    [{"type": "project", "ref": "cats"}])

    prov = api.get("/workflow/provenance", params={"node": f"model_weight:{MODEL}"}).json()
    assert [v["id"] for v in prov["versions"]] == [f"version:{project}@2"]
    assert [s["app"] for s in prov["sessions"]] == ["yolo", "annoledger import supervisely"]
    assert [n["distance"] for n in prov["came_from"]] == [1, 2, 4]
    assert api.get("/workflow/provenance", params={"node": f"model_weight:{MODEL}",
                                                   "asOf": trained}).json() == prov
    up = api.get("/workflow/upstream", params={"node": "cats@2"}).json()
    assert [n["distance"] for n in up["nodes"]] == sorted(n["distance"] for n in up["nodes"])
    assert f"session:{late['id']}" not in {n["id"] for n in up["nodes"]}
    assert all(e["at"] for e in up["edges"])
    down = api.get("/workflow/downstream", params={"node": "cats@1"}).json()
    ids = [n["id"] for n in down["nodes"]]
    assert ids[0] == f"version:{project}@1" and f"session:{late['id']}" in ids
    assert f"session:{train['id']}" not in ids and f"model_weight:{MODEL}" not in ids
    before = api.get("/workflow/downstream", params={"node": "cats@1", "asOf": trained}).json()
    assert f"session:{late['id']}" not in {n["id"] for n in before["nodes"]}
    svg = api.get("/workflow/svg", params={"node": "cats@1", "asOf": trained}).text
    assert "late-fix" not in svg and "late-fix" in api.get("/workflow/svg").text
