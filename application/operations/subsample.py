"""Subsample: keep a random share of the items (``fraction`` F or ``count`` N).

The items kept are drawn from the run's seed over the items in their stable order
(dataset path, then name), so the same seed on the same version keeps the same items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.operations.params import count, fraction, known_keys
from application.operations.spec import OperationInput
from domain.errors import ValidationError
from domain.state import ProjectState


def parse_subsample(params: Mapping[str, Any]) -> dict[str, Any]:
    known_keys(params, ("fraction", "count"))
    given = [k for k in ("fraction", "count") if params.get(k) is not None]
    if len(given) != 1:
        raise ValidationError("fraction", "give exactly one of fraction F or count N")
    if given[0] == "fraction":
        return {"fraction": fraction(params["fraction"], "fraction")}
    return {"count": count(params["count"], "count")}


def subsample(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    state = inp.state
    items = list(state.iter_items())
    if "count" in params:
        wanted = params["count"]
        if wanted > len(items):
            raise ValidationError("count", f"{wanted} is more than the {len(items)} items "
                                           f"of the version")
    else:
        wanted = round(params["fraction"] * len(items))
    kept = sorted(inp.rng.sample(range(len(items)), wanted))
    out = ProjectState(state.meta)
    for index in kept:
        item = items[index]
        out.items[(item.dataset_id, item.name)] = item
    return out
