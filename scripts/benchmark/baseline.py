"""The peer every figure is a ratio to: plain ``eventsourcing`` at its defaults.

As the brief measured it: the library's own SQLite persistence module
(``PERSISTENCE_MODULE=eventsourcing.sqlite``, ``SQLITE_DBNAME`` a file), its default JSON
transcoder, no compression, no snapshots, no collector tuning. One aggregate per image;
each annotation object is one event; one save per image. A version is the recorded log
position (kept in a small aggregate); a restore is a full replay of every aggregate from
event 0 up to that position.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.state import ItemState
from scripts.benchmark.measure import Timer, sqlite_bytes
from scripts.benchmark.workload import Edit, Key, Workload

ACTOR = "bench"
PAGE = 1_000


class Image(Aggregate):
    @event("Uploaded")
    def __init__(self, dataset: str, name: str, media: dict[str, Any], actor: str) -> None:
        self.dataset = dataset
        self.name = name
        self.media = media
        self.objects: dict[int, dict[str, Any]] = {}

    @event("ObjectAdded")
    def add_object(self, obj: dict[str, Any], actor: str) -> None:
        self.objects[obj["id"]] = obj

    @event("ObjectGeometryChanged")
    def change_geometry(self, object_id: int, geometry: dict[str, Any], updated_at: str,
                        actor: str) -> None:
        self.objects[object_id] = {**self.objects[object_id], "geometry": geometry,
                                   "updated_at": updated_at}


class Checkpoints(Aggregate):
    """Versions as a plain app would keep them: numbered log positions."""

    @event("Started")
    def __init__(self) -> None:
        self.positions: list[int] = []

    @event("VersionCreated")
    def add(self, position: int, actor: str) -> None:
        self.positions.append(position)


def object_dict(o: Any) -> dict[str, Any]:
    return {"id": o.id, "class_id": o.class_id, "geometry": o.geometry,
            "tags": [dataclasses.asdict(t) for t in o.tags], "labeler": o.labeler,
            "created_at": o.created_at, "updated_at": o.updated_at,
            "description": o.description}


class Baseline:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.app: Application[UUID] = Application(env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})
        self.ids: dict[Key, UUID] = {}
        self.checkpoints = Checkpoints()
        self.app.save(self.checkpoints)

    def upload(self, key: Key, item: ItemState, dataset: str) -> None:
        m = item.media
        image = Image(dataset, item.name, {"uri": m.uri, "sha256": m.sha256, "size": m.size,
                                           "width": m.width, "height": m.height}, ACTOR)
        for o in item.objects:
            image.add_object(object_dict(o), ACTOR)
        self.app.save(image)
        self.ids[key] = image.id

    def import_state(self, workload: Workload, advance: Callable[[int], None]) -> float:
        """Seconds to upload every item, one save per image (generation left out)."""
        paths = {d: workload.meta.dataset_path(d) for d in workload.meta.datasets}
        seconds = 0.0
        for n, (key, item) in enumerate(workload.iter_items(), 1):
            with Timer() as t:
                self.upload(key, item, paths[item.dataset_id])
            seconds += t.seconds
            if n % 500 == 0:
                advance(500)
        return seconds

    def edit(self, e: Edit) -> float:
        with Timer() as t:
            image: Image = self.app.repository.get(self.ids[e.key])
            image.change_geometry(e.object_id, e.geometry, e.updated_at, ACTOR)
            self.app.save(image)
        return t.seconds

    def create_version(self) -> float:
        """Seconds to record the log position as the next version."""
        with Timer() as t:
            position = self.app.recorder.max_notification_id() or 0
            self.checkpoints.add(position, ACTOR)
            self.app.save(self.checkpoints)
        return t.seconds

    def replay(self, a: int, b: int, advance: Callable[[int], None]) -> tuple[float, float, int]:
        """Replay every aggregate from event 0: seconds until version ``a`` stood (its
        restore), seconds until ``b`` stood and the two were compared (their diff), and
        how many images differ between them."""
        stop_a, stop_b = self.checkpoints.positions[a - 1], self.checkpoints.positions[b - 1]
        aggregates: dict[UUID, Any] = {}
        before: dict[str, dict[int, Any]] = {}
        restore_s = 0.0
        mapper, recorder = self.app.mapper, self.app.recorder
        with Timer() as t:
            start = 1
            while page := recorder.select_notifications(start, PAGE, stop=stop_b):
                for n in page:
                    if n.id > stop_a and not before:
                        restore_s = time.perf_counter() - t.started
                        before = images_of(aggregates.values())
                    domain_event: Any = mapper.to_domain_event(n)
                    aggregates[domain_event.originator_id] = domain_event.mutate(
                        aggregates.get(domain_event.originator_id))
                advance(len(page))
                start = page[-1].id + 1
            if not before:
                restore_s = time.perf_counter() - t.started
                before = images_of(aggregates.values())
            after = images_of(aggregates.values())
            changed = sum(1 for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        return restore_s, t.seconds, changed

    def events(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def bytes_on_disk(self) -> int:
        return sqlite_bytes(self.db)

    def state_bytes(self) -> int:
        with sqlite3.connect(self.db) as conn:
            return int(conn.execute("SELECT sum(length(state)) FROM stored_events")
                       .fetchone()[0] or 0)

    def close(self) -> None:
        self.app.close()


def images_of(aggregates: Iterable[Any]) -> dict[str, dict[int, Any]]:
    """``dataset/name`` -> {object id: geometry} of the images in a replayed state."""
    return {f"{a.dataset}/{a.name}": {i: o["geometry"] for i, o in a.objects.items()}
            for a in aggregates if isinstance(a, Image)}
