"""The bisect predicate language: parsed by hand, checked, evaluated; never ``eval``."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import ValidationError
from domain.predicate_facts import StateFacts
from domain.predicates import FUNCTIONS, named, parse_predicate, require_known_names
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass, Tag, TagMeta

MEDIA = MediaLink("file:///x.jpg", "0" * 64, 1, 10, 10)
BOX: dict[str, Any] = {"points": {"exterior": [[0, 0], [1, 1]], "interior": []}}
META = MetaState("p", {1: ObjectClass(1, "cat", "rectangle"),
                       2: ObjectClass(2, "dog", "rectangle")},
                 {5: TagMeta(5, "checked")}, {1: Dataset(1, "ds")})


def facts() -> StateFacts:
    items = [
        ItemState(1, "a.jpg", MEDIA, (Tag(5),), (AnnotationObject(10, 1, BOX),
                                                 AnnotationObject(11, 1, BOX))),
        ItemState(1, "b.jpg", MEDIA, (), (AnnotationObject(12, 2, BOX, (Tag(5),)),)),
        ItemState(1, "empty.jpg", MEDIA),
    ]
    return StateFacts(META, items)


@pytest.mark.parametrize(("text", "expected"), [
    ('count(class="cat") < 3', True),
    ("count(class='cat') == 2", True),
    ('count(class="cat") < 2', False),
    ("count() == 3 and objects() == 3", True),
    ('count(class="lynx") == 0', True),
    ("items() == 3", True),
    ("items() < 100", True),
    ("empty_items() > 0", True),
    ("empty_items()", True),
    ('class_of(object=12) == "dog"', True),
    ("class_of(object=99) == none", True),
    ("class_of(object=99) < 3", False),
    ("exists(object=10) and not exists(object=99)", True),
    ('item_objects(item="ds/a.jpg") == 2', True),
    ('item_objects(item="ds/missing.jpg") == 0', True),
    ('tagged(tag="checked") == 2', True),
    ("classes() == 2", True),
    ("not items() > 1 or items() == 3 and classes() == 2", True),
    ("(not items() > 1 or items() == 3) and classes() == 1", False),
    ("not not true", True),
    ("count() >= 2.5", True),
])
def test_predicates_evaluate_over_a_state(text: str, expected: bool) -> None:
    assert parse_predicate(text).holds(facts()) is expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ('__import__("os")', "unknown function '__import__'"),
    ('__import__("os").system("true")', "unexpected character"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("items().real", "unexpected character"),
    ("count(klass='cat') < 3", "takes no argument 'klass'"),
    ("class_of() == 'dog'", "needs object="),
    ("class_of(object='x') == 'dog'", "bad argument"),
    ("items() <", "expected a value"),
    ("(items() < 3", "expected ')'"),
    ("items() < 3 3", "unexpected text"),
    ("count(class=\"cat) < 3", "unexpected character"),
    ("x" * 3000, "longer than"),
    ("lambda: 1", "unexpected character"),
    ("items() + 1 > 0", "unexpected character"),
])
def test_malformed_or_unsafe_predicates_are_refused_with_the_reason(
    text: str, message: str,
) -> None:
    with pytest.raises(ValidationError, match="predicate") as caught:
        parse_predicate(text)
    assert message in str(caught.value)


def test_errors_name_the_column_where_the_expression_goes_wrong() -> None:
    with pytest.raises(ValidationError, match="column 13"):
        parse_predicate("items() > 1 ? 2")


def test_only_the_documented_functions_exist() -> None:
    assert set(FUNCTIONS) == {"items", "count", "objects", "empty_items", "class_of", "exists",
                              "item_objects", "tagged", "classes"}


def test_functions_are_asked_only_when_evaluated_and_short_circuit() -> None:
    asked: list[str] = []

    class Spy:
        def items(self) -> int:
            asked.append("items")
            return 0

        def empty_items(self) -> int:
            asked.append("empty_items")
            return 0

    parse_predicate("items() > 0 and empty_items() > 0").holds(Spy())  # type: ignore[arg-type]
    assert asked == ["items"]


KNOWN_CLASSES, KNOWN_TAGS = ("cat", "dog"), ("checked",)


@pytest.mark.parametrize(("text", "unknown", "kind"), [
    ('count(class="persn") < 12', "'persn'", "class"),
    ("objects(class='Cat') > 0", "'Cat'", "class"),
    ('tagged(tag="chekced") > 0', "'chekced'", "tag"),
    ('items() > 0 and not (count(class="lynx") == 0 or count(class="dog") > 1)', "'lynx'",
     "class"),
    ('class_of(object=7) == "lynx"', "'lynx'", "class"),
    ('"lynx" != class_of(object=7)', "'lynx'", "class"),
])
def test_a_predicate_naming_an_unknown_class_or_tag_is_refused_with_the_known_ones(
    text: str, unknown: str, kind: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        require_known_names(parse_predicate(text), KNOWN_CLASSES, KNOWN_TAGS)
    assert caught.value.field == "predicate"
    message = str(caught.value)
    assert f"unknown {kind} {unknown}" in message
    known = KNOWN_CLASSES if kind == "class" else KNOWN_TAGS
    assert all(repr(name) in message for name in known)


@pytest.mark.parametrize("text", [
    'count(class="cat") < 12 and tagged(tag="checked") > 0',
    "count() > 0 and items() == 3",
    'class_of(object=7) == "dog" or class_of(object=8) == "#4"',
    'item_objects(item="ds/lynx.jpg") == 0',
])
def test_a_predicate_naming_only_known_classes_and_tags_passes(text: str) -> None:
    require_known_names(parse_predicate(text), KNOWN_CLASSES, KNOWN_TAGS)
    assert named(parse_predicate(text))[0] <= set(KNOWN_CLASSES)


def test_a_long_list_of_known_names_is_cut_short() -> None:
    many = [f"class{i:03}" for i in range(100)]
    with pytest.raises(ValidationError, match="and 60 more") as caught:
        require_known_names(parse_predicate('count(class="x") > 0'), many, ())
    assert "'class039'" in str(caught.value) and "'class040'" not in str(caught.value)
