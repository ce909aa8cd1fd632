"""Supervisely format: reading the real export, writing it back, nested datasets, refusals."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from domain.errors import ValidationError
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass, Tag, TagMeta
from infrastructure.formats import read_supervisely, write_supervisely
from infrastructure.formats.masks import bitmap_geometry
from infrastructure.formats.media_sources import OperatorFolder
from infrastructure.media_access import MediaAccess
from tests.supervisely_old_layout import AUGMENTATIONS, PROJECT_STRUCTURE, old_project
from tests.supervisely_old_layout import edit_json as edit_old_json

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "infrastructure" / "demo_data" / "real_export_vector"
OBJECT_COUNTS = {
    "cat1.jpg": 1,
    "cat2.jpg": 1,
    "cat3.jpg": 3,
    "dog1.jpg": 2,
    "dog2.jpg": 1,
    "dog3.jpg": 1,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the real export."""
    copy = tmp_path / "project"
    shutil.copytree(DEMO, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_real_export_has_5_classes_2_tag_metas_and_6_items_with_their_objects() -> None:
    state = read_supervisely(DEMO)
    assert state.meta.name == "real_export_vector"
    shapes = {c.title: c.shape for c in state.meta.classes.values()}
    assert shapes == {
        "cat": "rectangle",
        "dog": "cuboid",
        "cat2": "line",
        "dog2": "polygon",
        "test_point": "point",
    }
    assert state.meta.classes[2707428] == ObjectClass(2707428, "cat", "rectangle", "#319BD8",
                                                      extra={"hotkey": ""})
    assert {t.name for t in state.meta.tag_metas.values()} == {"dog", "cat"}
    assert state.meta.tag_metas[28789216] == TagMeta(28789216, "dog", "none", (), "#A9C153",
                                                     extra={"hotkey": ""})
    assert state.meta.extra == {}  # its "projectType": "images" is the one written anyway
    assert state.meta.datasets == {1: Dataset(1, "ds")}
    assert {i.name: len(i.objects) for i in state.items.values()} == OBJECT_COUNTS
    assert state.object_count == 9


def test_items_link_their_pixels_by_file_uri_sha256_and_size() -> None:
    state = read_supervisely(DEMO)
    item = state.items[(1, "cat2.jpg")]
    pixels = (DEMO / "ds" / "img" / "cat2.jpg").resolve()
    data = pixels.read_bytes()
    assert item.media == MediaLink(
        "file://" + str(pixels), hashlib.sha256(data).hexdigest(), len(data), 1100, 732
    )


def test_objects_keep_ids_geometry_tags_labelers_and_timestamps() -> None:
    state = read_supervisely(DEMO)
    first, second = state.items[(1, "dog1.jpg")].objects
    assert second.id == 556892385
    assert second.class_id == 2707431
    assert set(second.geometry) == {"points"}
    assert second.geometry["points"]["exterior"][0] == [214, 81]
    assert (second.labeler, second.created_at, second.updated_at) == (
        "Armen",
        "2020-11-17T10:45:39.460Z",
        "2020-11-17T10:46:11.865Z",
    )
    assert second.tags == (
        Tag(28789216, None, "Armen", "2020-11-17T10:46:13.925Z", "2020-11-17T10:46:13.925Z",
            106961786),
    )
    assert first.tags == ()
    cuboid = state.items[(1, "dog2.jpg")].objects[0]
    assert set(cuboid.geometry) == {"points", "faces"}
    (item_tag,) = state.items[(1, "dog3.jpg")].tags
    assert (item_tag.meta_id, item_tag.labeler) == (28789216, "Armen")


def test_progress_reports_each_item_read() -> None:
    calls: list[tuple[int, int]] = []
    read_supervisely(DEMO, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 6) for n in range(1, 7)]


