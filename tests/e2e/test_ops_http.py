"""POST /api/v1/projects/{p}/operations on SQLite and PostgreSQL: who may run what, the
run's answer, and refusals naming the parameter with nothing written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.settings import Settings
from tests.e2e.conftest import Api


def test_a_manager_runs_an_operation_into_a_new_project(api: Api, demo: UUID) -> None:
    r = api.post(f"/projects/{demo}/operations", json={
        "operation": "split", "params": {"parts": {"train": 0.5, "val": 0.5}}, "seed": 7})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"session", "project", "source_version", "items", "objects"}
    assert body["source_version"] == 2 and body["items"] == 6  # the demo's latest version
    project = api.get(f"/projects/{body['project']}").json()
    assert project["name"] == "demo · split"
    session = api.get(f"/sessions/{body['session']}").json()
    assert session["parameters"]["seed"] == 7
    assert session["parameters"]["params"]["parts"] == {"train": 0.5, "val": 0.5}
    again = api.ledger.operations.rerun(UUID(body["session"]), api.ledger.core.ctx("t"))
    assert (api.ledger.projects.view(again.project).digest
            == api.ledger.projects.view(UUID(body["project"])).digest)


def test_rights_and_scopes(api: Api, demo: UUID) -> None:
    other = api.ledger.versions.restore(demo, 1, api.ledger.core.ctx("t"), name="other")
    body = {"operation": "subsample", "params": {"count": 3}, "in_place": True}
    annotator = api.token("annotator")
    assert api.post(f"/projects/{demo}/operations", json=body,
                    headers=annotator).status_code == 403
    scoped = api.token("manager", demo)
    elsewhere = api.post(f"/projects/{other}/operations", json=body, headers=scoped)
    missing = api.post("/projects/00000000-0000-4000-8000-000000000001/operations", json=body,
                       headers=scoped)
    assert elsewhere.status_code == missing.status_code == 404
    new = api.post(f"/projects/{demo}/operations", json={**body, "in_place": False},
                   headers=scoped)
    assert new.status_code == 403 and "new project" in new.json()["detail"]
    done = api.post(f"/projects/{demo}/operations", json=body, headers=scoped)
    assert done.status_code == 201 and done.json()["project"] == str(demo)
    assert api.ledger.projects.view(demo).items == 3


def test_a_bad_parameter_is_422_naming_it_and_writes_nothing(api: Api, demo: UUID) -> None:
    before = api.position(demo)
    projects = len(api.get("/projects").json()["data"])
    for body, field in (
            ({"operation": "split", "params": {"parts": "train=0.7"}}, "parts"),
            ({"operation": "filter", "params": {"where": "count(class='yak') > 1"}}, "where"),
            ({"operation": "merge", "params": {"datasets": ["ds"]}}, "into"),
            ({"operation": "fold", "params": {}}, "operation"),
            ({"operation": "subsample", "params": {"count": 2}, "version": 9}, None)):
        r = api.post(f"/projects/{demo}/operations", json=body)
        assert r.status_code in (404, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        if field is not None:
            assert r.status_code == 422 and field in r.text, r.text
    assert api.position(demo) == before
    assert len(api.get("/projects").json()["data"]) == projects


def test_pixel_operations_run_over_http_on_the_images(api: Api, demo: UUID,
                                                      api_settings: Settings) -> None:
    def run(project: str | UUID, operation: str, params: dict[str, object]) -> dict[str, Any]:
        r = api.post(f"/projects/{project}/operations",
                     json={"operation": operation, "params": params, "seed": 5})
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    augmented = run(demo, "augment", {"pipeline": "fliplr;blur:1"})
    assert augmented["items"] == 12  # the 6 images and one augmented copy of each
    stored = [p for p in api_settings.media_root.rglob("*") if p.is_file()]
    assert len(stored) == 6
    as_bitmaps = run(augmented["project"], "convert", {"class": "dog2", "shape": "bitmap"})
    rasterized = run(as_bitmaps["project"], "rasterize", {})
    classes = api.get(f"/projects/{rasterized['project']}/classes").json()["data"]
    shapes = {c["title"]: c["shape"] for c in classes}
    assert (shapes["cat"], shapes["dog2"], shapes["dog"]) == ("bitmap", "bitmap", "cuboid")
