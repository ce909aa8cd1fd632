"""Supervisely's versions: every version a full copy of the project's annotations.

Supervisely dumps all annotations (pickle or Parquet, tar + zstd) into the team's file
storage per version. Here the platform holds each item's annotation JSON (read and
parsed once at ingest, as an upload validates it) and a version pickles them all in one
piece (protocol 5), compresses it with zstd (level 3, the ``zstandard`` default) and
writes one file. Restore reads, decompresses and unpickles a copy and writes its
annotation files; compare loads two copies and names the items whose annotation differs.
Media are not copied (Supervisely re-creates images from their hashes).
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import zstandard

from scripts.benchmark.files import ann_files
from scripts.benchmark.measure import Timer, tree_bytes

LEVEL = 3


class FullCopyPeer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs: dict[str, bytes] = {}
        """``<dataset>/ann/<item>.json`` -> the item's annotation JSON."""

    def ingest(self, source: Path) -> float:
        """Seconds to read and parse every annotation file into the platform's store."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        with Timer() as t:
            for path in ann_files(source):
                data = path.read_bytes()
                json.loads(data)
                self.docs[path.relative_to(source).as_posix()] = data
        return t.seconds

    def update(self, files: dict[str, bytes]) -> None:
        self.docs.update(files)

    def _copy(self, number: int) -> Path:
        return self.root / f"version-{number}.pkl.zst"

    def create_version(self, number: int) -> float:
        """Seconds to serialise, compress and write the whole project."""
        with Timer() as t:
            raw = pickle.dumps(self.docs, protocol=5)
            self._copy(number).write_bytes(zstandard.ZstdCompressor(level=LEVEL).compress(raw))
        return t.seconds

    def _load(self, number: int) -> dict[str, bytes]:
        data = zstandard.ZstdDecompressor().decompress(self._copy(number).read_bytes())
        docs: dict[str, bytes] = pickle.loads(data)
        return docs

    def restore(self, number: int, outdir: Path) -> float:
        """Seconds to load version ``number``'s copy and write its files under ``outdir``."""
        with Timer() as t:
            for rel, data in self._load(number).items():
                path = outdir / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        return t.seconds

    def compare(self, a: int, b: int) -> tuple[float, int]:
        """Seconds to load two copies and find the items that differ, and how many."""
        with Timer() as t:
            first, second = self._load(a), self._load(b)
            changed = sum(1 for k in first.keys() | second.keys()
                          if first.get(k) != second.get(k))
        return t.seconds, changed

    def total_bytes(self) -> int:
        return tree_bytes(self.root)
