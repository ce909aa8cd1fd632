"""What every data operation is: a function from a version's state to a result state.

An operation reads the whole state of one version of a project and returns the state it
derives (a new project's content, or the source's new content when run in place). It
draws every random choice from the ``rng`` it is given, seeded from the recorded seed,
so that re-running it on the same version with the same parameters gives the same digest.
Pixels are read and written through :class:`MediaTools`, so operations never touch files,
and worked on through the :class:`~application.ports.Imaging` port, so they name no image
library.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from application.core.progress import ProgressFn
from application.ports import Imaging
from domain.state import ItemState, ProjectState
from domain.values import MediaLink


class MediaTools(Protocol):
    """Image bytes for operations that change pixels."""

    def read(self, item: ItemState) -> bytes | None:
        """The item's image bytes when this server holds or may read them, else None."""
        ...

    def store(self, data: bytes, width: int, height: int) -> MediaLink:
        """Put new pixels into the content-addressed media store; their link."""
        ...


@dataclass(frozen=True, slots=True)
class OperationInput:
    """What an operation receives besides its parameters."""

    state: ProjectState
    rng: random.Random
    media: MediaTools
    imaging: Imaging
    progress: ProgressFn


Operation = Callable[[OperationInput, Mapping[str, Any]], ProjectState]
"""Parameters are the validated, JSON-able mapping recorded with the run."""
