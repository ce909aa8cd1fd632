"""The OpenAPI document is a contract the server keeps: every error status an operation
can answer is documented with the problem+json body, If-Match is required where a change
needs it, and request booleans are booleans (not 0, "yes" or "1")."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest

from tests.e2e.conftest import API, Api, first_item

PROBLEM = "application/problem+json"
PROBLEM_BODY = {"schema": {"$ref": "#/components/schemas/ProblemPublic"}}
READS = {"get", "head"}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items()
            for method, op in ops.items()]


def documented(spec: dict[str, Any], method: str, path: str) -> set[int] | None:
    """The statuses the schema documents for a concrete request; None if no operation
    matches it. A literal segment wins over a parameter, as in routing."""
    found: list[tuple[int, set[int]]] = []
    for template, ops in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if method.lower() in ops and re.match(pattern, API + path.split("?")[0]):
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            found.append((literal, {int(s) for s in ops[method.lower()]["responses"]}))
    return max(found, key=lambda f: f[0])[1] if found else None


def _if_match(op: dict[str, Any]) -> dict[str, Any] | None:
    return next((p for p in op.get("parameters", ())
                 if p["in"] == "header" and p["name"] == "If-Match"), None)


@pytest.fixture
def spec(api: Api) -> dict[str, Any]:
    schema: dict[str, Any] = api.client.get("/openapi.json").json()
    return schema


def test_every_error_status_carries_the_problem_body(spec: dict[str, Any]) -> None:
    assert "ProblemPublic" in spec["components"]["schemas"]
    wrong = [f"{m.upper()} {p} {s}: {r.get('content')}"
             for m, p, op in operations(spec) for s, r in op["responses"].items()
             if s.startswith("4") and r.get("content") != {PROBLEM: PROBLEM_BODY}]
    assert not wrong, "\n".join(wrong)
    assert not [(m, p) for m, p, op in operations(spec)
                if "default" in op["responses"] or any(s.startswith("5")
                                                       for s in op["responses"])]


def test_statuses_follow_from_what_each_operation_takes(spec: dict[str, Any]) -> None:
    wrong = []
    for method, path, op in operations(spec):
        statuses = {int(s) for s in op["responses"]}
        bearer = any("bearer" in s for s in op.get("security", ()))
        if_match = _if_match(op)
        expect = {401: bearer, 428: if_match is not None, 412: if_match is not None
                  or (path.endswith("/versions") and method == "post")}
        if "requestBody" in op:
            expect |= {400: True, 413: True, 422: True}
        if method in READS:
            expect |= {409: False, 413: False, 428: False}
        if "{project}" in path:
            expect |= {403: True, 404: True}
        wrong += [f"{method.upper()} {path}: {status} {'missing' if want else 'extra'}"
                  for status, want in expect.items() if (status in statuses) != want]
        if if_match is not None and not if_match["required"]:
            wrong.append(f"{method.upper()} {path}: If-Match is not required")
    assert not wrong, "\n".join(wrong)
    me = {int(s) for s in spec["paths"][f"{API}/me"]["get"]["responses"]}
    assert me == {200, 401}  # any valid token may ask who it is: no 403, nothing to refuse


def test_a_change_without_if_match_answers_428_on_every_operation_that_requires_it(
        api: Api, demo: UUID, spec: dict[str, Any]) -> None:
    item, tag = first_item(api, demo)
    objects = api.get(f"/projects/{demo}/items/{item}/objects").json()
    real = {"project": str(demo), "item": item, "object": str(objects[0]["id"]),
            "tag_id": str(api.get(f"/projects/{demo}/tags").json()["data"][0]["id"])}
    requiring = [(m, p) for m, p, op in operations(spec) if _if_match(op)]
    assert len(requiring) >= 8
    for method, template in requiring:
        path = re.sub(r"\{([^}]+)\}", lambda g: real[g.group(1)], template)
        r = api.client.request(method.upper(), path, headers=api.admin)
        assert r.status_code == 428, (method, path, r.text)
        assert r.headers["content-type"] == PROBLEM and r.json()["field"] == "If-Match"
    assert api.get(f"/projects/{demo}/items/{item}").headers["ETag"] == tag  # nothing changed
    oid = objects[0]["id"]
    stale = api.delete(f"/projects/{demo}/items/{item}/objects/{oid}",
                       headers={"If-Match": '"999"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == tag
    assert 412 in (documented(spec, "DELETE", f"/projects/{demo}/items/{item}/objects/{oid}")
                   or set())


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", None, [], {}])
def test_a_request_boolean_must_be_a_json_boolean(api: Api, value: Any) -> None:
    r = api.post("/sessions", json={"app": "train", "kind": "training", "auto_version": value})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "body.auto_version"
    ok = api.post("/sessions", json={"app": "train", "kind": "training", "auto_version": True})
    assert ok.status_code == 201 and ok.json()["auto_version"] is True


@pytest.mark.parametrize("value", ["0", "1", "yes", "on", "True", "t", ""])
def test_a_query_boolean_is_spelled_true_or_false(api: Api, demo: UUID, value: str) -> None:
    for path, name in ((f"/projects/{demo}/versions/1/diff/2", "per_item"),
                       (f"/projects/{demo}/versions/1/export", "media")):
        r = api.get(path, params={name: value})
        assert r.status_code == 422 and r.json()["field"] == f"query.{name}", r.text
    diff = api.get(f"/projects/{demo}/versions/1/diff/2", params={"per_item": "true"})
    assert diff.status_code == 200 and "per_item" in diff.json()["objects"]


def test_references_named_in_a_body_or_query_are_documented_when_missing(
        api: Api, spec: dict[str, Any]) -> None:
    """Global routes take project and node names in bodies and queries: a 404 for them is
    part of the contract too."""
    session = {"app": "a", "kind": "training",
               "inputs": [{"type": "project", "ref": "no-such-project"}]}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/sessions", {"json": session}),
        ("POST", "/tokens", {"json": {"role": "auditor", "project": "no-such-project"}}),
        ("GET", "/audit?project=no-such-project", {}),
        ("GET", "/workflow/upstream?node=no-such-node", {}),
        ("GET", "/lineage?nodeId=dataset:ns:no-such-node", {})]
    for method, path, kwargs in calls:
        r = api.request(method, path, **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert 404 in (documented(spec, method, path) or ()), (method, path)


@pytest.mark.parametrize("value", [str(2**63), str(-1)])
def test_an_out_of_range_id_filter_is_refused_not_a_server_error(
        api: Api, demo: UUID, value: str) -> None:
    r = api.get(f"/projects/{demo}/items", params={"dataset_id": value})
    assert r.status_code == 422 and r.json()["field"] == "query.dataset_id", r.text


@pytest.mark.parametrize("value", [False, True, "2", 2.5])
def test_a_request_integer_must_be_a_json_integer(api: Api, value: Any) -> None:
    session = api.post("/sessions", json={"app": "a", "kind": "other"}).json()["id"]
    r = api.post(f"/sessions/{session}/progress", json={"done": 1, "total": value})
    assert r.status_code == 422, r.text
    assert "total" in r.text


@pytest.mark.parametrize("path, kind", [
    ("/workflow/export?format=json", "application/json"),
    ("/workflow/export?format=graphml", "application/graphml+xml"),
    ("/workflow/openlineage", "application/x-ndjson"),
])
def test_an_export_answers_with_a_documented_content_type(
    api: Api, spec: dict[str, Any], path: str, kind: str
) -> None:
    r = api.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == kind
    route = path.split("?")[0]
    assert kind in spec["paths"][API + route]["get"]["responses"]["200"]["content"]