def test_writing_then_reading_round_trips_and_links_pixels_as_symlinks(tmp_path: Path) -> None:
    state = read_supervisely(DEMO)
    out = tmp_path / "out"
    access = MediaAccess(roots=[DEMO])  # an export links only files under a media root
    write_supervisely(state, out, access.readable)
    again = read_supervisely(out, media=OperatorFolder((out,), access=access))
    assert again.meta.classes == state.meta.classes
    assert again.meta.tag_metas == state.meta.tag_metas
    assert again.meta.datasets == state.meta.datasets
    assert again.items == state.items
    for name in OBJECT_COUNTS:
        link = out / "ds" / "img" / name
        assert link.is_symlink()
        assert link.resolve() == (DEMO / "ds" / "img" / name).resolve()
    info = json.loads((out / "ds" / "img_info" / "cat1.jpg.json").read_text())
    media = state.items[(1, "cat1.jpg")].media
    assert (info["name"], info["hash"], info["link"]) == (
        "cat1.jpg", base64.b64encode(bytes.fromhex(media.sha256)).decode(), media.uri)
    assert not (out / "ds" / "meta").exists()  # no item has a meta of its own
    ann = json.loads((out / "ds" / "ann" / "cat1.jpg.json").read_text())
    assert ann["objects"][0]["geometryType"] == "rectangle"
    assert ann["objects"][0]["classTitle"] == "cat"
    assert json.loads((out / "meta.json").read_text())["projectType"] == "images"


def nested_state() -> ProjectState:
    classes = {
        1: ObjectClass(1, "car", "rectangle", "#FF0000"),
        2: ObjectClass(2, "thing", "any", "#00FF00", {"note": "anything"}),
    }
    tags = {7: TagMeta(7, "color", "oneof_string", ("red", "blue"), "#0000FF", "objectsOnly")}
    datasets = {
        1: Dataset(1, "city"),
        2: Dataset(2, "day", 1),
        3: Dataset(3, "night", 1),
        4: Dataset(4, "rain", 3),
    }
    state = ProjectState(MetaState("nested", classes, tags, datasets))
    mask = Image.new("1", (3, 2), 0)
    mask.putpixel((1, 1), 255)
    geometries = [
        {"points": {"exterior": [[1, 2], [5, 6]], "interior": []}},
        {**bitmap_geometry((4, 5), mask), "geometryType": "bitmap"},
        {"points": {"exterior": [[3, 3]], "interior": []}, "geometryType": "point"},
    ]
    for ds_id in datasets:
        objects = tuple(
            AnnotationObject(
                id=ds_id * 10 + n,
                class_id=1 if n == 0 else 2,
                geometry=g,
                tags=(Tag(7, "red", "ann", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),),
                labeler="ann",
                created_at="2024-01-01T00:00:00Z",
                updated_at="2024-01-03T00:00:00Z",
                description=f"object {n}",
            )
            for n, g in enumerate(geometries)
        )
        name = f"img{ds_id}.png"
        media = MediaLink(f"s3://bucket/{name}", "ab" * 32, 1234, 64, 48)
        state.items[(ds_id, name)] = ItemState(ds_id, name, media, (), objects, "an item")
    return state


def test_nested_datasets_and_any_classes_round_trip(tmp_path: Path) -> None:
    state = nested_state()
    out = tmp_path / "nested"
    write_supervisely(state, out)
    assert (out / "city" / "datasets" / "night" / "datasets" / "rain" / "ann").is_dir()
    assert (out / "city" / "datasets" / "day" / "ann" / "img2.png.json").is_file()
    assert not any((out / "city" / "img").iterdir())  # no local pixels: nothing linked
    ann = json.loads((out / "city" / "ann" / "img1.png.json").read_text())
    assert [o["geometryType"] for o in ann["objects"]] == ["rectangle", "bitmap", "point"]
    again = read_supervisely(out)
    assert again.meta.datasets == state.meta.datasets
    assert again.meta.classes == state.meta.classes
    assert again.meta.tag_metas == state.meta.tag_metas
    assert again.items == state.items


