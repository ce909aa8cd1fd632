"""Pausing the garbage collector while a format reads a whole project.

Reading a project creates millions of small objects (points, dicts, values) that all
live on: the cyclic collector would only walk them again and again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the collector off, restoring it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
