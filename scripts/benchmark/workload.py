"""Workloads generated from the real data in ``../shared/data``.

Every shape comes from a real file: single-part COCO val2014 polygons (as polygons),
COCO bboxes (as rectangles; multi-part and RLE annotations contribute their bbox only)
and the objects of the real Supervisely export (rectangle, cuboid, line, polygon,
point, with their object tags, labelers and timestamps). Each generated object is a
real shape moved by a random offset, so that no two objects share coordinates (a
compressor must not find the seed pool's repetitions). Items link real media: COCO
images by ``coco_url``, and every tenth item one of the Supervisely export's JPEGs by
``file://`` URI with its sha256.

Items are derived on demand from ``(seed, index)`` plus the edits applied so far, so a
100,000-item workload never sits in memory as a whole: the same :class:`Workload`
feeds ours and every peer with the same content and the same edits.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject, Dataset, MediaLink, ObjectClass, Tag
from infrastructure.formats.coco import class_color
from infrastructure.formats.supervisely import read_supervisely

COCO_FILE = Path("coco") / "instances_val2014_100.json"
SLY_DIR = Path("supervisely") / "real_export_vector"
BOX_CLASS = 1000
"""A COCO category ``c`` gives polygon class ``c`` and rectangle class ``BOX_CLASS + c``."""
KINDS = ("polygon", "rectangle", "supervisely")
WEIGHTS = (0.70, 0.25, 0.05)
FIRST_OBJECT_ID = 1_000_000_000
OFFSET = 4_000
"""Objects are moved by up to 40 pixels, in hundredths."""

Key = tuple[int, str]
"""An item's ``(dataset_id, name)``, the key of :attr:`ProjectState.items`."""


@dataclass(frozen=True, slots=True)
class Seed:
    """A real object: its class, its geometry and its tags."""

    class_id: int
    geometry: dict[str, Any]
    tags: tuple[Tag, ...] = ()

    def moved(self, dx: int, dy: int) -> dict[str, Any]:
        """The geometry moved by ``(dx, dy)`` hundredths of a pixel (whole pixels for
        integer coordinates), with the seed's number of decimals kept."""
        points = self.geometry["points"]
        if isinstance(points, list):
            return {**self.geometry, "points": _ring(points, dx, dy)}
        return {**self.geometry, "points": {
            "exterior": _ring(points["exterior"], dx, dy),
            "interior": [_ring(r, dx, dy) for r in points.get("interior", [])]}}


def _ring(points: list[list[Any]], dx: int, dy: int) -> list[list[Any]]:
    if all(type(v) is int for p in points for v in p):
        dx, dy = dx // 100, dy // 100
        return [[x + dx, y + dy] for x, y in points]
    return [[(round(x * 100) + dx) / 100, (round(y * 100) + dy) / 100] for x, y in points]


@dataclass(frozen=True)
class RealData:
    meta: MetaState
    seeds: dict[str, list[Seed]]
    media: list[MediaLink]
    local_media: list[MediaLink]
    stamps: list[tuple[str, str, str]]
    """``(labeler, created_at, updated_at)`` of the real Supervisely objects."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One annotation edit: an object of an item gets a new geometry."""

    key: Key
    object_id: int
    geometry: dict[str, Any]
    updated_at: str


