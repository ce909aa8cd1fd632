"""Reading an aggregate's pending events in tests: names, payloads, and their replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")


def names(events: Sequence[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def payload(event: Any) -> dict[str, Any]:
    """What an event carries besides its envelope (id, version, time, topic)."""
    return {k: v for k, v in vars(event).items() if k not in ENVELOPE}


def replayed(events: Sequence[Any], kind: type[T]) -> T:
    """The aggregate the events rebuild, from nothing."""
    aggregate: Any = None
    for e in events:
        aggregate = e.mutate(aggregate)
    assert isinstance(aggregate, kind)
    return aggregate