def test_objects_of_any_classes_carry_their_declared_or_detected_geometry_type(
    project: Path,
) -> None:
    def make_any(meta: dict[str, Any]) -> None:
        meta["classes"][3]["shape"] = "any"  # dog2, the polygons of dog1.jpg

    edit_json(project / "meta.json", make_any)
    state = read_supervisely(project)
    assert [o.geometry["geometryType"] for o in state.items[(1, "dog1.jpg")].objects] == [
        "polygon",
        "polygon",
    ]
    assert "geometryType" not in state.items[(1, "cat1.jpg")].objects[0].geometry

    def drop_type(ann: dict[str, Any]) -> None:
        for obj in ann["objects"]:
            del obj["geometryType"]

    edit_json(project / "ds" / "ann" / "dog1.jpg.json", drop_type)
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)  # three points: a line or a polygon, no telling
    assert caught.value.field == "ds/ann/dog1.jpg.json:objects[0].geometryType"


def test_a_geometry_type_contradicting_its_class_shape_is_refused(project: Path) -> None:
    def retype(ann: dict[str, Any]) -> None:
        ann["objects"][0]["geometryType"] = "polygon"

    edit_json(project / "ds" / "ann" / "cat1.jpg.json", retype)
    with pytest.raises(ValidationError, match="contradicts class 'cat'"):
        read_supervisely(project)


def test_items_without_pixels_use_their_media_link_or_their_name(project: Path) -> None:
    (project / "ds" / "img" / "cat1.jpg").unlink()
    (project / "ds" / "img" / "cat2.jpg").unlink()
    (project / "ds" / "meta").mkdir()
    link = {"annoledger_media": {"uri": "s3://b/cat2.jpg", "sha256": "00" * 32, "size": 9}}
    (project / "ds" / "meta" / "cat2.jpg.json").write_text(json.dumps(link))
    state = read_supervisely(project)
    assert state.items[(1, "cat1.jpg")].media == MediaLink("cat1.jpg", "", 0, 2000, 2000)
    assert state.items[(1, "cat2.jpg")].media == MediaLink(
        "s3://b/cat2.jpg", "00" * 32, 9, 1100, 732
    )


def test_a_missing_meta_json_is_refused(project: Path) -> None:
    (project / "meta.json").unlink()
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "meta.json"


def test_an_unknown_class_is_refused_naming_file_and_field(project: Path) -> None:
    edit_json(
        project / "ds" / "ann" / "cat1.jpg.json", lambda a: a["objects"][0].update(classTitle="x")
    )
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "ds/ann/cat1.jpg.json:objects[0].classTitle"
    assert "unknown class 'x'" in str(caught.value)


def test_an_unknown_tag_is_refused_naming_file_and_field(project: Path) -> None:
    edit_json(project / "ds" / "ann" / "dog3.jpg.json", lambda a: a["tags"][0].update(name="y"))
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "ds/ann/dog3.jpg.json:tags[0].name"


def test_malformed_json_is_refused_naming_file_and_line(project: Path) -> None:
    (project / "ds" / "ann" / "cat2.jpg.json").write_text('{\n  "size": {\n    "height": 1,,\n')
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "ds/ann/cat2.jpg.json"
    assert "line 3" in str(caught.value)


def test_a_missing_size_and_non_list_objects_are_refused(project: Path) -> None:
    ann = project / "ds" / "ann" / "cat3.jpg.json"
    edit_json(ann, lambda a: a.update(objects={"not": "a list"}))
    with pytest.raises(ValidationError, match="must be a list") as caught:
        read_supervisely(project)
    assert caught.value.field == "ds/ann/cat3.jpg.json:objects"
    edit_json(ann, lambda a: a.pop("size"))
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "ds/ann/cat3.jpg.json:size"


def test_duplicate_item_names_in_a_dataset_are_refused(project: Path) -> None:
    ann = project / "ds" / "ann"
    name = "caf\u00e9.jpg"  # the same name in NFC and in NFD: one item on macOS
    shutil.copy(ann / "cat1.jpg.json", ann / f"{name}.json")
    shutil.copy(ann / "cat1.jpg.json", ann / f"{unicodedata.normalize('NFD', name)}.json")
    with pytest.raises(ValidationError, match="duplicate item name") as caught:
        read_supervisely(project)
    assert caught.value.field.startswith("ds/ann/caf")


