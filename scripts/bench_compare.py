"""Benchmark of versions: create and compare, in process and through the CLI.

For each size (default 3,000 and 100,000 items of 20 objects, generated from
``../shared/data`` as ``scripts/bench`` does), on an SQLite file kept in ``--dir`` (built
once, reused by later runs): import, then rounds each editing 1% of the items followed by
a version. Then it times:

1. ``versions.create`` in process after a round of 1% edits, and ``annoledger versions
   create`` on the command line after another; the bytes the first round and its version
   added to the database's pages (in use: a round seldom fills a 16 KiB page), all tables
   and the manifests' alone;
2. compare of the last two versions (1% apart), in process and with
   ``annoledger versions diff P A B --json``, and of the last version with ``current``;
3. the same compares once the stored manifests are dropped (databases written before
   versions stored them): the first builds them, the second reads them.

    python scripts/bench_compare.py [--sizes 3000,100000] [--dir /tmp/annoledger-compare]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from application import Ledger, Settings
from domain.values import Context
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from scripts.benchmark.workload import Workload, load_real

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CLI = str(ROOT / ".venv" / "bin" / "annoledger")
ROUNDS = 3
CTX = Context("bench")


def best(call: Callable[[], object], repeat: int = 5) -> float:
    """Median seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli(db: Path, *args: str) -> float:
    """Wall seconds of one ``annoledger`` command (start-up included)."""
    env = {**os.environ, "ANNOLEDGER_DB": f"sqlite:///{db}", "ANNOLEDGER_ACTOR": "bench"}
    start = time.perf_counter()
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"annoledger {' '.join(args)} failed: {done.stderr.strip()}")
    return seconds


def stored_bytes(db: Path) -> dict[str, int]:
    """Bytes in use in each table and index, once the WAL is folded in."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return dict(conn.execute(
            "SELECT name, sum(pgsize - unused) FROM dbstat GROUP BY name"))
    finally:
        conn.close()


def growth(before: dict[str, int], after: dict[str, int]) -> str:
    """What the database grew by, whole and in the manifests' tables."""
    def grown(names: set[str]) -> float:
        return sum(after.get(n, 0) - before.get(n, 0) for n in names) / 1024
    manifests = {n for n in after.keys() | before.keys() if "manifest" in n}
    return (f"database +{grown(after.keys() | before.keys()):.0f} KiB "
            f"(manifests +{grown(manifests):.0f} KiB)")


def open_ledger(db: Path) -> Ledger:
    return build_ledger(Settings(db_url=f"sqlite:///{db}", actor="bench",
                                 media_root=db.parent / "media"))


def edit_round(ledger: Ledger, workload: Workload, seed: int) -> None:
    """1% of the items each get one object moved."""
    pid = ledger.projects.resolve("bench")
    ids = {(e.dataset_id, e.name): e.item_id for e in ledger.core.store.catalog(pid)}
    for e in next(workload.rounds(1, seed=seed)):
        ledger.items.change_object(ids[e.key], e.object_id, CTX, geometry=e.geometry)


def close(ledger: Ledger) -> None:
    ledger.core.close()
    dispose_engines()


def build(db: Path, workload: Workload) -> None:
    """The project with ``ROUNDS`` versions, each after 1% of the items were edited."""
    ledger = open_ledger(db)
    started = time.perf_counter()
    pid = ledger.imports.new_project(workload.state(), CTX, name="bench").project
    print(f"  import {workload.size:,} items: {time.perf_counter() - started:.1f} s",
          flush=True)
    ledger.versions.create(pid, CTX, "imported")
    for n in range(1, ROUNDS + 1):
        edit_round(ledger, workload, n)
        ledger.versions.create(pid, CTX, f"round {n}")
    close(ledger)


def measure(db: Path, size: int) -> None:
    workload = Workload(load_real(DATA), size)
    if not db.exists():
        build(db, workload)
    seed = int(time.time())
    ledger = open_ledger(db)
    before = stored_bytes(db)
    edit_round(ledger, workload, seed)
    pid = ledger.projects.resolve("bench")
    start = time.perf_counter()
    ledger.versions.create(pid, CTX, "in process")
    create = time.perf_counter() - start
    grew = growth(before, stored_bytes(db))
    edit_round(ledger, workload, seed + 1)
    close(ledger)
    create_cli = cli(db, "versions", "create", "bench", "--title", "cli")

    app = open_ledger(db)
    pid = app.projects.resolve("bench")
    last = len(app.versions.all(pid))
    comparison = app.versions.diff(pid, last - 1, last)
    changed = len(comparison.items_modified)
    diff = best(lambda: app.versions.diff(pid, last - 1, last))
    diff_current = best(lambda: app.versions.diff(pid, last - 1, "current"))
    diff_cli = min(cli(db, "versions", "diff", "bench", str(last - 1), str(last), "--json")
                   for _ in range(3))
    help_cli = min(cli(db, "--help") for _ in range(3))
    close(app)
    cold = forget_manifests(db)
    print(f"{size:>7,} items, {changed} changed: create {create * 1000:.1f} ms in process, "
          f"CLI {create_cli:.2f} s (--help {help_cli:.2f} s); compare {diff * 1000:.1f} ms "
          f"in process ({diff_current * 1000:.1f} ms with current), CLI {diff_cli:.2f} s"
          f"{cold}; the round: {grew}", flush=True)


def forget_manifests(db: Path) -> str:
    """Compare once stored manifests are gone, as on a database of an earlier release."""
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("annoledger_manifest_roots"):
            return ""
        conn.execute(sa.text("DELETE FROM annoledger_manifest_roots"))
    engine.dispose()
    app = open_ledger(db)
    pid = app.projects.resolve("bench")
    last = len(app.versions.all(pid))
    start = time.perf_counter()
    app.versions.diff(pid, last - 1, last)
    first = time.perf_counter() - start
    again = best(lambda: app.versions.diff(pid, last - 1, last))
    close(app)
    return f"; without stored manifests {first:.2f} s once, then {again * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,100000")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/annoledger-compare"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        measure(args.dir / f"compare-{size}.db", size)


if __name__ == "__main__":
    main()
