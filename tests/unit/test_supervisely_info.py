"""What a Supervisely project carries beyond the modelled annotation survives the codec:
``img_info/`` (ImageInfo, hash as base64 sha256), an item's own ``meta/``, tag ids, and
every unmodelled field of annotations, objects, tags, classes, tag metas and ``meta.json``
(kept as given, never ahead of a modelled field). Digests of states without any of it are
the ones older releases computed."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest

from domain.digest import item_hash, meta_hash
from domain.errors import ValidationError
from domain.state import ItemState, MetaState
from domain.supervisely_json import (
    annotation_json,
    image_info_json,
    meta_json,
    parse_annotation,
    parse_image_info,
    parse_meta,
    parse_tags,
)
from domain.values import AnnotationObject, Dataset, ItemInfo, MediaLink, ObjectClass, Tag, TagMeta

BYTES = b"pretend these are the pixels of cat1.jpg"
SHA = hashlib.sha256(BYTES).hexdigest()
B64 = base64.b64encode(hashlib.sha256(BYTES).digest()).decode()
META = MetaState("zoo", {7: ObjectClass(7, "cat", "rectangle", "#319BD8")},
                 {9: TagMeta(9, "seen")}, {1: Dataset(1, "ds")})
BOX = {"points": {"exterior": [[1, 2], [30, 40]], "interior": []}}
IMAGE_INFO: dict[str, Any] = {
    "id": 2310000, "name": "cat1.jpg", "link": "s3://zoo-raw/cat1.jpg", "hash": B64,
    "mime": "image/jpeg", "ext": "jpeg", "size": len(BYTES), "width": 64, "height": 48,
    "labels_count": 1, "dataset_id": 45012, "created_at": "2021-05-18T10:21:00.000Z",
    "updated_at": "2021-06-02T08:00:00.000Z", "meta": {"camera": "gate-0"},
    "path_original": "/x/cat1.jpg", "tags": [], "created_by": "armen", "description": "",
}


def test_an_image_info_reads_its_hash_as_hex_and_keeps_every_other_field() -> None:
    info = parse_image_info(IMAGE_INFO, "cat1.jpg")
    assert (info.id, info.link, info.sha256, info.size) == (
        2310000, "s3://zoo-raw/cat1.jpg", SHA, len(BYTES))
    assert (info.width, info.height, info.created_at, info.updated_at, info.meta) == (
        64, 48, "2021-05-18T10:21:00.000Z", "2021-06-02T08:00:00.000Z", {"camera": "gate-0"})
    assert info.extra == {k: IMAGE_INFO[k] for k in (
        "mime", "ext", "labels_count", "dataset_id", "path_original", "tags", "created_by",
        "description")}


def test_an_item_writes_its_image_info_back_as_read() -> None:
    read = parse_image_info(IMAGE_INFO, "cat1.jpg")
    item = ItemState(1, "cat1.jpg", MediaLink(read.link or "", read.sha256, len(BYTES), 64, 48),
                     info=ItemInfo(read.id, read.created_at, read.updated_at,
                                   {"camera": "gate-0"}, read.extra))
    assert image_info_json(item) == IMAGE_INFO


@pytest.mark.parametrize(("uri", "link"), [
    ("s3://b/a.jpg", "s3://b/a.jpg"), ("https://h/a.jpg", "https://h/a.jpg"),
    ("file:///srv/a.jpg", "file:///srv/a.jpg"), ("a.jpg", None),
    ("annoledger:media:" + "ab" * 32, "annoledger:media:" + "ab" * 32),
])
def test_an_image_info_links_what_the_media_link_locates(uri: str, link: str | None) -> None:
    written = image_info_json(ItemState(1, "a.jpg", MediaLink(uri, "", 0, 4, 3)))
    assert (written["link"], written["hash"], written["size"]) == (link, None, None)
    assert (written["id"], written["meta"]) == (None, {})


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"hash": "not base64!"}, "hash", "base64 of a sha256"),
    ({"hash": base64.b64encode(b"short").decode()}, "hash", "32 bytes"),
    ({"hash": 5}, "hash", "must be a string"),
    ({"name": "dog1.jpg"}, "name", "not the item's name"),
    ({"id": "2310000"}, "id", "must be a 64-bit integer"),
    ({"id": 2**64}, "id", "must be a 64-bit integer"),
    ({"labels_count": [1, 2**70]}, "labels_count[1]", "beyond 64 bits"),
    ({"meta": {"serial": -(2**63) - 1}}, "meta.serial", "beyond 64 bits"),
    ({"size": -1}, "size", "non-negative"),
    ({"width": 1.5}, "width", "non-negative"),
    ({"link": ["s3://x"]}, "link", "must be a string"),
    ({"meta": "gate-0"}, "meta", "must be a JSON object"),
])
def test_a_bad_image_info_is_refused_naming_its_field(
    change: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(ValidationError, match=text) as caught:
        parse_image_info({**IMAGE_INFO, **change}, "cat1.jpg")
    assert caught.value.field == field


def test_tag_ids_and_unmodelled_fields_of_every_part_read_back_as_written() -> None:
    data = {
        "description": "night", "key": "a1b2", "customBigData": {"v": [1, 2]},
        "size": {"height": 48, "width": 64},
        "tags": [{"id": 91882791, "tagId": 9, "name": "seen", "value": None, "key": "t1",
                  "labelerLogin": "armen", "createdAt": "c", "updatedAt": "u"}],
        "objects": [{"id": 5, "classId": 7, "classTitle": "cat", "geometryType": "rectangle",
                     "description": "", "labelerLogin": "armen", "createdAt": "c",
                     "updatedAt": "u", "tags": [], "nnCreated": True, "key": "o1",
                     "bitmap": {"origin": [0, 0], "data": "kept as given"}, **BOX}],
    }
    ann = parse_annotation(META, data)
    (tag,) = ann.tags
    (obj,) = ann.objects
    assert (tag.id, tag.extra) == (91882791, {"key": "t1"})
    assert obj.geometry == BOX
    assert obj.extra == {"nnCreated": True, "key": "o1",
                         "bitmap": {"origin": [0, 0], "data": "kept as given"}}
    assert ann.extra == {"key": "a1b2", "customBigData": {"v": [1, 2]}}
    item = ItemState(1, "cat1.jpg", MediaLink("s3://b/c.jpg", SHA, 9, 64, 48), ann.tags,
                     ann.objects, ann.description, info=ItemInfo(ann_extra=ann.extra))
    assert annotation_json(META, item) == data


def test_a_modelled_field_wins_over_an_unmodelled_one_of_the_same_name() -> None:
    obj = AnnotationObject(5, 7, BOX, extra={"classTitle": "forged", "points": None})
    item = ItemState(1, "a.jpg", MediaLink("a.jpg", "", 0, 64, 48), (), (obj,),
                     info=ItemInfo(ann_extra={"objects": [], "size": None}))
    written = annotation_json(META, item)
    assert written["size"] == {"height": 48, "width": 64}
    assert written["objects"][0]["classTitle"] == "cat"
    assert written["objects"][0]["points"] == BOX["points"]


def test_a_null_geometry_key_of_another_shape_is_the_older_layout_s_none() -> None:
    (obj,) = parse_annotation(META, {"objects": [
        {"classTitle": "cat", "bitmap": None, "nodes": None, **BOX}]}).objects
    assert obj.extra == {}


def test_a_tag_id_must_be_an_integer() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_tags(META, [{"name": "seen", "id": "1"}], "tags")
    assert caught.value.field == "tags[0].id"


def test_meta_json_keeps_hotkeys_project_fields_and_how_it_gave_empty_values() -> None:
    data = {
        "projectType": "images", "projectSettings": {"multiView": {"enabled": False}},
        "classes": [{"id": 7, "title": "cat", "shape": "rectangle", "color": "#319BD8",
                     "hotkey": "c", "geometry_config": {}}],
        "tags": [{"id": 9, "name": "seen", "value_type": "none", "color": "#000000",
                  "applicable_type": "all", "classes": [], "hotkey": "", "values": []},
                 {"id": 10, "name": "mood", "value_type": "oneof_string", "values": ["ok"],
                  "color": "#111111", "applicable_type": "imagesOnly", "classes": []}],
    }
    parts = parse_meta(data)
    assert parts.classes[7].extra == {"hotkey": "c", "geometry_config": {}}
    assert parts.tag_metas[9].extra == {"hotkey": "", "values": []}
    assert parts.extra == {"projectSettings": {"multiView": {"enabled": False}}}
    meta = MetaState("zoo", parts.classes, parts.tag_metas, {}, parts.extra)
    assert meta_json(meta) == data
    other = parse_meta({"classes": [], "tags": [], "projectType": "videos"})
    assert other.extra == {"projectType": "videos"}
    assert meta_json(MetaState("v", extra=other.extra))["projectType"] == "videos"
    assert meta_json(MetaState("old"))["projectType"] == "images"  # older files give none


def test_digests_of_states_without_the_new_data_are_those_of_older_releases() -> None:
    """The forms older releases hashed, spelled out: the new data joins a form only when
    present (the stored-ledger test checks the same on a real 0.1.0 database)."""
    obj = AnnotationObject(5, 7, BOX, (Tag(9, None, "armen", "c", "u"),), "armen", "c", "u")
    item = ItemState(1, "cat1.jpg", MediaLink("s3://b/c.jpg", SHA, 9, 64, 48), (Tag(9),),
                     (obj,), "night")
    old_form = [1, "cat1.jpg", ["s3://b/c.jpg", SHA, 9, 64, 48], [[9, None, "", ""]],
                [[5, 7, BOX, [[9, None, "armen", "c"]], "armen", "c", ""]], "night"]
    canonical = json.dumps(old_form, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert item_hash(item) == int.from_bytes(hashlib.sha256(canonical.encode()).digest(), "big")
    assert item_hash(item) == item_hash(replace(item, info=ItemInfo()))
    assert item_hash(replace(item, info=ItemInfo(id=1))) != item_hash(item)
    assert item_hash(replace(item, tags=(Tag(9, id=3),))) != item_hash(item)
    assert item_hash(replace(item, objects=(replace(obj, extra={"k": 1}),))) != item_hash(item)
    assert meta_hash(replace(META, extra={})) == meta_hash(META)
    described = replace(META, datasets={1: Dataset(1, "ds", None, "raw frames")})
    assert meta_hash(described) != meta_hash(META)
    hotkeyed = replace(META, classes={7: replace(META.classes[7], extra={"hotkey": "c"})})
    assert meta_hash(hotkeyed) != meta_hash(META)
