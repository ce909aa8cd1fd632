"""A project as Supervisely's SDK downloads it without images (``img_info/``, ``meta/``,
``ann/``; tests/fixtures/supervisely_download_without_pixels) is read with its links,
hashes, ids and meta, and written back as it was; contradictions are refused naming the
file and field; uploaded files still link only data."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from domain.errors import ValidationError
from infrastructure.formats import read_supervisely, write_supervisely
from infrastructure.formats.media_sources import UploadedFiles
from infrastructure.media_access import MediaAccess
from infrastructure.media_store import LocalMediaStore
from tests.conftest import DEMO, FIXTURES

DOWNLOAD = FIXTURES / "supervisely_download_without_pixels"
NAMES = ("cat1.jpg", "cat2.jpg", "cat3.jpg", "dog1.jpg", "dog2.jpg", "dog3.jpg")


@pytest.fixture
def download(tmp_path: Path) -> Path:
    copy = tmp_path / "zoo"
    shutil.copytree(DOWNLOAD, copy)
    return copy


def _edit(path: Path, **changes: Any) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_each_item_links_its_s3_object_with_the_sha256_of_the_real_image() -> None:
    state = read_supervisely(DOWNLOAD)
    for name in NAMES:
        item = state.items[(1, name)]
        real = (DEMO / "ds" / "img" / name).read_bytes()
        assert item.media.uri.startswith("s3://zoo-raw/") and item.media.uri.endswith(name)
        assert (item.media.sha256, item.media.size) == (hashlib.sha256(real).hexdigest(),
                                                        len(real))
    cat1 = state.items[(1, "cat1.jpg")]
    assert cat1.info is not None
    assert (cat1.info.id, cat1.info.created_at, cat1.info.meta) == (
        2310000, "2021-05-18T10:21:00.000Z", {"camera": "gate-0", "shift": 0})
    assert cat1.info.info_extra["full_storage_url"].endswith("/cat1.jpg")
    assert cat1.objects[0].tags[0].id == 106961726


def test_written_back_every_file_is_the_one_read(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_supervisely(read_supervisely(DOWNLOAD), out)
    for path in DOWNLOAD.rglob("*.json"):
        rel = path.relative_to(DOWNLOAD)
        if rel.name != "meta.json":
            assert json.loads((out / rel).read_text()) == json.loads(path.read_text()), rel
    assert not any((out / "ds" / "img").iterdir())  # no pixels: nothing to link


def test_beside_pixels_an_image_info_must_give_their_hash_and_size(tmp_path: Path) -> None:
    project = tmp_path / "real"
    shutil.copytree(DEMO, project)
    shutil.copytree(DOWNLOAD / "ds" / "img_info", project / "ds" / "img_info")
    state = read_supervisely(project)
    cat1 = state.items[(1, "cat1.jpg")]
    assert cat1.media.uri.startswith("file://")
    assert cat1.info is not None and cat1.info.info_extra["link"] == "s3://zoo-raw/2021-05/cat1.jpg"
    write_supervisely(state, tmp_path / "out")
    written = json.loads((tmp_path / "out" / "ds" / "img_info" / "cat1.jpg.json").read_text())
    assert written == json.loads((DOWNLOAD / "ds" / "img_info" / "cat1.jpg.json").read_text())

    _edit(project / "ds" / "img_info" / "cat2.jpg.json",
          hash=json.loads((project / "ds" / "img_info" / "cat1.jpg.json").read_text())["hash"])
    with pytest.raises(ValidationError, match=r"does not match the bytes of img/cat2\.jpg") as bad:
        read_supervisely(project)
    assert bad.value.field == "ds/img_info/cat2.jpg.json:hash"


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"width": 2001}, "ds/img_info/cat1.jpg.json:width", "size.width is 2000"),
    ({"name": "cat9.jpg"}, "ds/img_info/cat1.jpg.json:name", "not the item's name"),
    ({"hash": "AAAA"}, "ds/img_info/cat1.jpg.json:hash", "base64 of a sha256"),
    ({"link": "ftp://example.com/cat1.jpg"}, "ds/img_info/cat1.jpg.json:link",
     "scheme 'ftp' is not allowed"),
])
def test_a_contradicting_or_bad_image_info_is_refused_naming_file_and_field(
    download: Path, change: dict[str, Any], field: str, text: str
) -> None:
    _edit(download / "ds" / "img_info" / "cat1.jpg.json", **change)
    with pytest.raises(ValidationError, match=text) as caught:
        read_supervisely(download)
    assert caught.value.field == field


def test_an_item_s_meta_is_its_image_info_s_updated_by_its_meta_file(
    download: Path, tmp_path: Path
) -> None:
    (download / "ds" / "meta" / "cat1.jpg.json").write_text(json.dumps({"shift": 2, "new": 1}))
    (download / "ds" / "meta" / "cat2.jpg.json").unlink()
    state = read_supervisely(download)
    cat1, cat2 = state.items[(1, "cat1.jpg")].info, state.items[(1, "cat2.jpg")].info
    assert cat1 is not None and cat1.meta == {"camera": "gate-0", "shift": 2, "new": 1}
    assert cat2 is not None and cat2.meta == {"camera": "gate-1", "shift": 1}
    out = tmp_path / "out"
    write_supervisely(state, out)
    info = json.loads((out / "ds" / "img_info" / "cat1.jpg.json").read_text())
    assert info["meta"] == {"camera": "gate-0", "shift": 0}  # as given: it differs
    assert json.loads((out / "ds" / "meta" / "cat1.jpg.json").read_text()) == cat1.meta
    assert json.loads((out / "ds" / "meta" / "cat2.jpg.json").read_text()) == cat2.meta

    (download / "ds" / "meta" / "cat3.jpg.json").write_text("[1]")
    with pytest.raises(ValidationError, match="must be a JSON object"):
        read_supervisely(download)


def test_uploaded_files_link_only_data_through_their_image_info(
    download: Path, tmp_path: Path
) -> None:
    uploaded = UploadedFiles(download, MediaAccess(store=LocalMediaStore(tmp_path / "store")))
    state = read_supervisely(download, media=uploaded)
    assert state.items[(1, "dog1.jpg")].media.uri == "s3://zoo-raw/2021-05/dog1.jpg"
    _edit(download / "ds" / "img_info" / "dog1.jpg.json", link="file:///etc/passwd")
    with pytest.raises(ValidationError, match="cannot be linked") as caught:
        read_supervisely(download, media=uploaded)
    assert caught.value.field == "ds/img_info/dog1.jpg.json:link"
