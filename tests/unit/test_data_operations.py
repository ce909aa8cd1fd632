"""Split, merge, subsample, filter and rename-classes as functions of a state: what each
keeps, moves and refuses, on the real COCO val2014 sample (100 images, 80 classes)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from application.operations.merge import merge, parse_merge
from application.operations.registry import OPERATIONS, registered
from application.operations.rename import parse_rename, rename_classes
from application.operations.spec import OperationInput
from application.operations.split import parse_split, split
from application.operations.subsample import parse_subsample, subsample
from domain.digest import state_digest
from domain.errors import ValidationError
from domain.state import ProjectState
from infrastructure.formats.coco import read_coco
from tests.conftest import FIXTURES

COCO = FIXTURES / "instances_val2014_100.json"


class NoMedia:
    def read(self, item: Any) -> bytes | None:
        return None

    def store(self, data: bytes, width: int, height: int) -> Any:
        raise AssertionError("these operations never write pixels")


class NoImaging:
    """The Imaging port where an operation must never work on pixels."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"these operations never work on pixels (asked for {name})")


@pytest.fixture(scope="module")
def coco() -> ProjectState:
    return read_coco(COCO, images_dir=Path("/nonexistent"))


def run(op: Any, state: ProjectState, params: dict[str, Any], seed: int = 1) -> ProjectState:
    return op(OperationInput(state, random.Random(seed), NoMedia(), NoImaging(),
                             lambda d, t: None), params)


def shares(state: ProjectState, dataset_id: int) -> Counter[int]:
    return Counter(o.class_id for i in state.items.values() if i.dataset_id == dataset_id
                   for o in i.objects)


@pytest.mark.parametrize("stratify", [False, True])
def test_split_puts_every_item_in_exactly_one_part_of_the_right_size(
        coco: ProjectState, stratify: bool) -> None:
    params = parse_split({"parts": "train=0.7,val=0.2,test=0.1", "stratify": stratify})
    out = run(split, coco, params)
    assert [d.name for d in out.meta.datasets.values()] == ["train", "val", "test"]
    sizes = Counter(i.dataset_id for i in out.items.values())
    for dataset_id, ratio in zip((1, 2, 3), (0.7, 0.2, 0.1), strict=True):
        assert abs(sizes[dataset_id] - ratio * len(coco.items)) <= 1
    assert sorted(i.name for i in out.items.values()) == sorted(
        i.name for i in coco.items.values())
    assert out.object_count == coco.object_count


def test_stratified_split_keeps_class_shares_closer_to_the_whole(coco: ProjectState) -> None:
    """Summed over classes with at least 10 objects, the train part's share of each class
    strays from 0.8 by under 70% of what the best of five plain random splits does."""
    whole = Counter(o.class_id for i in coco.items.values() for o in i.objects)
    common = [c for c, n in whole.items() if n >= 10]

    def error(state: ProjectState) -> float:
        train = shares(state, 1)
        return sum(abs(train[c] / whole[c] - 0.8) for c in common)

    plain = [error(run(split, coco, parse_split({"parts": "train=0.8,val=0.2"}), s))
             for s in range(1, 6)]
    stratified = [error(run(split, coco, parse_split({"parts": "train=0.8,val=0.2",
                                                      "stratify": True}), s))
                  for s in range(1, 6)]
    assert max(stratified) < 0.7 * min(plain)
    assert max(stratified) / len(common) < 0.1  # a class's train share within 0.1 of 0.8


def test_split_is_a_function_of_the_seed(coco: ProjectState) -> None:
    params = parse_split({"parts": {"train": 0.8, "val": 0.2}})
    assert state_digest(run(split, coco, params, 3)) == state_digest(run(split, coco, params, 3))
    assert state_digest(run(split, coco, params, 3)) != state_digest(run(split, coco, params, 4))


