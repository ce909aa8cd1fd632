"""What the web page asks of the API beyond the rest: an annotation at a version, the
audit as one CSV file, and the page and docs assets served from this machine."""

from __future__ import annotations

import csv
import io
from uuid import UUID

from domain.values import Context
from interfaces.csv_cells import AUDIT_COLUMNS
from tests.e2e.conftest import Api


def cat1(api: Api, project: UUID) -> str:
    page = api.get(f"/projects/{project}/items?name=cat1.jpg").json()["data"]
    return str(page[0]["id"])


def test_an_annotation_at_a_version_is_as_it_stood_then(api: Api, demo: UUID) -> None:
    item = cat1(api, demo)
    now = api.get(f"/projects/{demo}/items/{item}/annotation")
    then = api.get(f"/projects/{demo}/items/{item}/annotation?version=1")
    assert now.status_code == then.status_code == 200
    # The demo's v2 tightened the box by 5 px on each side.
    assert then.json()["objects"][0]["points"]["exterior"] == [[501, 18], [1536, 1868]]
    assert now.json()["objects"][0]["points"]["exterior"] == [[506, 23], [1531, 1863]]
    assert then.headers["ETag"] != now.headers["ETag"]
    assert api.get(f"/projects/{demo}/items/{item}/annotation?version=2").json() == now.json()


def test_an_annotation_at_a_missing_version_or_of_another_project_is_not_found(
        api: Api, demo: UUID) -> None:
    item = cat1(api, demo)
    missing = api.get(f"/projects/{demo}/items/{item}/annotation?version=9")
    assert missing.status_code == 404
    assert api.get(f"/projects/{demo}/items/{item}/annotation?version=0").status_code == 422
    other = UUID(api.post("/projects", json={"name": "other"}).json()["id"])
    limited = api.token("annotator", other)
    r = api.get(f"/projects/{demo}/items/{item}/annotation?version=1", headers=limited)
    assert r.status_code in (403, 404)
    assert "points" not in r.text


def test_the_audit_csv_holds_every_matching_row_and_defuses_formulas(
        api: Api, demo: UUID) -> None:
    secret = api.ledger.tokens.issue("manager", Context("tests"), name="=HYPERLINK(1)").secret
    made = api.post(f"/projects/{demo}/datasets", json={"name": "more"},
                    headers={"Authorization": f"Bearer {secret}"})
    assert made.status_code == 201
    rows = api.get("/audit", params={"project": str(demo), "limit": 1000}).json()["data"]
    r = api.get("/audit.csv", params={"project": str(demo)})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(r.text)))
    assert tuple(table[0]) == AUDIT_COLUMNS
    assert len(table) - 1 == len(rows) > 0
    assert not any(cell.startswith("=") for line in table for cell in line)
    assert any("'=HYPERLINK(1)" in cell for line in table for cell in line)


def test_the_audit_csv_of_a_limited_token_holds_only_its_project(
        api: Api, demo: UUID) -> None:
    other = UUID(api.post("/projects", json={"name": "elsewhere"}).json()["id"])
    auditor = api.token("auditor", other)
    mine = list(csv.DictReader(io.StringIO(api.get("/audit.csv", headers=auditor).text)))
    assert mine and {row["project_id"] for row in mine} == {str(other)}
    named = api.get("/audit.csv", params={"project": str(demo)}, headers=auditor)
    assert named.status_code == 404
    assert api.get("/audit.csv", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_page_and_docs_assets_are_served_here(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200 and "/assets/web/app.js" in page.text
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "/assets/docs/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in page.text
    for path in ("/assets/web/app.js", "/assets/web/app.css",
                 "/assets/docs/swagger-ui-bundle.js", "/assets/docs/swagger-ui.css"):
        r = api.client.get(path)
        assert r.status_code == 200 and len(r.content) > 1000, path
    assert api.client.get("/assets/web/../__init__.py").status_code == 404
    assert api.client.get("/redoc").status_code == 404


def test_versions_carry_their_counts(api: Api, demo: UUID) -> None:
    listed = api.get(f"/projects/{demo}/versions").json()["data"]
    assert [(v["items"], v["objects"]) for v in listed] == [(6, 9), (6, 9)]
    made = api.post(f"/projects/{demo}/datasets", json={"name": "empty"})
    assert made.status_code == 201
    item = cat1(api, demo)
    etag = api.get(f"/projects/{demo}/items/{item}").headers["ETag"]
    assert api.delete(f"/projects/{demo}/items/{item}",
                      headers={"If-Match": etag}).status_code == 204
    v3 = api.post(f"/projects/{demo}/versions", json={"title": "fewer"}).json()
    assert (v3["items"], v3["objects"]) == (5, 8)
    assert api.get(f"/projects/{demo}/versions/3").json()["items"] == 5
