"""Recognising stored events by their class, never by the text of their topic.

A stored topic names the module and class an event had when it was written. After a
module is renamed, the library still resolves the old topics (``register_topic``), so
events load; a comparison of topic strings or prefixes would silently stop matching
them. Resolving the topic to its class and asking ``issubclass`` keeps matching.
"""

from __future__ import annotations

from eventsourcing.utils import TopicError, resolve_topic


def event_class(aggregate: type, name: str) -> type:
    """An aggregate's event class, made by its ``@event`` decorators (so type checkers
    do not see it as an attribute); a missing one fails at import, never silently."""
    found = getattr(aggregate, name)
    if not isinstance(found, type):
        raise TypeError(f"{aggregate.__qualname__}.{name} is not an event class")
    return found


def is_event(topic: str, *classes: type) -> bool:
    """Whether the stored ``topic`` resolves to one of ``classes`` (or a subclass)."""
    try:
        found = resolve_topic(topic)
    except (TopicError, ImportError, AttributeError):
        return False
    return isinstance(found, type) and issubclass(found, classes)