@pytest.mark.parametrize(("parts", "field"), [
    ("train=0.8,val=0.3", "parts"), ("train=0.8,val", "parts"), ("train=x,val=0.2", "parts.train"),
    ("train=1.5", "parts.train"), ("datasets=1", "parts.datasets"),
])
def test_split_refuses_bad_parts_naming_them(parts: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_split({"parts": parts})
    assert caught.value.field == field


def test_subsample_keeps_the_fraction_or_count_drawn_from_the_seed(coco: ProjectState) -> None:
    a = run(subsample, coco, parse_subsample({"fraction": 0.25}), 9)
    assert len(a.items) == 25 and set(a.items) <= set(coco.items)
    assert set(run(subsample, coco, parse_subsample({"fraction": 0.25}), 9).items) == set(a.items)
    assert len(run(subsample, coco, parse_subsample({"count": "7"}), 9).items) == 7
    with pytest.raises(ValidationError, match="count: 101 is more than the 100 items"):
        run(subsample, coco, parse_subsample({"count": 101}))
    for bad in ({}, {"fraction": 0.5, "count": 3}, {"fraction": 0}, {"count": 1.5},
                {"fraction": 0.5, "ratio": 1}):
        with pytest.raises(ValidationError):
            parse_subsample(bad)


def test_rename_merges_classes_of_one_shape_and_refuses_two_shapes(coco: ProjectState) -> None:
    meta = coco.meta
    bus, train = meta.class_by_title("bus"), meta.class_by_title("train")
    assert bus is not None and train is not None and bus.shape == train.shape == "polygon"
    out = run(rename_classes, coco, parse_rename({"map": "bus=vehicle,train=vehicle"}))
    vehicle = out.meta.class_by_title("vehicle")
    assert vehicle is not None and vehicle.id == bus.id
    assert out.meta.class_by_title("bus") is None and out.meta.class_by_title("train") is None
    before = Counter(o.class_id for i in coco.items.values() for o in i.objects)
    after = Counter(o.class_id for i in out.items.values() for o in i.objects)
    assert after[bus.id] == before[bus.id] + before[train.id] and after[train.id] == 0
    car = meta.class_by_title("car")
    assert car is not None and car.shape != "polygon"
    with pytest.raises(ValidationError, match=r"map.car: class 'car' \(any\) cannot merge"):
        run(rename_classes, coco, parse_rename({"map": "bus=vehicle,car=vehicle"}))
    with pytest.raises(ValidationError, match=r"map\.zebu: no class 'zebu'"):
        run(rename_classes, coco, parse_rename({"map": {"zebu": "cow"}}))


def test_merge_moves_datasets_into_one_and_refuses_name_clashes(coco: ProjectState) -> None:
    parted = run(split, coco, parse_split({"parts": "a=0.5,b=0.5"}))
    out = run(merge, parted, parse_merge({"datasets": "a,b", "into": "all"}))
    assert [d.name for d in out.meta.datasets.values()] == ["all"]
    assert len(out.items) == 100
    twice = ProjectState(parted.meta, dict(parted.items))
    first = next(i for i in parted.items.values() if i.dataset_id == 1)
    twice.items[(2, first.name)] = first.__class__(2, first.name, first.media)
    with pytest.raises(ValidationError, match=f"into: a/{first.name} and b/{first.name}|"
                                              f"into: b/{first.name} and a/{first.name}"):
        run(merge, twice, parse_merge({"datasets": ["a", "b"], "into": "all"}))
    with pytest.raises(ValidationError, match=r"datasets\.c: 'c': no such dataset"):
        run(merge, parted, parse_merge({"datasets": "a,c", "into": "all"}))


def test_every_operation_names_its_module_and_unknown_ones_are_refused() -> None:
    assert set(OPERATIONS) == {"augment", "convert", "rasterize", "rename-classes", "split",
                               "merge", "subsample", "filter"}
    for name in ("rename-classes", "split", "merge", "subsample", "filter"):
        parse, operation = registered(name).load()
        assert callable(parse) and callable(operation)
    with pytest.raises(ValidationError, match="operation: unknown operation 'shuffle'"):
        registered("shuffle")
