"""Filter: keep the items for which a predicate holds.

The predicate is the language of ``replay bisect`` (:mod:`domain.predicates`), asked of
each item on its own: ``count(class="cat") > 0`` keeps items with a cat,
``empty_items() == 0`` those with any object, ``tagged(tag="good") > 0`` those with
that tag on the item or one of its objects. A class or tag the project does not have is
refused, as in bisect, rather than matching nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.operations.params import known_keys
from application.operations.spec import OperationInput
from domain.errors import ValidationError
from domain.predicate_facts import StateFacts
from domain.predicates import parse_predicate, require_known_names
from domain.state import ProjectState


def parse_filter(params: Mapping[str, Any]) -> dict[str, Any]:
    known_keys(params, ("where",))
    where = params.get("where")
    if not isinstance(where, str):
        raise ValidationError("where", "a predicate is required, such as "
                                       "'count(class=\"cat\") > 0'")
    try:
        parse_predicate(where)
    except ValidationError as exc:
        raise ValidationError("where", exc.message) from None
    return {"where": where}


def filter_items(inp: OperationInput, params: Mapping[str, Any]) -> ProjectState:
    state = inp.state
    meta = state.meta
    node = parse_predicate(params["where"])
    try:
        require_known_names(node, [c.title for c in meta.classes.values()],
                            [t.name for t in meta.tag_metas.values()])
    except ValidationError as exc:
        raise ValidationError("where", exc.message) from None
    out = ProjectState(meta)
    total = len(state.items)
    for done, (key, item) in enumerate(state.items.items(), 1):
        if node.holds(StateFacts(meta, (item,))):
            out.items[key] = item
        if done % 1000 == 0:
            inp.progress(done, total)
    return out
