"""How long operations report progress."""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[int, int], None]
"""Long operations call ``progress(done, total)``; interfaces draw the bar."""


def no_progress(done: int, total: int) -> None:
    """The default: report nowhere."""