def test_writing_into_a_non_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(ValidationError) as caught:
        write_supervisely(read_supervisely(DEMO), tmp_path / "taken")
    assert caught.value.field == "outdir"
    write_supervisely(read_supervisely(DEMO), tmp_path / "empty")  # absent is fine
    (tmp_path / "empty2").mkdir()
    write_supervisely(read_supervisely(DEMO), tmp_path / "empty2")  # so is empty


# -- the layout Supervisely wrote before the current one ---------------------------------


def test_an_older_project_reads_stem_named_annotations_bare_tags_and_null_geometry_keys() -> None:
    state = read_supervisely(AUGMENTATIONS)
    assert sorted(state.items) == [
        (1, "image_01"), (1, "image_02"), (1, "image_03"), (2, "image_01"), (2, "image_02")
    ]
    tag_ids = {t.name: t.id for t in state.meta.tag_metas.values()}
    item = state.items[(1, "image_01")]
    assert [(t.meta_id, t.value) for t in item.tags] == [
        (tag_ids["like"], None), (tag_ids["cars_number"], 0), (tag_ids["situated"], "outside")
    ]
    shapes = {c.id: c.shape for c in state.meta.classes.values()}
    kinds = [(shapes[o.class_id], sorted(o.geometry)) for o in item.objects]
    assert kinds == [("polygon", ["points"]), ("bitmap", ["bitmap"]), ("rectangle", ["points"])]
    assert all(o.id == 0 and o.labeler == "" for o in item.objects)  # ids come at import
    raw = json.loads((AUGMENTATIONS / "dataset_01" / "ann" / "image_01.json").read_text())
    assert item.objects[1].geometry["bitmap"] == raw["objects"][1]["bitmap"]


def test_older_annotations_are_matched_to_their_images_by_stem(tmp_path: Path) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE)
    state = read_supervisely(project)
    assert sorted(name for _, name in state.items) == [
        "bicycle-car.jpeg", "bike-man-dog.jpeg", "bmw.jpeg", "car-people-indoors.jpeg",
        "snow-city.jpeg",
    ]
    pixels = (project / "dataset_02" / "img" / "bmw.jpeg").resolve()
    media = state.items[(2, "bmw.jpeg")].media
    assert (media.uri, media.sha256, media.width, media.height) == (
        "file://" + str(pixels), hashlib.sha256(pixels.read_bytes()).hexdigest(), 1200, 801
    )
    like = next(t.id for t in state.meta.tag_metas.values() if t.name == "like")
    assert (like, None) in [(t.meta_id, t.value) for t in state.items[(1, "bicycle-car.jpeg")].tags]


def test_an_exact_image_name_is_preferred_to_a_stem(tmp_path: Path) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE)
    img = project / "dataset_02" / "img"
    shutil.copy(img / "bmw.jpeg", img / "bmw")
    items = read_supervisely(project).items
    assert (2, "bmw") in items and (2, "bmw.jpeg") not in items
    assert (2, "snow-city.jpeg") in items  # its neighbour is still matched by stem


def test_two_images_sharing_an_annotation_stem_are_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE)
    img = project / "dataset_02" / "img"
    shutil.copy(img / "bmw.jpeg", img / "bmw.png")
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "dataset_02/ann/bmw.json"
    assert "bmw.jpeg, bmw.png" in str(caught.value)


def test_an_older_annotation_and_a_current_one_of_one_image_are_refused(tmp_path: Path) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE)
    ann = project / "dataset_02" / "ann"
    shutil.copy(ann / "bmw.json", ann / "bmw.jpeg.json")
    with pytest.raises(ValidationError, match=r"duplicate item name 'bmw\.jpeg'"):
        read_supervisely(project)


def test_a_bare_tag_name_without_a_tag_meta_is_refused_naming_file_and_field(
    tmp_path: Path,
) -> None:
    project = old_project(tmp_path, AUGMENTATIONS, images=False)
    edit_old_json(project / "dataset_01" / "ann" / "image_01.json",
                  lambda a: a["objects"][0]["tags"].append("shiny"))
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "dataset_01/ann/image_01.json:objects[0].tags[0].name"
    assert "unknown tag 'shiny'" in str(caught.value)
    edit_old_json(project / "dataset_01" / "ann" / "image_01.json",
                  lambda a: a["objects"][0].update(tags=[7]))
    with pytest.raises(ValidationError, match="must be a tag name or a JSON object"):
        read_supervisely(project)


