"""Merge: the items of several datasets into one (new or existing) dataset.

Datasets are named by name or ``parent/child`` path. A dataset emptied by the merge is
removed unless it still holds nested datasets. Two items that would carry the same name
in the target are refused, naming both: renaming them silently would break the link
between an item and its files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from application.operations.params import known_keys, names
from application.operations.spec import OperationInput
from domain.errors import ValidationError
from domain.names import check_dataset_name
from domain.state import MetaState, ProjectState
from domain.values import Dataset


def parse_merge(params: Mapping[str, Any]) -> dict[str, Any]:
    known_keys(params, ("datasets", "into"))
    for key in ("datasets", "into"):
        if key not in params:
            raise ValidationError(key, "is required")
    into = params["into"]
    if not isinstance(into, str):
        raise ValidationError("into", "must be a dataset name")
    check_dataset_name(into, "into")
    return {"datasets": names(params["datasets"], "datasets"), "into": into}


def find_dataset(meta: MetaState, ref: str, field: str) -> Dataset:
    """A dataset by ``parent/child`` path, or by name when only one carries it."""
    found = meta.dataset_by_path(ref)
    if found is not None:
        return found
    named = [d for d in meta.datasets.values() if d.name == ref]
    if len(named) == 1:
        return named[0]
    known = ", ".join(sorted(meta.dataset_path(i) for i in meta.datasets)) or "none"
    why = "names several datasets" if named else "no such dataset"
    raise ValidationError(field, f"{ref!r}: {why} (datasets: {known})")


def merge(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    state = inp.state
    meta = state.meta
    sources = [find_dataset(meta, ref, f"datasets.{ref}").id for ref in params["datasets"]]
    datasets = dict(meta.datasets)
    target = meta.dataset_by_path(params["into"])
    if target is None:
        target = Dataset(max(datasets, default=0) + 1, params["into"])
        datasets[target.id] = target
    out = ProjectState(MetaState(meta.name, meta.classes, meta.tag_metas, datasets,
                                 meta.extra))
    origin: dict[str, str] = {}
    for item in state.iter_items():
        if item.dataset_id not in sources:
            out.items[(item.dataset_id, item.name)] = item
            continue
        path = state.item_path(item)
        key = (target.id, item.name)
        if key in out.items or item.name in origin:
            other = origin.get(item.name, f"{params['into']}/{item.name}")
            raise ValidationError("into", f"{path} and {other} would both be "
                                          f"{params['into']}/{item.name}")
        origin[item.name] = path
        out.items[key] = replace(item, dataset_id=target.id, id=None)
    parents = {d.parent_id for d in datasets.values()}
    for dataset_id in sources:
        if dataset_id != target.id and dataset_id not in parents:
            del datasets[dataset_id]
    return out
