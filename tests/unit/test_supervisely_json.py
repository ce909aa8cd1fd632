"""The Supervisely codec: every shape, tag and meta reads back as it was written; ids of
any sign, older-layout variants, and refusals that name the field."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from domain.errors import ValidationError
from domain.state import ItemState, MetaState
from domain.supervisely_json import (
    GEOMETRY_FIELDS,
    Names,
    annotation_json,
    meta_json,
    object_json,
    parse_annotation,
    parse_meta,
    parse_object,
    parse_object_patch,
    parse_tags,
    tags_json,
)
from domain.values import AnnotationObject, MediaLink, ObjectClass, Tag, TagMeta

NODE = {"loc": [5, 6]}
GEOMETRIES: dict[str, dict[str, Any]] = {
    "point": {"points": {"exterior": [[1, 2]], "interior": []}},
    "rectangle": {"points": {"exterior": [[1, 2], [30, 40]], "interior": []}},
    "polygon": {"points": {"exterior": [[0, 0], [9, 0], [9, 9]],
                           "interior": [[[1, 1], [2, 1], [2, 2]]]}},
    "line": {"points": {"exterior": [[0, 0], [9, 9]], "interior": []}},
    "bitmap": {"bitmap": {"origin": [3, 4], "data": "eJzrDPBz5+WS4mJgYOD19HAJ"}},
    "graph": {"nodes": {"a": NODE, "b": {"loc": [7, 8], "disabled": True}},
              "edges": [{"src": "a", "dst": "b"}]},
    "cuboid": {"points": [[0, 0]] * 7, "faces": [[0, 1, 2, 3], [0, 4, 5, 1], [1, 5, 6, 2]]},
    "cuboid_2d": {"vertices": {"v1": NODE}},
    "oriented_bbox": {"points": {"exterior": [[1, 2], [30, 40]], "interior": []},
                      "angle": 0.5},
    "alpha_mask": {"bitmap": {"origin": [0, 0], "data": "abc"}},
}
CLASSES = {i: ObjectClass(i, shape, shape) for i, shape in enumerate(GEOMETRIES, start=-4)}
ANY = ObjectClass(100, "thing", "any")
META = MetaState(
    "p",
    {**CLASSES, ANY.id: ANY},
    {0: TagMeta(0, "good"), -7: TagMeta(-7, "score", "any_number")},
)
MEDIA = MediaLink("s3://b/a.jpg", "", 0, 640, 480)


def _object(cls: ObjectClass, geometry: dict[str, Any], object_id: int) -> AnnotationObject:
    tags = (Tag(0, None, "ann", "t0", "t1"), Tag(-7, 2.5))
    return AnnotationObject(object_id, cls.id, geometry, tags, "ann", "t0", "t1", "d")


@pytest.mark.parametrize("shape", list(GEOMETRIES))
@pytest.mark.parametrize("object_id", [-5, 0, 7])
def test_every_shape_reads_back_as_written_whatever_the_sign_of_its_id(
    shape: str, object_id: int
) -> None:
    cls = next(c for c in CLASSES.values() if c.shape == shape)
    obj = _object(cls, copy.deepcopy(GEOMETRIES[shape]), object_id)
    written = object_json(META, obj)
    assert written["geometryType"] == shape and written["id"] == object_id
    assert parse_object(META, written) == obj


@pytest.mark.parametrize("shape", list(GEOMETRIES))
def test_objects_of_any_classes_carry_their_shape_both_ways(shape: str) -> None:
    obj = _object(ANY, {**GEOMETRIES[shape], "geometryType": shape}, -1)
    written = object_json(META, obj)
    assert written["geometryType"] == shape and "geometryType" in written
    assert parse_object(META, written) == obj


def test_an_annotation_reads_back_with_its_size_and_tags_with_a_zero_tag_meta_id() -> None:
    item = ItemState(1, "a.jpg", MEDIA, (Tag(0, None), Tag(-7, 3)),
                     (_object(CLASSES[-4], GEOMETRIES["point"], -5),), "night")
    written = annotation_json(META, item)
    assert written["size"] == {"height": 480, "width": 640}
    assert [t["tagId"] for t in written["tags"]] == [0, -7]
    ann = parse_annotation(META, written)
    assert ann.size == (640, 480) and ann.description == "night"
    assert (ann.tags, ann.objects) == (item.tags, item.objects)
    assert parse_annotation(Names.of(META), written) == ann


def test_meta_reads_back_as_written_with_ids_of_any_sign() -> None:
    parts = parse_meta(meta_json(META))
    assert parts.classes == META.classes and parts.tag_metas == META.tag_metas
    assert parts.extra == {}  # "projectType": "images" is what the writer writes anyway


def test_older_layout_bare_tags_null_geometry_keys_and_missing_ids_are_read() -> None:
    ann = parse_annotation(META, {
        "tags": ["good"],
        "objects": [{"classTitle": "rectangle", "id": None, "tags": ["good"], "bitmap": None,
                     "nodes": None, "points": GEOMETRIES["rectangle"]["points"]}],
    })
    assert ann.size is None and ann.tags == (Tag(0),)
    (obj,) = ann.objects
    assert obj.id == 0 and obj.geometry == GEOMETRIES["rectangle"] and obj.tags == (Tag(0),)


def test_a_missing_geometry_type_of_an_any_class_is_detected_from_its_keys() -> None:
    obj = parse_object(META, {"classTitle": "thing", "points": None, **GEOMETRIES["graph"]})
    assert obj.geometry["geometryType"] == "graph" and "points" not in obj.geometry


def test_only_the_keys_of_the_shape_are_kept() -> None:
    obj = parse_object(META, {"classId": -3, "bitmap": {"x": 1}, **GEOMETRIES["rectangle"]})
    assert set(obj.geometry) == {"points"}
    assert set(GEOMETRY_FIELDS) == {"points", "bitmap", "nodes", "edges", "faces",
                                    "vertices", "angle"}


def test_a_title_names_the_class_before_an_id() -> None:
    obj = parse_object(META, {"classTitle": "polygon", "classId": -4,
                              **GEOMETRIES["polygon"]})
    assert META.classes[obj.class_id].title == "polygon"


@pytest.mark.parametrize(("data", "field", "text"), [
    ({"objects": [{}, {"classTitle": "zebra"}]}, "objects[0].classTitle", "unknown class None"),
    ({"objects": [GEOMETRIES["point"] | {"classTitle": "point", "id": "5"}]},
     "objects[0].id", "must be an integer"),
    ({"objects": [GEOMETRIES["point"] | {"classTitle": "point", "id": True}]},
     "objects[0].id", "must be an integer"),
    ({"objects": [{"classTitle": "graph"}]}, "objects[0].nodes", "a geometry is required"),
    ({"objects": [{"classTitle": "thing", "points": {"exterior": [[0, 0], [1, 1]]}}]},
     "objects[0].geometryType", "not detectable"),
    ({"objects": [GEOMETRIES["point"] | {"classTitle": "point", "geometryType": "line"}]},
     "objects[0].geometryType", "contradicts class 'point'"),
    ({"objects": [GEOMETRIES["point"] | {"classTitle": "point", "tags": [{"name": "x"}]}]},
     "objects[0].tags[0].name", "unknown tag 'x'"),
    ({"tags": [3]}, "tags[0]", "must be a tag name or a JSON object"),
    ({"tags": [{"name": "good", "value": float("nan")}]}, "tags[0].value", "finite"),
    ({"tags": [{"name": "good", "labelerLogin": 4}]}, "tags[0].labelerLogin", "string"),
    ({"objects": {"not": "a list"}}, "objects", "must be a list"),
    ({"size": {"width": -1, "height": 2}}, "size.width", "non-negative"),
    ({"description": 5}, "description", "must be a string"),
    ([], "", "must be a JSON object"),
])
def test_refusals_name_the_field(data: Any, field: str, text: str) -> None:
    with pytest.raises(ValidationError, match=text) as caught:
        parse_annotation(META, data)
    assert caught.value.field == field


@pytest.mark.parametrize(("data", "field"), [
    ({"classes": [{"title": "a", "shape": "blob"}]}, "classes[0].shape"),
    ({"classes": [{"title": "a", "shape": "point", "id": 1},
                  {"title": "b", "shape": "point", "id": 1}]}, "classes[1].id"),
    ({"tags": [{"name": "a"}], "tags_images": ["b"]}, "tags_images"),
    ({"tags_images": [{"name": "a", "value_type": "any_string"}], "tags_objects": ["a"]},
     "tags_objects[0]"),
    ({"tags": [{"name": "a", "values": [1]}]}, "tags[0].values"),
    ("x", ""),
])
def test_meta_refusals_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_meta(data)
    assert caught.value.field == field


def test_older_tag_lists_merge_into_one_tag_meta_per_name() -> None:
    metas = parse_meta({"tags_images": ["a", {"name": "b", "value_type": "any_number"}],
                        "tags_objects": ["a"]}).tag_metas
    assert sorted((m.id, m.name, m.value_type) for m in metas.values()) == [
        (1, "a", "none"), (2, "b", "any_number")]


def test_a_patch_changes_only_what_it_gives() -> None:
    current = _object(CLASSES[-3], GEOMETRIES["rectangle"], -5)
    patch = parse_object_patch(META, current, {"tags": ["good"]})
    assert (patch.geometry, patch.class_id, patch.tags) == (None, None, (Tag(0),))
    moved = parse_object_patch(META, current, {"classTitle": "thing"})
    assert (moved.class_id, moved.geometry) == (ANY.id, None)  # the object carries its shape
    with pytest.raises(ValidationError) as caught:
        parse_object_patch(META, current, {"classTitle": "rectangle", "geometryType": 3})
    assert caught.value.field == "object.geometryType"


def test_a_patch_gives_any_field_of_an_object_and_nothing_else() -> None:
    current = _object(CLASSES[-3], GEOMETRIES["rectangle"], -5)
    patch = parse_object_patch(META, current, {
        "labelerLogin": "zoe", "description": None, "createdAt": "c", "updatedAt": "u"})
    assert (patch.labeler, patch.description, patch.created_at, patch.updated_at) == (
        "zoe", "", "c", "u")
    assert (patch.geometry, patch.class_id, patch.tags, patch.extra) == (None,) * 4
    read_back = object_json(META, current)  # an object read can be sent back
    assert parse_object_patch(META, current, read_back).class_id == current.class_id
    for body, field in (({"bogus": 1}, "object.bogus"), ({"id": 9}, "object.id"),
                        ({"classTitle": "line"}, "object.classTitle"),
                        ({"classId": -4, "geometryType": "point"}, "object.classId")):
        with pytest.raises(ValidationError) as caught:
            parse_object_patch(META, current, body)
        assert caught.value.field == field, body
    assert "would become a line" in str(parse_error(current, {"classTitle": "line"}))
    carrying = AnnotationObject(-5, -3, GEOMETRIES["rectangle"], extra={"priority": 1})
    assert parse_object_patch(META, carrying, {"priority": 2}).extra == {"priority": 2}


def parse_error(current: AnnotationObject, body: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_object_patch(META, current, body)
    return caught.value


def test_a_whole_annotation_refuses_a_class_of_another_shape_for_an_object_it_replaces(
) -> None:
    current = {5: _object(CLASSES[-3], GEOMETRIES["rectangle"], 5)}
    entry = {"id": 5, "classTitle": "line", "geometryType": "rectangle",
             **GEOMETRIES["rectangle"]}
    with pytest.raises(ValidationError, match="would become a line") as caught:
        parse_annotation(META, {"objects": [entry]}, current)
    assert caught.value.field == "objects[0].classTitle"
    fresh = parse_annotation(META, {"objects": [{**entry, "id": 6, "geometryType": "line"}]},
                             current)  # another id: a new object of its own class
    assert fresh.objects[0].class_id == -1


def test_writing_names_what_the_meta_lacks() -> None:
    with pytest.raises(ValidationError) as caught:
        tags_json(META, (Tag(0), Tag(99)))
    assert caught.value.field == "tags[1].tagId"
    item = ItemState(1, "a", MEDIA, (), (_object(CLASSES[-4], GEOMETRIES["point"], 1),
                                         AnnotationObject(2, 55, {})))
    with pytest.raises(ValidationError, match="unknown class 55") as caught:
        annotation_json(META, item)
    assert caught.value.field == "objects[1].classId"


def test_tags_name_their_meta_by_name_before_id() -> None:
    assert parse_tags(META, [{"name": "score", "tagId": 0, "value": 1}], "tags") == (
        Tag(-7, 1),)
    assert parse_tags(META, [{"tagId": -7}], "tags") == (Tag(-7),)


def test_geometry_keys_are_defined_once_in_the_domain_geometry() -> None:
    root = Path(__file__).resolve().parents[2]
    definition = re.compile(r"^\s*\w*GEOMETRY_KEYS\s*(:[^=]*)?=[^=]", re.MULTILINE)
    found = [
        path.relative_to(root).as_posix()
        for package in ("domain", "application", "infrastructure", "interfaces")
        for path in sorted((root / package).rglob("*.py"))
        for _ in definition.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == ["domain/geometry/validate.py"]
