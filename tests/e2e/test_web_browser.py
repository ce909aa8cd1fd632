"""The web page clicked through in headless Chromium against a real ``annoledger serve``.

Each flow runs at a 1400 px and an 800 px wide window, takes screenshots
(``ANNOLEDGER_SCREENSHOTS=DIR`` keeps them), and fails on a console error, a request
leaving the machine, or a page wider than its window.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from interfaces.csv_cells import AUDIT_COLUMNS
from tests.e2e.browser import (
    WIDTHS,
    Watched,
    browser,
    require_chromium,
    screenshots_dir,
    watched_page,
)
from tests.e2e.live_server import free_port, live_server, wait_ready

pytestmark = pytest.mark.slow


@dataclass
class Server:
    base: str
    token: str
    http: httpx.Client

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.http.request(method, f"/api/v1{path}", **kwargs)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def demo(self) -> dict[str, Any]:
        return next(p for p in self.api("GET", "/projects")["data"] if p["name"] == "demo")


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    port = free_port()
    with live_server(f"sqlite:///{folder}/ledger.db", port) as proc:
        assert proc.stdout is not None
        proc.stdout.readline()
        token = proc.stdout.readline().strip().split(": ", 1)[1]
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/api/v1", token, proc)
        with httpx.Client(base_url=base, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            yield Server(base, token, http)


@pytest.fixture(scope="module")
def chrome(chromium: str) -> Iterator[Any]:
    with browser(chromium) as b:
        yield b


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def page(request: pytest.FixtureRequest, chrome: Any) -> Iterator[Watched]:
    with watched_page(chrome, request.param) as watched:
        yield watched
        watched.check()


def sign_in(w: Watched, server: Server, project: str = "demo") -> None:
    w.page.goto(server.base + "/")
    w.page.get_by_label("Token").fill(server.token)
    w.page.get_by_role("button", name="Sign in").click()
    w.page.get_by_role("heading", name="demo", exact=True).wait_for()  # the first project
    w.page.get_by_role("button", name=project).first.click()
    w.page.get_by_role("heading", name=project, exact=True).wait_for()
    w.page.wait_for_load_state("networkidle")


def fits(w: Watched) -> None:
    width = w.page.viewport_size["width"]
    assert w.page_width() <= width, f"the page is {w.page_width()} px wide in {width} px"


def shot(w: Watched, tmp_path: Path, name: str) -> None:
    fits(w)
    width = w.page.viewport_size["width"]
    w.page.screenshot(path=screenshots_dir(tmp_path) / f"{name}-{width}.png", full_page=True)


def test_sign_in_shows_who_and_the_projects(page: Watched, server: Server,
                                            tmp_path: Path) -> None:
    page.page.goto(server.base + "/")
    page.page.get_by_label("Token").fill("al_not-a-token")
    page.expect_error("401")
    page.page.get_by_role("button", name="Sign in").click()
    page.page.get_by_role("alert").get_by_text("not valid").wait_for()
    sign_in(page, server)
    assert "admin" in page.page.locator("#whoami").inner_text()
    shot(page, tmp_path, "signed-in")


def test_create_version_refuses_an_unchanged_project_then_records_a_change(
        page: Watched, server: Server, tmp_path: Path) -> None:
    demo = server.demo()
    # Whatever earlier flows did, make the project equal to a version first.
    made = server.http.post(f"/api/v1/projects/{demo['id']}/versions", json={})
    assert made.status_code in (201, 409), made.text
    sign_in(page, server)
    p = page.page
    assert "6 · 9" in p.locator("#versions tbody tr").last.inner_text()  # v1's counts
    page.expect_error("409")
    p.get_by_role("button", name="Create version").click()
    p.get_by_text("Not created").wait_for()
    shot(page, tmp_path, "create-refused")
    width = p.viewport_size["width"]
    server.api("POST", f"/projects/{demo['id']}/datasets", json={"name": f"more-{width}"})
    p.get_by_label("Title").fill(f"with more-{width}")
    p.get_by_label("Description").fill("a dataset added for the next batch")
    p.get_by_role("button", name="Create version").click()
    p.get_by_text("Created v").wait_for()
    p.get_by_role("cell", name=f"with more-{width}").wait_for()
    versions = server.api("GET", f"/projects/{demo['id']}/versions")["data"]
    assert versions[-1]["title"] == f"with more-{width}"
    assert versions[-1]["description"] == "a dataset added for the next batch"
    shot(page, tmp_path, "created")


def test_compare_draws_the_changed_item_before_and_after(page: Watched, server: Server,
                                                         tmp_path: Path) -> None:
    sign_in(page, server)
    p = page.page
    p.get_by_label("From", exact=True).select_option("1")
    p.get_by_label("To", exact=True).select_option("current")
    p.get_by_role("button", name="Compare", exact=True).click()
    p.get_by_role("heading", name="Changed items").wait_for()
    p.get_by_role("button", name="ds/cat1.jpg").click()
    before = p.get_by_role("img", name="ds/cat1.jpg at v1")
    after = p.get_by_role("img", name="ds/cat1.jpg at now")
    before.wait_for()
    after.wait_for()
    # The tightened box is marked as changed on both sides, and sits elsewhere.
    box_a = before.locator('g[stroke="#f29900"] rect')
    box_b = after.locator('g[stroke="#f29900"] rect')
    assert box_a.count() == box_b.count() == 1
    assert box_a.get_attribute("x") == "501" and box_b.get_attribute("x") == "506"
    assert before.locator("image").first.get_attribute("href", timeout=5000).startswith("blob:")
    shot(page, tmp_path, "compare")


def test_restore_chosen_datasets_into_a_named_project(page: Watched, server: Server,
                                                      tmp_path: Path) -> None:
    sign_in(page, server)
    p = page.page
    name = f"demo restored at {p.viewport_size['width']}"
    p.get_by_role("button", name="Restore v1").click()
    p.get_by_label("Name of the new project").fill(name)
    p.get_by_label("ds", exact=True).check()
    p.get_by_role("button", name="Restore", exact=True).click()
    p.get_by_text(f"Restored v1 as {name}").wait_for()
    restored = next(x for x in server.api("GET", "/projects?limit=200")["data"]
                    if x["name"] == name)
    demo = server.demo()
    v1 = server.api("GET", f"/projects/{demo['id']}/versions/1")
    assert restored["digest"] == v1["digest"]
    assert restored["items"] == 6
    shot(page, tmp_path, "restored")


def test_revert_asks_for_confirmation_then_brings_the_version_back(
        page: Watched, server: Server, tmp_path: Path) -> None:
    demo = server.demo()
    server.api("POST", f"/projects/{demo['id']}/datasets",
               json={"name": f"to-revert-{page.page.viewport_size['width']}"})
    sign_in(page, server)
    p = page.page
    p.get_by_role("button", name="Revert to v2").click()
    p.get_by_role("button", name="Confirm revert to v2").click()
    p.get_by_text("Reverted to v2").wait_for()
    v2 = server.api("GET", f"/projects/{demo['id']}/versions/2")
    assert server.demo()["digest"] == v2["digest"]
    shot(page, tmp_path, "reverted")


def test_item_viewer_draws_the_item_now_and_at_a_version(page: Watched, server: Server,
                                                         tmp_path: Path) -> None:
    sign_in(page, server)
    p = page.page
    p.get_by_role("tab", name="Items").click()
    p.get_by_role("button", name="ds/cat1.jpg").click()
    drawn = p.get_by_role("img", name="ds/cat1.jpg with its objects")
    drawn.wait_for()
    assert drawn.locator("rect").get_attribute("x") == "506"
    p.get_by_role("cell", name="uploaded ds/cat1.jpg: 1 object, 0 tags").wait_for()
    shot(page, tmp_path, "item-now")
    p.get_by_label("At", exact=True).select_option("1")
    p.get_by_role("button", name="ds/cat1.jpg").click()
    p.get_by_text("at v1").wait_for()
    assert p.get_by_role("img", name="ds/cat1.jpg with its objects").locator(
        "rect").get_attribute("x") == "501"
    shot(page, tmp_path, "item-v1")


def test_a_project_without_versions_offers_no_compare(page: Watched, server: Server) -> None:
    name = f"empty {page.page.viewport_size['width']}"
    server.api("POST", "/projects", json={"name": name})
    sign_in(page, server, name)
    p = page.page
    p.get_by_text("Create a version to compare it with now.").wait_for()
    assert p.get_by_role("button", name="Compare", exact=True).is_disabled()
    p.get_by_text("No versions yet: create one above.").wait_for()


def test_workflow_map_stays_legible_at_a_hundred_sessions(page: Watched, server: Server,
                                                          tmp_path: Path) -> None:
    demo = server.demo()
    if len(server.api("GET", "/sessions?limit=200")["data"]) < 100:
        for n in range(100):
            app = ("exporter", "labeling job", "trainer")[n % 3] if n >= 60 else "trainer"
            s = server.api("POST", "/sessions", json={
                "app": app, "kind": "training" if app == "trainer" else "export",
                "parameters": {"epochs": n}, "inputs": [
                    {"type": "project_version", "ref": f"{demo['id']}@1"}]})
            server.api("POST", f"/sessions/{s['id']}/outputs",
                       json={"type": "model_weight", "ref": f"weights-{n}.pt"})
            server.api("POST", f"/sessions/{s['id']}/finish", json={})
    sign_in(page, server)
    p = page.page
    p.get_by_role("tab", name="Workflow").click()
    svg = p.get_by_role("img", name="Workflow of demo")
    svg.wait_for()
    boxes = svg.locator("a.node rect")
    # 100 sessions (three operations on v1), the demo's import and what earlier flows ran
    # (restores, reverts): one node per operation and input.
    assert 0 < boxes.count() <= 10, "repeated sessions are grouped"
    assert svg.locator("a.node", has_text="trainer").first.text_content()
    p.get_by_role("link", name="trainer, 73 sessions").click()
    p.get_by_role("region", name="Workflow node").get_by_text('"epochs":98').wait_for()
    overlaps = p.evaluate("""() => {
      const rects = [...document.querySelectorAll('#workflow a.node rect')].map((r) => r.getBBox());
      const inside = (pt, r) => pt.x > r.x && pt.x < r.x + r.width
        && pt.y > r.y && pt.y < r.y + r.height;
      const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
        && a.y < b.y + b.height && b.y < a.y + a.height;
      let n = 0;
      rects.forEach((a, i) => rects.slice(i + 1).forEach((b) => { if (hit(a, b)) n++; }));
      const crossing = [...document.querySelectorAll('#workflow path[d^="M"]')].filter((path) => {
        const len = path.getTotalLength();
        const start = path.getPointAtLength(0);
        const own = rects.find((r) => Math.abs(r.x + r.width / 2 - start.x) < 1);
        for (let t = 2; t < len - 2; t += 2) {
          const pt = path.getPointAtLength(t);
          if (rects.some((r) => r !== own && inside(pt, r))) return true;
        }
        return false;
      }).length;
      return {n, crossing};
    }""")
    assert overlaps == {"n": 0, "crossing": 0}
    shot(page, tmp_path, "workflow")


def test_audit_search_filters_pages_and_downloads_csv(page: Watched, server: Server,
                                                      tmp_path: Path) -> None:
    demo = server.demo()
    sign_in(page, server)
    p = page.page
    p.get_by_role("tab", name="Audit").click()
    p.get_by_label("Event type").fill("Item.ObjectGeometryChanged")
    p.get_by_role("button", name="Search").click()
    p.wait_for_function("""() => { const cells = [...document.querySelectorAll(
      '#audit tbody tr td:nth-child(3)')]; return cells.length > 0 && cells.every(
      (td) => td.textContent === 'Item.ObjectGeometryChanged'); }""")
    types = p.locator("#audit tbody tr td:nth-child(3)").all_inner_texts()
    assert types and set(types) == {"Item.ObjectGeometryChanged"}
    with p.expect_download() as download:
        p.get_by_role("button", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert tuple(rows[0]) == AUDIT_COLUMNS
    expected = server.api("GET", "/audit", params={
        "project": demo["id"], "type": "Item.ObjectGeometryChanged", "limit": 1000})["data"]
    assert len(rows) - 1 == len(expected)
    shot(page, tmp_path, "audit")
    p.get_by_label("Event type").fill("")
    p.get_by_role("button", name="Search").click()
    p.get_by_text("rows 1–").wait_for()
    if not p.get_by_role("button", name="Older").is_disabled():
        p.get_by_role("button", name="Older").click()
        p.get_by_text("rows 51–").wait_for()


def test_every_control_is_reached_by_keyboard(page: Watched, server: Server) -> None:
    sign_in(page, server)
    p = page.page
    p.get_by_role("tab", name="Versions").focus()
    p.keyboard.press("ArrowRight")
    assert p.get_by_role("tab", name="Items").get_attribute("aria-selected") == "true"
    p.keyboard.press("ArrowLeft")
    p.get_by_label("Title").focus()
    seen = set()
    for _ in range(40):
        p.keyboard.press("Tab")
        seen.add(p.evaluate("document.activeElement.getAttribute('aria-label') || "
                            "document.activeElement.textContent.trim()"))
    assert {"Create version", "Restore v1", "Revert to v1", "Compare"} <= seen


def test_api_docs_work_offline(page: Watched, server: Server, tmp_path: Path) -> None:
    page.page.goto(server.base + "/docs")
    page.page.locator(".swagger-ui .information-container").wait_for()
    assert page.page.title() == "annoledger API"
    shot(page, tmp_path, "docs")
