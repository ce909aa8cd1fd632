"""Bounded resources over HTTP: JSON nesting (400 naming the body on every route), bitmap
sizes (422 from the PNG header), and uploads streamed to disk under a size limit (413,
nothing written)."""

from __future__ import annotations

import asyncio
import gzip
import json
import tempfile
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.settings import DEFAULT_MAX_JSON_DEPTH, Settings
from domain.values import Context
from interfaces.http.main import create_app
from tests.e2e.conftest import API, Api, first_item
from tests.unit.test_png_bounds import declared

MEDIA = {"uri": "s3://bucket/a.jpg", "sha256": "ab" * 32, "size": 1234, "width": 640,
         "height": 480}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _project(api: Api) -> tuple[str, int]:
    pid = api.post("/projects", json={"name": "p"}).json()["id"]
    ds = api.post(f"/projects/{pid}/datasets", json={"name": "train"}).json()["id"]
    api.post(f"/projects/{pid}/classes", json={"title": "cat", "shape": "rectangle"})
    api.post(f"/projects/{pid}/classes", json={"title": "mask", "shape": "bitmap"})
    return pid, ds


def _bodies(api: Api, demo: UUID, deep: str) -> list[tuple[str, str, str]]:
    """(method, path, body) of several routes, each with ``deep`` inside a real field."""
    item, _ = first_item(api, demo)
    ds = api.get(f"/projects/{demo}/datasets").json()
    ds_id = (ds["data"] if isinstance(ds, dict) else ds)[0]["id"]
    geometry = '{"classTitle": "cat", "points": {"exterior": DEEP, "interior": []}}'.replace(
        "DEEP", deep)
    return [
        ("POST", "/lineage", deep),
        ("POST", f"/projects/{demo}/items", json.dumps(
            {"dataset_id": ds_id, "name": "z.jpg", "media": MEDIA,
             "annotation": {"objects": ["GEOMETRY"]}}).replace('"GEOMETRY"', geometry)),
        ("PUT", f"/projects/{demo}/items/{item}/annotation",
         '{"size": {"width": 2000, "height": 2000}, "tags": [], "objects": [GEOMETRY]}'
         .replace("GEOMETRY", geometry)),
        ("POST", f"/projects/{demo}/items/{item}/objects", geometry),
        ("POST", "/projects", f'{{"name": {deep}}}'),
        ("POST", "/tokens", f'{{"role": {deep}}}'),
    ]


def _send(api: Api, demo: UUID, method: str, path: str, body: bytes,
          headers: dict[str, str] | None = None) -> Any:
    etag = first_item(api, demo)[1]
    return api.request(method, path, content=body, headers={
        "content-type": "application/json", "If-Match": etag, **(headers or {})})


@pytest.mark.parametrize("depth", [100_000, DEFAULT_MAX_JSON_DEPTH + 1])
def test_deeply_nested_json_is_a_400_naming_the_body_on_every_route(api: Api, demo: UUID,
                                                                    depth: int) -> None:
    before = api.position(demo), len(api.ledger.projects.all())
    for method, path, body in _bodies(api, demo, nested(depth)):
        r = _send(api, demo, method, path, body.encode())
        assert r.status_code == 400, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["field"] == "body" and problem["max_depth"] == DEFAULT_MAX_JSON_DEPTH
        assert problem["type"].endswith(":too-deep") and problem["instance"] == API + path
    assert (api.position(demo), len(api.ledger.projects.all())) == before


def test_a_gzipped_lineage_body_is_bounded_after_inflating(api: Api, demo: UUID) -> None:
    r = _send(api, demo, "POST", "/lineage", gzip.compress(nested(100_000).encode()),
              {"content-encoding": "gzip"})
    assert r.status_code == 400 and r.json()["field"] == "body"


def test_nesting_within_the_bound_reaches_the_usual_validation(api: Api, demo: UUID) -> None:
    for method, path, body in _bodies(api, demo, nested(DEFAULT_MAX_JSON_DEPTH - 8)):
        r = _send(api, demo, method, path, body.encode())
        assert r.status_code == 422, (path, r.text)


