"""annoledger, driven only through its public application API, on an SQLite file.

Settings are the product's defaults (snapshot intervals, codec, compression); the
database and the media root live in the benchmark's work directory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from application import Ledger, Settings
from domain.state import ProjectState
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from scripts.benchmark.measure import Timer, regular_file_bytes, sqlite_bytes, to_setter
from scripts.benchmark.workload import Edit, Key

ACTOR = "bench"


class Ours:
    def __init__(self, db: Path, media_root: Path) -> None:
        self.db = db
        self.media_root = media_root
        self.app: Ledger = build_ledger(Settings(db_url=f"sqlite:///{db}", actor=ACTOR,
                                                  media_root=media_root))
        self.ctx = self.app.core.ctx(ACTOR)
        self.project: UUID | None = None
        self.ids: dict[Key, UUID] = {}

    @property
    def pid(self) -> UUID:
        assert self.project is not None, "import first"
        return self.project

    def import_state(self, state: ProjectState, advance: Callable[[int], None],
                     name: str | None = None) -> float:
        """Seconds for ``ledger.imports.new_project`` (validation, encoding, one transaction),
        less the time the benchmark spent generating items on demand."""
        with Timer() as t:
            result = self.app.imports.new_project(state, self.ctx, name=name,
                                           progress=to_setter(advance))
        self.project = result.project
        self.ids = {(e.dataset_id, e.name): e.item_id
                    for e in self.app.core.store.catalog(result.project)}
        return t.seconds - getattr(state.items, "seconds", 0.0)

    def edit(self, e: Edit) -> float:
        with Timer() as t:
            self.app.items.change_object(self.ids[e.key], e.object_id, self.ctx,
                                         geometry=e.geometry)
        return t.seconds

    def create_version(self, title: str) -> float:
        with Timer() as t:
            self.app.versions.create(self.pid, self.ctx, title=title)
        return t.seconds

    def restore(self, number: int) -> tuple[float, UUID]:
        """Seconds for ``ledger.versions.restore`` (a new project holding version ``number``)."""
        with Timer() as t:
            new = self.app.versions.restore(self.pid, number, self.ctx,
                                   name=f"restored {number} {self.pid.hex[:8]} {id(t)}")
        return t.seconds, new

    def rebuild(self, number: int) -> float:
        """Seconds to rebuild version ``number``'s whole state in memory (``state_of``)."""
        with Timer() as t:
            self.app.versions.state_of(self.pid, number)
        return t.seconds

    def diff(self, a: int, b: int) -> tuple[float, Any]:
        with Timer() as t:
            comparison = self.app.versions.diff(self.pid, a, b)
        return t.seconds, comparison

    def events(self) -> int:
        return self.app.projects.view(self.pid).position

    def bytes_on_disk(self) -> int:
        return sqlite_bytes(self.db)

    def state_bytes(self, project: UUID | None = None) -> tuple[int, int]:
        """Events and the summed length of their stored states (all projects if None)."""
        with sqlite3.connect(self.db) as conn:
            sql = "SELECT count(*), sum(length(state)) FROM annoledger_events"
            if project is None:
                row = conn.execute(sql).fetchone()
            else:
                row = conn.execute(sql + " WHERE project_id = ?", (project.hex,)).fetchone()
        return int(row[0]), int(row[1] or 0)

    def media_bytes(self) -> int:
        """Bytes of files under the media root: versions and restores must add none."""
        return regular_file_bytes(self.media_root)

    def close(self) -> None:
        self.app.core.close()
        dispose_engines()
