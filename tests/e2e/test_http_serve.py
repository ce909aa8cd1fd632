"""``annoledger serve``: a fresh database gets the demo project with two versions and an
admin token printed once; a database in use gets neither."""

from __future__ import annotations

import httpx

from application.settings import Settings
from interfaces.composition import build_ledger
from interfaces.http.server import prepare
from tests.e2e.live_server import free_port, live_server, wait_ready


def test_serve_seeds_the_demo_and_prints_an_admin_token(settings: Settings) -> None:
    port = free_port()
    with live_server(settings.db_url, port) as server:
        assert server.stdout is not None
        url = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/api/v1" in url and "/docs" in url
        line = server.stdout.readline()
        assert line.startswith("admin token (shown once): ")
        token = line.split(": ", 1)[1].strip()
        base = f"http://127.0.0.1:{port}/api/v1"
        wait_ready(base, token, server)
        auth = {"Authorization": f"Bearer {token}"}
        projects = httpx.get(f"{base}/projects", headers=auth).json()["data"]
        assert [(p["name"], p["items"]) for p in projects] == [("demo", 6)]
        versions = httpx.get(f"{base}/projects/demo/versions", headers=auth).json()
        assert versions["count"] == 2
        diff = httpx.get(f"{base}/projects/demo/versions/1/diff/2", headers=auth).json()
        assert diff["items"]["modified"]
        assert httpx.get(f"{base}/me", headers=auth).json()["role"] == "admin"
    assert prepare(build_ledger(settings), settings, demo=True) is None  # no longer fresh


def test_serve_without_demo_still_prints_a_token_on_a_fresh_database(
        settings: Settings) -> None:
    ledger = build_ledger(settings)
    token = prepare(ledger, settings, demo=False)
    assert token and ledger.tokens.authenticate(token) is not None
    assert ledger.projects.all() == []
