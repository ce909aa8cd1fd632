"""``scripts/bench``: ours beside the peers, on workloads generated from the real data.

    scripts/bench                          # 10,000 and 100,000 items (the full run)
    scripts/bench --scale 2000             # a quick run
    scripts/bench --scale 10000 --peers-up-to 10000 --history-edits 200

Progress bars go to stderr; the results table (Markdown) to stdout; JSON and Markdown
copies to ``bench-results/``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"

NOTES = [
    "Same generated items (real COCO val2014 polygons and bboxes, real Supervisely shapes, "
    "each moved by a random offset) and the same edits feed every system.",
    "ours: the public application API (ledger.imports.new_project, items.change_object, "
    "versions.create / restore / state_of / diff) with the product's default settings, "
    "on an SQLite file.",
    "plain eventsourcing: library defaults (eventsourcing.sqlite, JSON transcoder, no "
    "compression, no snapshots, collector untouched); one aggregate per image, one event per "
    "object, one save per image; version = recorded log position; restore = full replay "
    "from event 0 (restore time = until version 1 stood; compare = until the last version "
    "stood, both in one pass).",
    "Imports read a streamed source (items generated on demand, generation time left out "
    "for both), so the collector sees only what each system itself keeps alive.",
    "DB bytes: file size after a WAL checkpoint (everything: events, snapshots, catalog, "
    "chain). State bytes: sum of the stored event states.",
    "git: the product's Supervisely export (indent 4, img/ as symlinks), gc.auto=0 while "
    "committing, then `git gc` timed; restore = `git checkout v1`, compare = "
    "`git diff --stat v1 vN`.",
    "full copy: Supervisely annotation JSON of every item pickled and zstd-compressed per "
    "version; per-item dicts are cached between versions (favours the peer).",
    "Restore-vs-history: the long history is recorded through the domain's change_object "
    "with 16 edits per item per transaction and item snapshots every 16 versions "
    "(what per-edit saves leave), see history.py.",
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="10000,100000",
                   help="comma-separated item counts (default: 10000,100000)")
    p.add_argument("--edits", type=int, default=1000, help="single edits timed per scale")
    p.add_argument("--rounds", type=int, default=20, help="version rounds (1%% edits each)")
    p.add_argument("--peers-up-to", type=int, default=10_000,
                   help="run git and full copies only at scales up to this many items")
    p.add_argument("--history-items", type=int, default=1000)
    p.add_argument("--history-edits", type=int, default=1000,
                   help="edits per item in the long-history project (0: skip)")
    p.add_argument("--data", type=Path, default=DATA, help="the shared real data folder")
    p.add_argument("--out", type=Path, default=ROOT / "bench-results")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where databases and repos go (default: <out>/work, removed after)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    return p.parse_args(argv)


def machine() -> str:
    return (f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, eventsourcing {version('eventsourcing')}, "
            f"{platform.platform()}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sys.path.insert(0, str(ROOT))
    from scripts.benchmark import report
    from scripts.benchmark.history import run_history
    from scripts.benchmark.measure import bar, console
    from scripts.benchmark.scale import Options, run_scale
    from scripts.benchmark.workload import load_real

    workdir = args.workdir or args.out / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    opts = Options(args.edits, args.rounds, args.peers_up_to, workdir)
    start = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["scripts/bench", *(sys.argv[1:] if argv is None else argv)]),
        "machine": machine(), "load_average_at_start": os.getloadavg(), "scales": {},
        "notes": NOTES}
    real = load_real(args.data)
    try:
        for size in (int(s) for s in args.scale.split(",")):
            console.rule(f"{size:,} items x 20 objects")
            results["scales"][str(size)] = run_scale(size, real, opts)
        if args.history_edits:
            console.rule("restore vs history length")
            total = args.history_items * (args.history_edits + 1)
            with bar("history: recording edits", total) as advance:
                results["history"] = run_history(workdir, real, args.history_items,
                                                  args.history_edits, advance)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results["total_s"] = time.perf_counter() - start
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = report.targets(results)
    json_path, md_path = report.write(results, args.out)
    print(report.markdown(results))
    console.log(f"written {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
