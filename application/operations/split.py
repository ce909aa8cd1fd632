"""Split: every item into exactly one of the named parts, each a dataset of its own.

Part sizes are the ratios' shares of the items, each within one item of exact (largest
remainders). Items are dealt in an order drawn from the run's seed. With ``stratify``,
items are placed one by one, those with most objects first (ties in the drawn order),
each into the part with room left that it brings closest to its exact share of every
class's objects (a greedy balancing in the spirit of Sechidis et al.'s iterative
stratification, 2011), so each part's per-class object shares stay close to the
whole's while its size stays exact. Items keep their names; two items of the same
name from different datasets are told apart by their dataset's path (``ds-a.jpg``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from application.operations.params import flag, known_keys, pairs, shares
from application.operations.spec import OperationInput
from domain.errors import ValidationError
from domain.names import check_dataset_name
from domain.state import ItemState, MetaState, ProjectState
from domain.values import Dataset

TOLERANCE = 1e-6


def parse_split(params: Mapping[str, Any]) -> dict[str, Any]:
    known_keys(params, ("parts", "stratify"))
    if "parts" not in params:
        raise ValidationError("parts", "is required (for example train=0.8,val=0.2)")
    parts: dict[str, float] = {}
    for name, text in pairs(params["parts"], "parts"):
        check_dataset_name(name, f"parts.{name}")
        try:
            ratio = float(text)
        except ValueError:
            raise ValidationError(f"parts.{name}", f"{text!r} is not a number") from None
        if not math.isfinite(ratio) or not 0 < ratio <= 1:
            raise ValidationError(f"parts.{name}", f"{text!r} must be a ratio in (0, 1]")
        parts[name] = ratio
    total = sum(parts.values())
    if abs(total - 1) > TOLERANCE:
        raise ValidationError("parts", f"the ratios add up to {total:g}, not 1")
    return {"parts": parts, "stratify": flag(params.get("stratify", False), "stratify")}


def split(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    state = inp.state
    parts: dict[str, float] = dict(params["parts"])
    items = list(state.iter_items())
    inp.rng.shuffle(items)
    sizes = shares(parts, len(items))
    placed = (_stratified(items, parts, sizes) if params["stratify"]
              else _dealt(items, sizes))
    meta = state.meta
    datasets = {i: Dataset(i, name) for i, name in enumerate(parts, 1)}
    out = ProjectState(MetaState(meta.name, meta.classes, meta.tag_metas, datasets,
                                 meta.extra))
    for done, (item, part) in enumerate(placed, 1):
        dataset_id = list(parts).index(part) + 1
        name = item.name
        if (dataset_id, name) in out.items:
            name = f"{meta.dataset_path(item.dataset_id).replace('/', '-')}-{item.name}"
        out.items[(dataset_id, name)] = replace(item, dataset_id=dataset_id, name=name,
                                                id=None)
        if done % 1000 == 0:
            inp.progress(done, len(placed))
    return out


def _dealt(items: list[ItemState], sizes: dict[str, int]) -> list[tuple[ItemState, str]]:
    placed: list[tuple[ItemState, str]] = []
    start = 0
    for part, size in sizes.items():
        placed += [(item, part) for item in items[start:start + size]]
        start += size
    return placed


def _stratified(items: list[ItemState], parts: dict[str, float],
                sizes: dict[str, int]) -> list[tuple[ItemState, str]]:
    whole: Counter[int] = Counter(o.class_id for i in items for o in i.objects)
    short = {p: {c: r * n for c, n in whole.items()} for p, r in parts.items()}
    room = dict(sizes)

    def cost(part: str, counts: Counter[int]) -> float:
        """How much further from its exact shares the part would stray."""
        lack = short[part]
        return sum(abs(lack[c] - n) - abs(lack[c]) for c, n in counts.items())

    placed: list[tuple[ItemState, str]] = []
    for item in sorted(items, key=lambda i: -len(i.objects)):  # stable: drawn order breaks ties
        counts = Counter(o.class_id for o in item.objects)
        best = min((p for p in parts if room[p] > 0),
                   key=lambda p: (cost(p, counts), -room[p] / max(sizes[p], 1)))
        for c, n in counts.items():
            short[best][c] -= n
        room[best] -= 1
        placed.append((item, best))
    return placed