def load_real(data_dir: Path) -> RealData:
    coco = json.loads((data_dir / COCO_FILE).read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    classes = {cid: ObjectClass(cid, n, "polygon", class_color(n)) for cid, n in names.items()}
    classes.update({BOX_CLASS + cid: ObjectClass(BOX_CLASS + cid, f"{n} (box)", "rectangle",
                                                 class_color(n + " box"))
                    for cid, n in names.items()})
    seeds: dict[str, list[Seed]] = {kind: [] for kind in KINDS}
    for ann in coco["annotations"]:
        seg, cid = ann["segmentation"], ann["category_id"]
        if isinstance(seg, list) and len(seg) == 1 and len(seg[0]) >= 6:
            pairs = iter(seg[0])
            ring = [[x, y] for x, y in zip(pairs, pairs, strict=True)]
            seeds["polygon"].append(Seed(cid, {"points": {"exterior": ring, "interior": []}}))
        x, y, w, h = ann["bbox"]
        box = [[x, y], [round(x + w, 2), round(y + h, 2)]]
        seeds["rectangle"].append(Seed(BOX_CLASS + cid,
                                       {"points": {"exterior": box, "interior": []}}))
    sly = read_supervisely(data_dir / SLY_DIR)
    for c in sly.meta.classes.values():
        classes[c.id] = replace(c, title=f"sly {c.title}")
    stamps = []
    for item in sly.items.values():
        for o in item.objects:
            seeds["supervisely"].append(Seed(o.class_id, o.geometry, o.tags))
            stamps.append((o.labeler, o.created_at, o.updated_at))
    media = [MediaLink(i["coco_url"], "", 0, i["width"], i["height"]) for i in coco["images"]]
    local = [i.media for i in sly.iter_items()]
    return RealData(MetaState("bench", classes, dict(sly.meta.tag_metas), {}), seeds, media,
                    local, stamps)


def shift(geometry: dict[str, Any], dx: float, dy: float) -> dict[str, Any]:
    """The geometry moved by ``(dx, dy)``: every point of ``points`` (rings or a list)."""

    def ring(points: list[list[float]]) -> list[list[float]]:
        return [[round(x + dx, 2), round(y + dy, 2)] for x, y in points]

    points = geometry["points"]
    moved: Any = ring(points) if isinstance(points, list) else {
        "exterior": ring(points["exterior"]),
        "interior": [ring(r) for r in points.get("interior", [])]}
    return {**geometry, "points": moved}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Workload:
    """``size`` items of ``objects`` objects each, spread over ``datasets`` datasets."""

    def __init__(self, real: RealData, size: int, objects: int = 20, datasets: int = 10,
                 seed: int = 7) -> None:
        self.real, self.size, self.objects, self.seed = real, size, objects, seed
        self.meta = MetaState(f"bench-{size}", real.meta.classes, real.meta.tag_metas,
                              {d: Dataset(d, f"ds{d:02d}") for d in range(1, datasets + 1)})
        self.keys: list[Key] = []
        self.index: dict[Key, int] = {}
        for i in range(size):
            key = (1 + i % datasets, f"{i:07d}_{self._media(i).uri.rpartition('/')[2]}")
            self.keys.append(key)
            self.index[key] = i
        self.changed: dict[int, tuple[dict[str, Any], str]] = {}
        """object id -> (geometry, updated_at) of every edited object."""

    def _media(self, i: int) -> MediaLink:
        real = self.real
        if i % 10 == 0:
            return real.local_media[i // 10 % len(real.local_media)]
        return real.media[i % len(real.media)]

    def item(self, key: Key) -> ItemState:
        i = self.index[key]
        rng = random.Random(self.seed * 1_000_003 + i)
        first = FIRST_OBJECT_ID + i * self.objects
        objs = []
        for n, kind in enumerate(rng.choices(KINDS, WEIGHTS, k=self.objects)):
            s = rng.choice(self.real.seeds[kind])
            labeler, created, updated = rng.choice(self.real.stamps)
            geometry = s.moved(rng.randint(-OFFSET, OFFSET), rng.randint(-OFFSET, OFFSET))
            if first + n in self.changed:
                geometry, updated = self.changed[first + n]
            objs.append(AnnotationObject(first + n, s.class_id, geometry, s.tags, labeler,
                                         created, updated))
        return ItemState(key[0], key[1], self._media(i), (), tuple(objs))

    def state(self) -> ProjectState:
        """The whole project; its items are built as they are read."""
        return ProjectState(self.meta, LazyItems(self, self.keys))

    def part(self, keys: list[Key]) -> ProjectState:
        return ProjectState(self.meta, {k: self.item(k) for k in keys})

    def iter_items(self) -> Iterator[tuple[Key, ItemState]]:
        for key in self.keys:
            yield key, self.item(key)

    def edit(self, key: Key, rng: random.Random) -> Edit:
        """Move one random object of the item by a pixel or two; remember it."""
        obj = rng.choice(self.item(key).objects)
        geometry = shift(obj.geometry, rng.choice((-2, -1, 1, 2)), rng.choice((-2, -1, 1, 2)))
        edit = Edit(key, obj.id, geometry, now())
        self.changed[obj.id] = (geometry, edit.updated_at)
        return edit

    def rounds(self, count: int, share: float = 0.01, seed: int = 11) -> Iterator[list[Edit]]:
        """Rounds of edits, each on ``share`` of the items (distinct within a round)."""
        rng = random.Random(seed)
        per_round = max(1, round(self.size * share))
        for _ in range(count):
            yield [self.edit(key, rng) for key in rng.sample(self.keys, per_round)]

    def random_edits(self, count: int, seed: int = 13) -> list[Edit]:
        rng = random.Random(seed)
        return [self.edit(rng.choice(self.keys), rng) for _ in range(count)]


class LazyItems(dict[Key, ItemState]):
    """``ProjectState.items`` whose values are generated when read; ``seconds`` adds up
    the time spent generating, so that a timed consumer can leave it out."""

    def __init__(self, workload: Workload, keys: list[Key]) -> None:
        super().__init__(dict.fromkeys(keys))  # type: ignore[arg-type]
        self.workload = workload
        self.seconds = 0.0

    def __getitem__(self, key: Key) -> ItemState:
        start = time.perf_counter()
        item = self.workload.item(key)
        self.seconds += time.perf_counter() - start
        return item

    def get(self, key: Key, default: Any = None) -> Any:
        if key not in self:
            return default
        return self[key]

    def values(self) -> Any:
        return (self[k] for k in self)

    def items(self) -> Any:
        return ((k, self[k]) for k in self)
