"""Supervisely's approach: every version is a full copy of the project's annotations.

Supervisely's versions dump all annotations (pickle or Parquet, tar + zstd) into the
team's file storage. Here: the project meta and every item's Supervisely annotation
(as the JSON dicts its API returns) pickled in one piece (protocol 5) and compressed
with zstd (level 3, the ``zstandard`` default), one file per version. Annotation dicts
are kept per item and rebuilt only for changed items (as a platform would read them
from its database), so the timed part is the serialisation, the compression and the
write. Media are not copied (Supervisely re-creates images from their hashes).
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import zstandard

from domain.supervisely_json import annotation_json
from scripts.benchmark.measure import Timer, tree_bytes
from scripts.benchmark.workload import Key, Workload

LEVEL = 3


class FullCopyPeer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, Any] = {}

    def start(self, workload: Workload) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        meta = workload.meta
        self.meta = {"classes": [{"id": c.id, "title": c.title, "shape": c.shape,
                                  "color": c.color} for c in meta.classes.values()],
                     "tags": [{"id": t.id, "name": t.name, "value_type": t.value_type}
                              for t in meta.tag_metas.values()]}
        self.update(workload, workload.keys)

    def update(self, workload: Workload, keys: list[Key]) -> None:
        for key in keys:
            item = workload.item(key)
            path = f"{workload.meta.dataset_path(item.dataset_id)}/{item.name}"
            self.docs[path] = annotation_json(workload.meta, item)

    def create_version(self, number: int) -> tuple[float, int]:
        """Seconds to serialise, compress and write the whole project, and its bytes."""
        path = self.root / f"version-{number}.pkl.zst"
        with Timer() as t:
            raw = pickle.dumps({"meta": self.meta, "items": self.docs}, protocol=5)
            data = zstandard.ZstdCompressor(level=LEVEL).compress(raw)
            path.write_bytes(data)
        return t.seconds, len(data)

    def restore(self, number: int) -> float:
        """Seconds to read, decompress and parse one version's copy."""
        with Timer() as t:
            data = (self.root / f"version-{number}.pkl.zst").read_bytes()
            pickle.loads(zstandard.ZstdDecompressor().decompress(data))
        return t.seconds

    def total_bytes(self) -> int:
        return tree_bytes(self.root)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
