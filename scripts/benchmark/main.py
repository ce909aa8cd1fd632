"""``scripts/bench``: annoledger beside git, full copies and plain eventsourcing, one run.

    scripts/bench                                  # 3,000 and 100,000 items (the full run)
    scripts/bench --scale 3000 --history-edits 200 # a quicker run
    scripts/bench --scale 50 --edits 5 --cli-runs 1 --history-items 5 --history-edits 5

Each scale: N items x 20 objects written as a Supervisely download; every system
ingests it and records version 1; rounds each editing 1% of the items then a version;
storage; restore of version 1 to files; compare of version 1 with the latest; export
in every format; the CLI's wall times; single-edit latencies; split, subsample
and filter of the project. Then augmentation on the real images beside hand-written
Pillow, and restore vs history length. Progress goes to stderr, the report (Markdown) to
stdout, and JSON and Markdown copies to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
BEFORE = Path(__file__).with_name("before.json")
AUGMENT_SPEC = "fliplr;rotate:-10..10;crop:0.8;blur:1;noise:5"

NOTES = [
    "Same generated items (real COCO val2014 polygons and bboxes, real Supervisely shapes, "
    "each moved by a random offset; media linked by URL or local file, never copied) and "
    "the same edits feed every system, all ingesting the same Supervisely files.",
    "ours (CLI): `annoledger import supervisely`, `versions create`, `versions restore` + "
    "`export supervisely`, `versions diff --per-item`, each a fresh process timed from "
    "outside; edits in process through ledger.annotations.patch_object (the HTTP API's "
    "path). ours (in process): ledger.imports.from_files, ledger.versions.restore / diff / "
    "state_of, ledger.exports.to_files on the same database. Product defaults, SQLite files.",
    "git: the files copied into a new repository, add, commit, tag; a version = add + "
    "commit + tag of the rewritten ann/ files; restore = `git worktree add`; compare = "
    "`git diff --name-only`; gc.auto=0, then `git gc` timed once.",
    "full copy (Supervisely's versions): every item's annotation JSON pickled and "
    "zstd-compressed per version; restore loads a copy and writes its files; compare loads "
    "two copies.",
    "plain eventsourcing: library defaults (eventsourcing.sqlite, JSON, no compression, no "
    "snapshots); one aggregate per image, one event per object; version = log position; "
    "restore = full replay from event 0 (state in memory, no files written); compare = "
    "the log between the two positions.",
    "Storage: ours as the CLI left the files (database, WAL and shared memory); plain "
    "eventsourcing after a checkpoint (its application stays open); growth = (bytes after "
    "the last version - bytes after the first) / rounds.",
    "Data operations: split, subsample and filter through ledger.operations.run on the "
    "scale's project (its latest version) into a new project, seed 1; in memory = the "
    "operation alone on that version's state. Exports: ledger.exports.to_files of the "
    "latest state in each format (media linked, not copied).",
    "Augmentation: the real Supervisely export's JPEGs with their annotations; ours through "
    "ledger.operations.run (media store and database written) and the augment operation "
    "alone in memory, beside the same steps written by hand with Pillow (JPEG quality 95, "
    "in memory, no annotations); best of the rounds, after a warm-up.",
    "Restore vs history: the long history is recorded through the domain's change_object "
    "16 edits per item per transaction, item snapshots every 16 versions (what per-edit "
    "saves leave), see history.py.",
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="3000,100000",
                   help="comma-separated item counts (default: 3000,100000)")
    p.add_argument("--edits", type=int, default=1000, help="single edits timed per scale")
    p.add_argument("--rounds", type=int, default=3, help="rounds of 1%% edits + a version")
    p.add_argument("--cli-runs", type=int, default=7, help="runs per timed CLI command")
    p.add_argument("--peers-up-to", type=int, default=100_000,
                   help="run git and full copies at scales up to this many items")
    p.add_argument("--history-items", type=int, default=1000)
    p.add_argument("--history-edits", type=int, default=1000,
                   help="edits per item in the long-history project (0: skip)")
    p.add_argument("--augment-spec", default=AUGMENT_SPEC,
                   help=f"augmentation pipeline (default: {AUGMENT_SPEC})")
    p.add_argument("--augment-copies", type=int, default=4,
                   help="augmented images per real image (default: 4)")
    p.add_argument("--augment-rounds", type=int, default=5,
                   help="timed rounds of augmentation, best kept (default: 5)")
    p.add_argument("--data", type=Path, default=DATA, help="the shared real data folder")
    p.add_argument("--out", type=Path, default=ROOT / "bench-results")
    p.add_argument("--before", type=Path, default=BEFORE,
                   help="results JSON of an earlier run, shown beside each target")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where databases and repositories go (default: <out>/work)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args(argv)
    for name in ("edits", "rounds", "cli_runs", "augment_copies", "augment_rounds"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        args.sizes = [int(s) for s in args.scale.split(",")]
    except ValueError:
        p.error(f"--scale: {args.scale!r} is not a comma-separated list of item counts")
    if any(s < 10 for s in args.sizes):
        p.error("--scale: each scale needs at least 10 items")
    return args


def machine() -> str:
    return (f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, eventsourcing {version('eventsourcing')}, "
            f"git {_git('--version').split()[-1]}, {platform.platform()}")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def code() -> dict[str, Any]:
    """The commit measured, and how many files differ from it in the working tree."""
    status = _git("status", "--porcelain")
    return {"commit": _git("rev-parse", "HEAD") or "not a git checkout",
            "changed_files": len(status.splitlines())}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sys.path.insert(0, str(ROOT))
    from scripts.benchmark import report
    from scripts.benchmark.augmentation import run_augmentation
    from scripts.benchmark.history import run_history
    from scripts.benchmark.measure import bar, console
    from scripts.benchmark.scale import run_scale
    from scripts.benchmark.systems import Options
    from scripts.benchmark.targets import before_summary, targets
    from scripts.benchmark.workload import SLY_DIR, load_real

    workdir = args.workdir or args.out / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    opts = Options(args.edits, args.rounds, args.cli_runs, args.peers_up_to, workdir,
                   ((args.data / SLY_DIR).resolve(),), keep=args.keep)
    before = json.loads(args.before.read_text()) if args.before.is_file() else None
    start = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["scripts/bench", *(sys.argv[1:] if argv is None else argv)]),
        "code": code(), "machine": machine(), "load_average_at_start": os.getloadavg(),
        "scales": {}, "notes": NOTES}
    real = load_real(args.data)
    try:
        for size in args.sizes:
            console.rule(f"{size:,} items x 20 objects")
            results["scales"][str(size)] = run_scale(size, real, opts)
        console.rule("augmentation on real images")
        results["augment"] = run_augmentation(workdir, (args.data / SLY_DIR).resolve(),
                                              args.augment_spec, args.augment_copies,
                                              args.augment_rounds)
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
    results["targets"] = targets(results, before)
    if before:
        results["before"] = before_summary(before)
    json_path, md_path = report.write(results, args.out)
    print(report.markdown(results))
    console.log(f"written {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