def test_the_depth_bound_is_configurable(api_settings: Settings) -> None:
    settings = replace(api_settings, max_json_depth=6)
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    ledger = client.app.state.ledger  # type: ignore[attr-defined]
    admin = {"Authorization": "Bearer " + ledger.tokens.issue("admin", Context("t")).secret}
    ok = client.post(f"{API}/projects", json={"name": "shallow"}, headers=admin)
    assert ok.status_code == 201, ok.text
    r = client.post(f"{API}/projects", content='{"name": [[[[[[["x"]]]]]]]}',
                    headers={**admin, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["max_depth"] == 6


def test_a_bitmap_whose_header_declares_30000_by_30000_is_a_422(api: Api) -> None:
    pid, ds = _project(api)
    item = api.post(f"/projects/{pid}/items", json={"dataset_id": ds, "name": "a.jpg",
                                                    "media": MEDIA}).json()["id"]
    etag = api.get(f"/projects/{pid}/items/{item}").headers["ETag"]
    before = api.position(UUID(pid))
    rows = 30000 * (1 + 30000 // 8 + 1)
    import zlib
    data = declared(30000, 30000, zlib.compress(bytes(rows), 9))
    r = api.post(f"/projects/{pid}/items/{item}/objects", headers={"If-Match": etag},
                 json={"classTitle": "mask", "bitmap": {"origin": [0, 0], "data": data}})
    assert r.status_code == 422, r.text
    assert r.json()["field"].endswith("bitmap.data")
    assert "30000x30000 pixels exceeds the limit" in r.json()["detail"]
    r = api.put(f"/projects/{pid}/items/{item}/annotation", headers={"If-Match": etag}, json={
        "size": {"width": 640, "height": 480}, "tags": [],
        "objects": [{"classTitle": "mask", "bitmap": {"origin": [0, 0],
                                                      "data": declared(2**31 - 1, 2)}}]})
    assert r.status_code == 422 and r.json()["field"].endswith("bitmap.data"), r.text
    assert api.position(UUID(pid)) == before


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Temporary files (upload spools, unpacked imports) in a folder the test can inspect."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def _coco(size: int) -> bytes:
    pad = "x" * size
    return json.dumps({"categories": [{"id": 1, "name": "thing"}], "images": [],
                       "annotations": [], "info": {"pad": pad}}).encode()


def test_an_upload_over_the_limit_is_a_413_and_nothing_is_written(
        api_settings: Settings, spool: Path) -> None:
    limit = 1 << 20
    client = TestClient(create_app(api_settings, max_upload=limit),
                        raise_server_exceptions=False)
    ledger = client.app.state.ledger  # type: ignore[attr-defined]
    admin = {"Authorization": "Bearer " + ledger.tokens.issue("admin", Context("t")).secret}
    small = client.post(f"{API}/projects/import", headers=admin, data={"format": "coco"},
                        files={"file": ("small.json", _coco(1000), "application/json")})
    assert small.status_code == 201, small.text
    projects = len(ledger.projects.all())
    big = _coco(2 * limit)
    declared_length = client.post(f"{API}/projects/import", headers=admin,
                                  data={"format": "coco"},
                                  files={"file": ("big.json", big, "application/json")})
    boundary = "bnd"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\ncoco\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.json"'
            f"\r\nContent-Type: application/json\r\n\r\n").encode() + big + \
        f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is met while streaming
        for start in range(0, len(body), 64 << 10):
            yield body[start:start + (64 << 10)]

    streamed = client.post(f"{API}/projects/import", content=chunks(), headers={
        **admin, "content-type": f"multipart/form-data; boundary={boundary}"})
    for r in (declared_length, streamed):
        assert r.status_code == 413, r.text
        assert r.json()["status"] == 413 and str(limit) in r.json()["detail"]
    assert len(ledger.projects.all()) == projects
    assert list(spool.iterdir()) == []
    media = api_settings.media_root
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_64_mb_upload_is_streamed_to_disk_in_bounded_memory(api: Api, spool: Path) -> None:
    """The body is fed in 64 KiB messages as a server does; the route must never hold it.
    Bound: 16 MiB, a quarter of the body (the spool keeps 1 MiB in memory before moving to
    disk; the rest is parser buffers); an upload read whole would cost at least 64 MiB."""
    size = 64 << 20
    boundary = b"bnd"
    head = (b"--bnd\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nsupervisely\r\n"
            b"--bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.zip\"\r\n"
            b"Content-Type: application/zip\r\n\r\n")
    tail = b"\r\n--bnd--\r\n"
    block = b"not a zip " * ((64 << 10) // 10)
    parts = [head] + [block] * (size // len(block)) + [tail]
    headers = [(b"host", b"test"), (b"content-type", b"multipart/form-data; boundary=" + boundary),
               (b"content-length", str(sum(map(len, parts))).encode()),
               *[(k.lower().encode(), v.encode()) for k, v in api.admin.items()]]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": f"{API}/projects/import",
             "raw_path": f"{API}/projects/import".encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 1), "server": ("test", 80),
             "headers": headers}
    sent: list[dict[str, Any]] = []

    async def run() -> int:
        queue = iter(parts)

        async def receive() -> dict[str, Any]:
            chunk = next(queue, None)
            if chunk is None:
                await asyncio.sleep(3600)
            return {"type": "http.request", "body": chunk, "more_body": chunk is not tail}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        tracemalloc.start()
        try:
            await api.client.app(scope, receive, send)  # type: ignore[arg-type]
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak = asyncio.run(run())
    assert sent[0]["status"] == 422 and b"not a zip archive" in sent[1]["body"]
    assert peak < 16 << 20, f"peak traced memory {peak / 2**20:.1f} MiB"
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize("query", ["items?name=%00", "items?name=a%1Fb", "items?x%00=1"])
def test_a_control_character_in_a_query_is_refused_naming_the_parameter(
    api: Api, demo: UUID, query: str
) -> None:
    r = api.get(f"/projects/{demo}/{query}")
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith("query.")


def test_a_control_character_in_the_audit_filter_is_refused(api: Api) -> None:
    r = api.get("/audit?actor=%00")
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "query.actor"


@pytest.mark.parametrize("path, body", [
    ("/lineage", '{"eventType": "START", "eventTime": "2026-11-29T00:00:00Z", '
                 '"run": {"runId": "0192f3c4-0000-7000-8000-000000000001"}, '
                 '"job": {"namespace": "n", "name": "j\\u0000"}, "producer": "p"}'),
    ("/sessions", '{"app": "a\\u0000", "kind": "training"}'),
    ("/projects", '{"name": "x\\\\\\u0000"}'),
])
def test_a_nul_in_any_json_string_is_refused_before_it_reaches_the_log(
    api: Api, path: str, body: str
) -> None:
    r = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "body" and "NUL" in r.json()["detail"]
    assert api.get("/audit").status_code == 200


def test_an_escaped_backslash_before_u0000_is_text_not_nul(api: Api) -> None:
    r = api.post("/sessions", content='{"app": "x\\\\u0000", "kind": "other"}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["app"] == "x\\u0000"
