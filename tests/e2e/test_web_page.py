"""The web page is served, and the stats it draws add up."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from tests.e2e.conftest import Api


def test_the_page_is_served_at_the_root(api: Api) -> None:
    r = api.client.get("/")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    assert "/assets/web/app.js" in r.text and "Create version" in r.text
    script = api.client.get("/assets/web/app.js")
    assert script.status_code == 200 and "/api/v1" in script.text


def test_stats_count_objects_per_class_as_the_project_holds_them(api: Api, demo: UUID) -> None:
    stats = api.get(f"/projects/{demo}/stats").json()
    state = api.ledger.versions.state_of(demo, "current")
    titles = {c.id: c.title for c in state.meta.classes.values()}
    expected = Counter(titles[o.class_id] for i in state.items.values() for o in i.objects)
    by_title = {c["title"]: c["objects"] for c in stats["classes"] if c["objects"]}
    assert by_title == dict(expected)
    assert sum(by_title.values()) == stats["objects"] == state.object_count
