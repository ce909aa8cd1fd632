"""Media links never reach the server's own files: what the operator's CLI imports may link,
and what an export reads (only the media store and the configured media roots)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from application.settings import Settings
from domain.errors import ValidationError
from domain.media_policy import LinkKind, MediaPolicy
from domain.values import Context, MediaLink
from infrastructure.media_access import MediaAccess, database_files
from interfaces.composition import build_ledger
from tests.conftest import editable_demo
from tests.e2e.cli import run_cli

ETC_PASSWD = "file:///etc/passwd"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every folder an import reads and every media root."""
    path = tmp_path / "outside" / "secret.png"
    path.parent.mkdir()
    Image.new("RGB", (4, 3), "blue").save(path)
    return path


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI's media store in the test's folder, and no media root configured."""
    monkeypatch.setenv("ANNOLEDGER_MEDIA_ROOT", str(tmp_path / "store"))
    monkeypatch.delenv("ANNOLEDGER_MEDIA_ROOTS", raising=False)
    return tmp_path / "store"


def _projects(capsys: pytest.CaptureFixture[str], db_url: str) -> list[str]:
    run = run_cli(capsys, db_url, "projects", "list", "--json")
    assert run.code == 0, run.err
    return [p["name"] for p in run.json()]


def _coco(folder: Path, image: str) -> Path:
    path = folder / "instances.json"
    path.write_text(json.dumps({
        "categories": [{"id": 1, "name": "thing"}],
        "images": [{"id": 1, "file_name": image, "width": 4, "height": 3}],
        "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}],
    }))
    return path


def test_cli_import_refuses_an_image_symlinked_outside_the_folder(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path, secret: Path,
    cli_env: Path,
) -> None:
    project = editable_demo(tmp_path, "cats")
    (project / "ds" / "img" / "cat1.jpg").unlink()
    (project / "ds" / "img" / "cat1.jpg").symlink_to(secret)
    run = run_cli(capsys, db_url, "import", "supervisely", str(project), "--project", "cats")
    assert run.code != 0
    assert "ds/img/cat1.jpg: symlink resolves outside the imported folder" in run.err
    assert _projects(capsys, db_url) == []


def test_cli_coco_import_refuses_an_image_symlinked_outside_the_images_folder(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path, secret: Path,
    cli_env: Path,
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.png").symlink_to(secret)
    coco = _coco(tmp_path, "a.png")
    run = run_cli(capsys, db_url, "import", "coco", str(coco), "--images", str(images),
                  "--project", "coco")
    assert run.code != 0
    assert f"{images / 'a.png'}: symlink resolves outside the images folder" in run.err
    assert _projects(capsys, db_url) == []


def test_cli_import_refuses_a_meta_link_to_a_file_outside_the_folder(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path, cli_env: Path,
) -> None:
    project = editable_demo(tmp_path, "cats")
    (project / "ds" / "img" / "cat1.jpg").unlink()
    (project / "ds" / "meta").mkdir(exist_ok=True)
    (project / "ds" / "meta" / "cat1.jpg.json").write_text(json.dumps({"annoledger_media": {
        "uri": ETC_PASSWD, "sha256": "ab" * 32, "size": 10}}))
    run = run_cli(capsys, db_url, "import", "supervisely", str(project), "--project", "cats")
    assert run.code != 0
    assert "ds/meta/cat1.jpg.json:annoledger_media.uri" in run.err
    assert "outside the imported folder" in run.err
    assert _projects(capsys, db_url) == []


def test_an_export_reads_a_media_root_only_while_it_is_configured(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, cli_env: Path,
) -> None:
    root = tmp_path / "pictures"
    root.mkdir()
    Image.new("RGB", (1100, 732), "green").save(root / "cat1.jpg", format="JPEG")
    project = editable_demo(tmp_path, "cats")
    (project / "ds" / "img" / "cat1.jpg").unlink()
    (project / "ds" / "img" / "cat1.jpg").symlink_to(root / "cat1.jpg")
    monkeypatch.setenv("ANNOLEDGER_MEDIA_ROOTS", str(root))
    run = run_cli(capsys, db_url, "import", "supervisely", str(project), "--project", "cats")
    assert run.code == 0, run.err
    run = run_cli(capsys, db_url, "export", "supervisely", "cats", str(tmp_path / "with"))
    assert run.code == 0, run.err
    linked = tmp_path / "with" / "ds" / "img" / "cat1.jpg"
    assert linked.is_symlink() and linked.resolve() == (root / "cat1.jpg").resolve()

    monkeypatch.delenv("ANNOLEDGER_MEDIA_ROOTS")  # the root is no longer configured
    run = run_cli(capsys, db_url, "export", "supervisely", "cats", str(tmp_path / "without"))
    assert run.code == 0, run.err
    out = tmp_path / "without" / "ds"
    assert not (out / "img" / "cat1.jpg").exists()
    info = json.loads((out / "img_info" / "cat1.jpg.json").read_text())
    assert info["link"] == "file://" + str((root / "cat1.jpg").resolve())


def test_a_stored_link_to_a_server_file_is_exported_as_its_uri_only(
    settings: Settings, tmp_path: Path, ctx: Context, secret: Path,
) -> None:
    app = build_ledger(replace(settings, media_root=tmp_path / "store"))
    pid = app.projects.create("old", ctx)
    ds = app.projects.create_dataset(pid, "ds", ctx).id
    # Written through the application itself, as an older release accepted over HTTP.
    for name, uri in (("passwd", ETC_PASSWD), ("secret.png", secret.as_uri())):
        app.items.upload_item(pid, ds, name, MediaLink(uri, "cd" * 32, 10, 4, 3), ctx)
    out = tmp_path / "out"
    app.exports.to_files("supervisely", pid, out)
    assert list((out / "ds" / "img").iterdir()) == []
    info = json.loads((out / "ds" / "img_info" / "passwd.json").read_text())
    assert info["link"] == ETC_PASSWD


def test_the_ledger_database_is_never_read_as_media_even_under_a_root(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").write_bytes(b"SQLite format 3\x00")
    Image.new("RGB", (2, 2)).save(tmp_path / "ok.png")
    access = MediaAccess(roots=[tmp_path], denied=database_files(f"sqlite:///{db}"))
    for suffix in ("", "-wal", "-shm"):
        assert access.readable(MediaLink(f"file://{db}{suffix}", "", 0, 1, 1)) is None
    assert access.readable(MediaLink(f"file://{tmp_path}/ok.png", "", 0, 2, 2)) == (
        tmp_path / "ok.png").resolve()
    with pytest.raises(ValidationError, match="own database"):
        access.local_file(db, "ledger.db", [tmp_path], "imported folder")


@pytest.mark.parametrize("uri, kind", [
    ("annoledger:media:" + "ab" * 32, LinkKind.STORE),
    ("s3://bucket/a.jpg", LinkKind.REMOTE),
    ("HTTPS://example.com/a.jpg", LinkKind.REMOTE),
    ("cat1.jpg", LinkKind.NAME),
    ("file:///etc/passwd", LinkKind.LOCAL),
    ("FILE://localhost/etc/passwd", LinkKind.LOCAL),
    ("/etc/passwd", LinkKind.LOCAL),
    ("../../etc/passwd", LinkKind.LOCAL),
    ("javascript:alert(1)", LinkKind.REFUSED),
    ("https:/etc/passwd", LinkKind.REFUSED),
    (":/etc/passwd", LinkKind.LOCAL),
    ("annoledger:media:../../etc/passwd", LinkKind.REFUSED),
    ("s3://b/x\x00.jpg", LinkKind.REFUSED),
])
def test_the_policy_sorts_links(uri: str, kind: LinkKind) -> None:
    assert MediaPolicy().kind(uri) is kind


def test_schemes_and_roots_come_from_the_environment(tmp_path: Path) -> None:
    import os

    env = {"ANNOLEDGER_MEDIA_SCHEMES": "s3, HTTPS",
           "ANNOLEDGER_MEDIA_ROOTS": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])}
    settings = Settings.from_env(env)
    assert settings.media_schemes == ("s3", "HTTPS")
    assert settings.media_roots == (tmp_path / "a", tmp_path / "b")
    policy = MediaPolicy.of(settings.media_schemes)
    assert policy.kind("https://x/a.jpg") is LinkKind.REMOTE
    assert policy.kind("http://x/a.jpg") is LinkKind.REFUSED
    with pytest.raises(ValidationError, match="media_schemes"):
        MediaPolicy.of(["file"])
