"""Plain ``eventsourcing`` at its defaults, as an application on it would be written.

The library's own SQLite persistence module (``PERSISTENCE_MODULE=eventsourcing.sqlite``,
``SQLITE_DBNAME`` a file), its default JSON transcoder, no compression, no snapshots, no
collector tuning. Ingest reads the Supervisely files (``ann/`` and ``img_info/``) with the
standard library's ``json`` and saves one aggregate per image, one event per annotation
object, one save per image. An edit loads the image, changes one object's geometry and
saves. A version is the recorded log position (kept in a small aggregate). A restore is a
full replay of every aggregate from event 0 up to the version's position; a compare reads
the log between the two versions' positions and names the images it touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from scripts.benchmark.files import ann_files
from scripts.benchmark.measure import Timer, sqlite_bytes

ACTOR = "bench"
PAGE = 1_000


class Image(Aggregate):
    @event("Uploaded")
    def __init__(self, path: str, info: dict[str, Any], actor: str) -> None:
        self.path = path
        self.info = info
        self.objects: dict[int, dict[str, Any]] = {}

    @event("ObjectAdded")
    def add_object(self, obj: dict[str, Any], actor: str) -> None:
        self.objects[obj["id"]] = obj

    @event("ObjectGeometryChanged")
    def change_geometry(self, object_id: int, geometry: dict[str, Any], updated_at: str,
                        actor: str) -> None:
        self.objects[object_id] = {**self.objects[object_id], **geometry,
                                   "updatedAt": updated_at}


class Checkpoints(Aggregate):
    """Versions as a plain application keeps them: numbered log positions."""

    @event("Started")
    def __init__(self) -> None:
        self.positions: list[int] = []

    @event("VersionCreated")
    def add(self, position: int, actor: str) -> None:
        self.positions.append(position)


class Baseline:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.app: Application[UUID] = Application(env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})
        self.ids: dict[str, UUID] = {}
        """``<dataset>/ann/<item>.json`` -> the image's aggregate id."""
        self.checkpoints = Checkpoints()
        self.app.save(self.checkpoints)

    def ingest(self, root: Path, advance: Callable[[int], None]) -> float:
        """Seconds to read every item's files and save it, one event per object."""
        with Timer() as t:
            for n, ann in enumerate(ann_files(root), 1):
                info_file = ann.parent.parent / "img_info" / ann.name
                rel = ann.relative_to(root).as_posix()
                image = Image(rel, json.loads(info_file.read_bytes()), ACTOR)
                for obj in json.loads(ann.read_bytes())["objects"]:
                    image.add_object(obj, ACTOR)
                self.app.save(image)
                self.ids[rel] = image.id
                if n % 500 == 0:
                    advance(500)
        return t.seconds

    def edit(self, path: str, object_id: int, geometry: dict[str, Any],
             updated_at: str) -> float:
        with Timer() as t:
            image: Image = self.app.repository.get(self.ids[path])
            image.change_geometry(object_id, geometry, updated_at, ACTOR)
            self.app.save(image)
        return t.seconds

    def create_version(self) -> float:
        """Seconds to record the log position as the next version."""
        with Timer() as t:
            position = self.app.recorder.max_notification_id() or 0
            self.checkpoints.add(position, ACTOR)
            self.app.save(self.checkpoints)
        return t.seconds

    def replay(self, number: int, advance: Callable[[int], None]) -> tuple[float, int]:
        """Seconds to replay every aggregate from event 0 until version ``number`` stood,
        and the images that state holds."""
        stop = self.checkpoints.positions[number - 1]
        aggregates: dict[UUID, Any] = {}
        mapper, recorder = self.app.mapper, self.app.recorder
        with Timer() as t:
            start = 1
            while page := recorder.select_notifications(start, PAGE, stop=stop):
                for n in page:
                    domain_event: Any = mapper.to_domain_event(n)
                    aggregates[domain_event.originator_id] = domain_event.mutate(
                        aggregates.get(domain_event.originator_id))
                advance(len(page))
                start = page[-1].id + 1
        return t.seconds, sum(isinstance(a, Image) for a in aggregates.values())

    def compare(self, a: int, b: int) -> tuple[float, int]:
        """Seconds to read the log between versions ``a`` and ``b``, and the images it
        changed."""
        first, last = self.checkpoints.positions[a - 1], self.checkpoints.positions[b - 1]
        with Timer() as t:
            touched: set[UUID | str] = set()
            start = first + 1
            while page := self.app.recorder.select_notifications(start, PAGE, stop=last):
                touched.update(n.originator_id for n in page)
                start = page[-1].id + 1
            touched.discard(self.checkpoints.id)
        return t.seconds, len(touched)

    def events(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def bytes_on_disk(self) -> int:
        return sqlite_bytes(self.db)

    def close(self) -> None:
        self.app.close()
