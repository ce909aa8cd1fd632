"""Timers, percentiles, sizes on disk and progress bars on stderr."""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    seconds: float = 0.0
    started: float = 0.0

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.seconds = time.perf_counter() - self.started


def timed(call: Callable[[], object]) -> float:
    with Timer() as t:
        call()
    return t.seconds


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def stats(seconds: list[float]) -> dict[str, Any]:
    """Latencies in milliseconds: count, mean, p50, p99, max and the ten slowest."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "mean_ms": statistics.fmean(ms), "p50_ms": percentile(ms, 50),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms),
            "slowest_ms": sorted(ms, reverse=True)[:10]}


def tree_bytes(path: Path, *, follow: bool = False) -> int:
    """Bytes of the regular files under ``path`` (symlinks count as their own size)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            total += os.stat(p, follow_symlinks=follow).st_size
    return total


def regular_file_bytes(path: Path) -> int:
    """Bytes of regular files (not symlinks) under ``path``: 0 if it does not exist."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def sqlite_bytes(db: Path) -> int:
    """Size of an SQLite database after folding its WAL back in."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{db}-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def fresh(path: Path) -> Path:
    """Remove an SQLite file and its companions; return the path."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


@contextmanager
def bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields ``advance(n)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
    console.log(label, "done")


def to_setter(advance: Callable[[int], None]) -> Callable[[int, int], None]:
    """Adapts ``advance(n)`` to the product's ``progress(done, total)`` callback."""
    state = {"done": 0}

    def progress(done: int, total: int) -> None:
        advance(done - state["done"])
        state["done"] = done

    return progress


def sqlite_files_bytes(db: Path) -> int:
    """Bytes of an SQLite database as it lies on disk: the file, its WAL and its shared
    memory index, whatever a writer left there (no checkpoint first)."""
    return sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal", "-shm")
               if Path(f"{db}{s}").exists())


def count_files(root: Path, pattern: str = "**/ann/*.json") -> int:
    return sum(1 for _ in root.glob(pattern))