def test_tag_metas_listed_for_images_and_objects_by_name_are_one_list(tmp_path: Path) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE, images=False)

    def legacy(meta: dict[str, Any]) -> None:
        tags = meta.pop("tags")
        meta["tags_images"] = ["like", *(t for t in tags if t["name"] != "like")]
        meta["tags_objects"] = ["like", *(t for t in tags if t["name"] == "car_color")]

    edit_old_json(project / "meta.json", legacy)
    state = read_supervisely(project)
    metas = {t.name: t for t in state.meta.tag_metas.values()}
    assert sorted(metas) == sorted(
        ["like", "situated", "cars_number", "car_color", "person_gender", "vehicle_age"]
    )
    assert metas["like"] == TagMeta(metas["like"].id, "like", "none")
    assert metas["situated"].values == ("inside", "outside")
    assert state.object_count == 15


def test_older_tag_lists_that_disagree_or_mix_with_tags_are_refused(tmp_path: Path) -> None:
    project = old_project(tmp_path, PROJECT_STRUCTURE, images=False)
    edit_old_json(project / "meta.json", lambda m: m.update(tags_images=["like"]))
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "meta.json:tags_images"

    def disagree(meta: dict[str, Any]) -> None:
        meta["tags"] = []
        meta["tags_images"] = ["like"]
        meta["tags_objects"] = [{"name": "like", "value_type": "any_string"}]

    edit_old_json(project / "meta.json", disagree)
    with pytest.raises(ValidationError) as caught:
        read_supervisely(project)
    assert caught.value.field == "meta.json:tags_objects[0]"
    assert "differs from its entry tags_images[0]" in str(caught.value)


def test_null_geometry_keys_do_not_decide_the_shape_of_an_any_class(tmp_path: Path) -> None:
    project = old_project(tmp_path, AUGMENTATIONS, images=False)
    edit_old_json(project / "meta.json", lambda m: m["classes"][0].update(shape="any"))
    edit_old_json(project / "meta.json", lambda m: m["classes"][1].update(shape="any"))

    def hole(ann: dict[str, Any]) -> None:  # a polygon with a hole is told from a line
        points = ann["objects"][0]["points"]
        points["interior"] = [points["exterior"][:3]]

    edit_old_json(project / "dataset_01" / "ann" / "image_01.json", hole)
    state = read_supervisely(project)
    person, dog = (o.geometry for o in state.items[(1, "image_01")].objects[1::-1])
    assert (person["geometryType"], sorted(person)) == ("bitmap", ["bitmap", "geometryType"])
    assert (dog["geometryType"], sorted(dog)) == ("polygon", ["geometryType", "points"])


def test_an_older_project_is_written_in_the_current_layout_and_reads_back_the_same(
    tmp_path: Path,
) -> None:
    state = read_supervisely(old_project(tmp_path, AUGMENTATIONS))
    out = tmp_path / "out"
    write_supervisely(state, out)
    assert sorted(p.name for p in (out / "dataset_02" / "ann").iterdir()) == [
        "image_01.jpeg.json", "image_02.jpeg.json"
    ]
    ann = json.loads((out / "dataset_01" / "ann" / "image_01.jpeg.json").read_text())
    assert [t["name"] for t in ann["tags"]] == ["like", "cars_number", "situated"]
    assert [o["geometryType"] for o in ann["objects"]] == ["polygon", "bitmap", "rectangle"]
    assert all(None not in o.values() for o in ann["objects"])
    by_stem = read_supervisely(old_project(tmp_path / "stems", AUGMENTATIONS, images=False))
    write_supervisely(by_stem, tmp_path / "stems-out")
    again = read_supervisely(tmp_path / "stems-out")
    assert again.meta.tag_metas == by_stem.meta.tag_metas
    assert again.items == by_stem.items
