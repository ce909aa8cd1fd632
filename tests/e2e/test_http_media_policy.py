"""Over HTTP a media link is data: no client reaches the server's files through one, by an
item, an uploaded zip or COCO file, or an export of links stored long ago."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.ledger import Ledger
from application.settings import Settings
from domain.values import Context, MediaLink
from interfaces.composition import build_ledger
from interfaces.http.main import create_app
from tests.conftest import DEMO
from tests.e2e.conftest import Api, png_bytes

ETC_PASSWD = "file:///etc/passwd"
SHA = "ab" * 32


def _project(api: Api) -> tuple[str, int]:
    pid = api.post("/projects", json={"name": "p"}).json()["id"]
    ds = api.post(f"/projects/{pid}/datasets", json={"name": "ds"}).json()["id"]
    return pid, ds


def _item(uri: str, sha: str = SHA, name: str = "a.png") -> dict[str, Any]:
    return {"dataset_id": 1, "name": name,
            "media": {"uri": uri, "sha256": sha, "size": 10, "width": 8, "height": 6}}


def _export(api: Api, pid: str) -> dict[str, bytes]:
    r = api.get(f"/projects/{pid}/versions/current/export?media=true")
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        return {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}


def _link(files: dict[str, bytes], name: str) -> dict[str, Any]:
    """The item's ImageInfo as the export wrote it (``link``: its media's URI)."""
    info: dict[str, Any] = json.loads(files[f"ds/img_info/{name}.json"])
    return info


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _demo_zip(meta_link: str | None = None, images: bool = False) -> bytes:
    entries = {f"animals/{p.relative_to(DEMO)}": p.read_bytes() for p in sorted(DEMO.rglob("*"))
               if p.is_file() and (images or "img" not in p.parts)}
    if meta_link is not None:
        entries["animals/ds/meta/cat1.jpg.json"] = json.dumps({"annoledger_media": {
            "uri": meta_link, "sha256": SHA, "size": 10}}).encode()
    return _zip(entries)


@pytest.mark.parametrize("uri", [
    ETC_PASSWD, "/etc/passwd", "file://localhost/etc/passwd", "FILE:///etc/passwd",
    "file:/etc/passwd", "../../../etc/passwd", "file:///srv/media/../../etc/passwd",
    "a.png", "javascript:alert(1)", "ftp://example.com/a.png", ":///etc/passwd",
    "//example.com/a.png", "annoledger:media:../../etc/passwd", "https:/etc/passwd",
])
def test_an_item_linking_anything_but_data_is_refused_and_nothing_written(
    api: Api, uri: str
) -> None:
    pid, _ = _project(api)
    annotator = api.token("annotator", UUID(pid))
    before = api.position(UUID(pid))
    r = api.post(f"/projects/{pid}/items", json=_item(uri), headers=annotator)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "media.uri"
    assert api.get(f"/projects/{pid}/items").json()["count"] == 0
    assert api.position(UUID(pid)) == before


def test_an_uploaded_image_is_linked_by_its_store_reference_and_exported_with_bytes(
    api: Api,
) -> None:
    pid, _ = _project(api)
    annotator = api.token("annotator", UUID(pid))
    image = png_bytes(8, 6)
    media = api.post("/media", files={"file": ("a.png", image, "image/png")},
                     headers=annotator).json()
    sha = hashlib.sha256(image).hexdigest()
    assert media["uri"] == f"annoledger:media:{sha}"
    r = api.post(f"/projects/{pid}/items", headers=annotator,
                 json={"dataset_id": 1, "name": "a.png", "media": media})
    assert r.status_code == 201, r.text
    # The link an earlier release handed out (the stored file's URI) still designates it.
    store = api.ledger.media.media_store
    assert store is not None
    legacy = store.locate(sha).as_uri()  # type: ignore[union-attr]
    r = api.post(f"/projects/{pid}/items", headers=annotator, json=_item(legacy, sha, "b.png"))
    assert r.status_code == 201, r.text
    other = api.post(f"/projects/{pid}/items", headers=annotator,
                     json=_item(f"annoledger:media:{sha}", SHA, "c.png"))
    assert other.status_code == 422 and other.json()["field"] == "media.uri"
    files = _export(api, pid)
    assert files["ds/img/a.png"] == image and files["ds/img/b.png"] == image


def test_an_export_reads_only_the_store_never_a_remote_or_stored_server_file(
    api: Api,
) -> None:
    pid, ds = _project(api)
    image = png_bytes(8, 6, "green")
    stored = api.post("/media", files={"file": ("s.png", image, "image/png")}).json()
    assert api.post(f"/projects/{pid}/items", json={"dataset_id": ds, "name": "s.png",
                                                     "media": stored}).status_code == 201
    # A remote link naming bytes the store happens to hold reads nothing.
    r = api.post(f"/projects/{pid}/items", json=_item("s3://bucket/r.png", stored["sha256"],
                                                       "r.png"))
    assert r.status_code == 201, r.text
    # Written through the application, as an earlier release accepted over HTTP.
    api.ledger.items.upload_item(UUID(pid), ds, "passwd", MediaLink(ETC_PASSWD, SHA, 10, 8, 6),
                                 Context("old release"))
    files = _export(api, pid)
    assert sorted(n for n in files if "/img/" in n) == ["ds/img/s.png"]
    assert files["ds/img/s.png"] == image
    assert _link(files, "r.png")["link"] == "s3://bucket/r.png"
    assert _link(files, "passwd")["link"] == ETC_PASSWD
    assert b"root:" not in b"".join(files.values())


def test_a_zip_linking_a_server_file_is_refused_naming_the_file(api: Api) -> None:
    files = {"file": ("animals.zip", _demo_zip(ETC_PASSWD), "application/zip")}
    r = api.post("/projects/import", files=files, data={"format": "supervisely"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "ds/meta/cat1.jpg.json:annoledger_media.uri"
    assert api.get("/projects").json()["count"] == 0


def test_images_of_an_uploaded_zip_go_to_the_store_and_outlive_the_request(api: Api) -> None:
    files = {"file": ("animals.zip", _demo_zip(images=True), "application/zip")}
    r = api.post("/projects/import", files=files, data={"format": "supervisely"})
    assert r.status_code == 201, r.text
    pid = r.json()["project"]
    items = api.get(f"/projects/{pid}/items").json()["data"]
    assert len(items) == 6
    for entry in items:
        item = api.get(f"/projects/{pid}/items/{entry['id']}").json()
        assert item["media"]["uri"] == "annoledger:media:" + item["media"]["sha256"]
        got = api.get(f"/projects/{pid}/items/{entry['id']}/media")
        assert got.status_code == 200
        assert got.content == (DEMO / "ds" / "img" / item["name"]).read_bytes()
    exported = _export(api, pid)
    assert exported["ds/img/cat1.jpg"] == (DEMO / "ds" / "img" / "cat1.jpg").read_bytes()


def test_a_coco_file_linking_a_server_file_is_refused(api: Api) -> None:
    coco = {"categories": [{"id": 1, "name": "thing"}],
            "images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3,
                        "coco_url": ETC_PASSWD}],
            "annotations": []}
    files = {"file": ("coco.json", json.dumps(coco).encode(), "application/json")}
    r = api.post("/projects/import", files=files, data={"format": "coco"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "instances.json:images[0].coco_url"
    assert api.get("/projects").json()["count"] == 0


def test_the_export_zip_never_follows_a_link_out_of_the_media_roots(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    pid, ds = _project(api)
    api.ledger.items.upload_item(UUID(pid), ds, "a.png", MediaLink("s3://b/a.png", SHA, 1, 8, 6),
                                 Context("tests"))
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    write = api.ledger.exports.to_files

    def planting(*args: Any, **kwargs: Any) -> None:
        write(*args, **kwargs)
        outdir = Path(args[2])
        os.symlink(secret, outdir / "ds" / "img" / "a.png")  # a link the writer never makes

    monkeypatch.setattr(api.ledger.exports, "to_files", planting)
    files = _export(api, pid)
    assert "ds/img/a.png" not in files
    assert b"top secret" not in b"".join(files.values())


def test_a_media_root_lends_its_files_but_not_its_links_out(
    api_settings: Settings, tmp_path: Path,
) -> None:
    root = tmp_path / "pictures"
    root.mkdir()
    (root / "good.png").write_bytes(png_bytes(4, 3))
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"top secret")
    (root / "evil.png").symlink_to(secret)
    ledger: Ledger = build_ledger(replace(api_settings, media_roots=(root,)))
    client = TestClient(create_app(api_settings, ledger=ledger))
    admin = {"Authorization": "Bearer " + ledger.tokens.issue("admin", Context("t")).secret}
    pid = ledger.projects.create("p", Context("t"))
    ds = ledger.projects.create_dataset(pid, "ds", Context("t")).id
    for name in ("good.png", "evil.png"):
        ledger.items.upload_item(pid, ds, name, MediaLink(f"file://{root / name}", SHA, 1, 4, 3),
                                 Context("t"))
    r = client.get(f"/api/v1/projects/{pid}/versions/current/export", headers=admin)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        images = {n.rsplit("/", 1)[1]: zf.read(n) for n in zf.namelist() if "/img/" in n}
    assert images == {"good.png": (root / "good.png").read_bytes()}
