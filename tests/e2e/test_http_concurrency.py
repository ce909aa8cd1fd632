"""Many writers on one item, guarded by If-Match: none loses another's update, and every
acknowledged change is in the log exactly once, in threads and in separate processes
talking to a real uvicorn server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from fastapi.testclient import TestClient

from application.settings import Settings
from domain.values import Context
from interfaces.composition import build_ledger
from tests.conftest import ROOT
from tests.e2e.conftest import API, BOX, Api, first_item
from tests.e2e.http_writer import Ack, add_objects
from tests.e2e.live_server import free_port, live_server, wait_ready


def check_log(api: Api, project: UUID, item: str, acks: list[Ack]) -> None:
    events, offset = [], 0
    while page := api.get(f"/projects/{project}/events?offset={offset}&limit=1000").json()[
            "data"]:
        events += page
        offset = page[-1]["position"]
    added = {e["data"]["obj"]["id"]: e["version"] for e in events
             if e["stream"] == item and e["type"] == "Item.ObjectAdded"}
    counts = Counter(e["data"]["obj"]["id"] for e in events if e["type"] == "Item.ObjectAdded")
    assert all(counts[oid] == 1 for oid, _ in acks)
    assert {oid: version for oid, version in acks} == {
        oid: v for oid, v in added.items() if oid in dict(acks)}
    assert len({version for _, version in acks}) == len(acks)
    final = {o["id"] for o in api.get(f"/projects/{project}/items/{item}/objects").json()}
    assert {oid for oid, _ in acks} <= final


def test_threads_editing_one_item_lose_no_update(api: Api, demo: UUID) -> None:
    item, _ = first_item(api, demo)
    path = f"/projects/{demo}/items/{item}"

    def worker(n: int) -> list[Ack]:
        client = TestClient(api.client.app)
        return add_objects(client, API, api.admin, path, 10**9 + n * 1000, 5)

    with ThreadPoolExecutor(6) as pool:
        acks = [a for result in pool.map(worker, range(6)) for a in result]
    assert len(acks) == 30
    check_log(api, demo, item, acks)


def test_threads_editing_different_items_never_conflict(api: Api, demo: UUID) -> None:
    items = [i["id"] for i in api.get(f"/projects/{demo}/items").json()["data"]]

    def worker(n: int) -> int:
        client = TestClient(api.client.app)
        path = f"/projects/{demo}/items/{items[n]}"
        tag = client.get(API + path, headers=api.admin).headers["ETag"]
        for k in range(4):
            r = client.post(f"{API}{path}/objects", json={**BOX, "id": 10**9 + k},
                            headers={**api.admin, "If-Match": tag})
            assert r.status_code == 201, r.text
            tag = r.headers["ETag"]
        return int(tag.strip('"'))

    with ThreadPoolExecutor(len(items)) as pool:
        assert len(list(pool.map(worker, range(len(items))))) == len(items)


def test_processes_editing_one_item_through_a_server_lose_no_update(
        api: Api, demo: UUID, api_settings: Settings) -> None:
    item, _ = first_item(api, demo)
    token = build_ledger(api_settings).tokens.issue("annotator", Context("t"), name="proc").secret
    port = free_port()
    base = f"http://127.0.0.1:{port}{API}"
    with live_server(api_settings.db_url, port, "--workers", "2", "--no-demo") as server:
        wait_ready(base, token, server)
        writers = [subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.http_writer", base, token,
             f"/projects/{demo}/items/{item}", str(2 * 10**9 + n * 1000), "4"],
            stdout=subprocess.PIPE, cwd=ROOT) for n in range(4)]
        acks = [tuple(a) for w in writers for a in json.loads(w.communicate(timeout=120)[0])]
        assert all(w.returncode == 0 for w in writers)
    assert len(acks) == 16
    check_log(api, demo, item, acks)

