"""annoledger in process, through the ledger's public services only.

Built by the composition root from the same environment the CLI reads
(:func:`scripts.benchmark.cli.settings_env`), so both see one database with the product's
default settings. Edits go through ``ledger.annotations.patch_object`` as the HTTP API
takes them (Supervisely JSON, ``If-Match: *``); imports, versions, restores, compares and
exports through ``ledger.imports``, ``ledger.versions`` and ``ledger.exports``; data
operations through ``ledger.operations.run``. :meth:`Ours.derive` times an operation
alone, on a state in memory, to show what of a run's time the derivation takes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from application import Ledger, Settings
from application.core.loading import gc_paused
from application.core.progress import no_progress
from application.operations.registry import registered
from application.operations.spec import MediaTools, OperationInput
from application.views.operations import OperationResult
from domain.state import ProjectState
from domain.values import Context
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from scripts.benchmark.cli import ACTOR
from scripts.benchmark.measure import Timer, to_setter
from scripts.benchmark.workload import Edit, Key

PAGE = 10_000
SEED = 1
"""Every operation's seed, so that each run draws the same values."""


class Ours:
    def __init__(self, settings: dict[str, str]) -> None:
        self.ledger: Ledger = build_ledger(Settings.from_env(settings))
        self.ctx = Context(ACTOR)

    def import_files(self, folder: Path, name: str) -> tuple[float, UUID]:
        """Seconds for ``ledger.imports.from_files`` of a Supervisely folder."""
        with Timer() as t:
            result = self.ledger.imports.from_files("supervisely", folder, self.ctx, name=name)
        return t.seconds, result.project

    def import_state(self, state: ProjectState, name: str,
                     advance: Callable[[int], None]) -> UUID:
        """A project from a state in memory (``ledger.imports.new_project``)."""
        return self.ledger.imports.new_project(state, self.ctx, name=name,
                                               progress=to_setter(advance)).project

    def item_ids(self, project: UUID) -> dict[Key, UUID]:
        """``(dataset id, name)`` -> item id, read page by page from the catalog."""
        ids: dict[Key, UUID] = {}
        while True:
            page, total = self.ledger.annotations.page(project, offset=len(ids), limit=PAGE)
            ids.update({(e.dataset_id, e.name): e.item_id for e in page})
            if not page or len(ids) >= total:
                return ids

    def edit(self, project: UUID, item: UUID, e: Edit) -> float:
        """Seconds for one object's new geometry, as ``PATCH .../objects/{id}`` applies it."""
        patch: dict[str, Any] = {**e.geometry, "updatedAt": e.updated_at}
        with Timer() as t:
            self.ledger.annotations.patch_object(project, item, None, e.object_id, patch,
                                                 self.ctx)
        return t.seconds

    def restore(self, project: UUID, number: int, name: str) -> tuple[float, UUID]:
        with Timer() as t:
            new = self.ledger.versions.restore(project, number, self.ctx, name=name)
        return t.seconds, new

    def export(self, project: UUID, outdir: Path, version: int | str = "current",
               fmt: str = "supervisely") -> float:
        with Timer() as t:
            self.ledger.exports.to_files(fmt, project, outdir, version, ctx=self.ctx)
        return t.seconds

    def operate(self, project: UUID, operation: str, params: Mapping[str, Any],
                name: str) -> tuple[float, OperationResult]:
        """Seconds for ``ledger.operations.run`` into a new project named ``name``: the
        version read, the derivation, the new project and its session written."""
        with Timer() as t:
            result = self.ledger.operations.run(project, operation, params, self.ctx,
                                                name=name, seed=SEED)
        return t.seconds, result

    def derive(self, state: ProjectState, operation: str, params: Mapping[str, Any],
               media: MediaTools | None = None) -> tuple[float, ProjectState]:
        """Seconds for the operation alone on ``state`` (nothing read or written but what
        ``media`` does; by default the ledger's own media store), with the collector
        paused as a run pauses it."""
        parse, run = registered(operation).load()
        ops = self.ledger.operations
        given = OperationInput(state, random.Random(SEED), media or ops.media, ops.imaging,
                               no_progress)
        checked = parse(params)
        with Timer() as t, gc_paused():
            result = run(given, checked)
        return t.seconds, result

    def diff(self, project: UUID, a: int, b: int) -> tuple[float, int]:
        """Seconds to compare two versions down to their objects, and the items modified."""
        with Timer() as t:
            data = self.ledger.versions.diff(project, a, b).as_json(per_item=True)
        return t.seconds, len(data["items"]["modified"])

    def create_version(self, project: UUID, title: str) -> float:
        with Timer() as t:
            self.ledger.versions.create(project, self.ctx, title=title)
        return t.seconds

    def rebuild(self, project: UUID, number: int) -> float:
        """Seconds to rebuild a version's whole state in memory (``versions.state_of``)."""
        with Timer() as t:
            self.ledger.versions.state_of(project, number)
        return t.seconds

    def close(self) -> None:
        self.ledger.core.close()
        dispose_engines()
