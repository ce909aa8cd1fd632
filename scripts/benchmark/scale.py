"""One scale (N items x 20 objects), ours and the peers side by side in one run.

Core (issue 2, item 9): import, single edits, bytes stored, ours and plain eventsourcing
on the same items and the same edits. Versions (issue 3, item 8): rounds that edit 1% of
the items and create a version after each, on ours, plain eventsourcing, git over the
exported files and Supervisely-style full copies; then restore, rebuild and compare.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.benchmark.baseline import Baseline
from scripts.benchmark.fullcopy_peer import FullCopyPeer
from scripts.benchmark.git_peer import GitPeer
from scripts.benchmark.measure import bar, fresh, percentile
from scripts.benchmark.ours import Ours
from scripts.benchmark.workload import RealData, Workload


@dataclass(frozen=True)
class Options:
    edits: int
    rounds: int
    peers_up_to: int
    workdir: Path


def stats(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "mean_ms": statistics.fmean(ms), "p50_ms": percentile(ms, 50),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms),
            "slowest_ms": sorted(ms, reverse=True)[:10]}


def run_scale(size: int, real: RealData, opts: Options) -> dict[str, Any]:
    workload = Workload(real, size)
    ours = Ours(fresh(opts.workdir / f"ours-{size}.db"), opts.workdir / "media")
    base = Baseline(fresh(opts.workdir / f"baseline-{size}.db"))
    try:
        core = run_core(size, workload, ours, base, opts)
        versions = run_versions(size, workload, ours, base, opts)
    finally:
        ours.close()
        base.close()
    return {"items": size, "objects": size * workload.objects, "core": core,
            "versions": versions}


def run_core(size: int, workload: Workload, ours: Ours, base: Baseline,
             opts: Options) -> dict[str, Any]:
    objects = size * workload.objects
    with bar(f"{size:,}: ours import", size) as advance:
        ours_s = ours.import_state(workload.state(), advance)
    with bar(f"{size:,}: plain eventsourcing import", size) as advance:
        base_s = base.import_state(workload, advance)
    o_events, o_state = ours.state_bytes(ours.pid)
    b_events, b_state = base.events(), base.state_bytes()
    o_disk, b_disk = ours.bytes_on_disk(), base.bytes_on_disk()
    edits = workload.random_edits(opts.edits)
    o_lat, b_lat = [], []
    with bar(f"{size:,}: single edits, ours", len(edits)) as advance:
        for e in edits:
            o_lat.append(ours.edit(e))
            advance(1)
    with bar(f"{size:,}: single edits, plain eventsourcing", len(edits)) as advance:
        for e in edits:
            b_lat.append(base.edit(e))
            advance(1)
    o_events2, o_state2 = ours.state_bytes(ours.pid)
    b_events2, b_state2 = base.events(), base.state_bytes()
    return {
        "ours": {"import_s": ours_s, "objects_per_s": objects / ours_s, "events": o_events,
                 "db_bytes": o_disk, "state_bytes": o_state, "edit": stats(o_lat),
                 "edit_events": o_events2 - o_events,
                 "edit_state_bytes": o_state2 - o_state,
                 "edit_db_bytes": ours.bytes_on_disk() - o_disk},
        "baseline": {"import_s": base_s, "objects_per_s": objects / base_s, "events": b_events,
                     "db_bytes": b_disk, "state_bytes": b_state, "edit": stats(b_lat),
                     "edit_events": b_events2 - b_events,
                     "edit_state_bytes": b_state2 - b_state,
                     "edit_db_bytes": base.bytes_on_disk() - b_disk},
    }


def run_versions(size: int, workload: Workload, ours: Ours, base: Baseline,
                 opts: Options) -> dict[str, Any]:
    peers = size <= opts.peers_up_to
    git = GitPeer(opts.workdir / f"git-{size}")
    full = FullCopyPeer(opts.workdir / f"fullcopy-{size}")
    out: dict[str, Any] = {"rounds": opts.rounds, "peers": peers}
    timing: dict[str, list[float]] = {k: [] for k in (
        "ours_edit", "ours_create", "base_edit", "base_create", "git_write", "git_commit",
        "full_create")}
    full_bytes: list[int] = []
    if peers:
        with bar(f"{size:,}: git export + first commit", size) as advance:
            out["git_start_s"] = git.start(workload, advance)
        full.start(workload)
    media_before = ours.media_bytes()
    with bar(f"{size:,}: {opts.rounds} rounds of edits + versions", opts.rounds) as advance:
        for number, edits in enumerate(workload.rounds(opts.rounds), 1):
            timing["ours_edit"] += [ours.edit(e) for e in edits]
            timing["ours_create"].append(ours.create_version(f"round {number}"))
            timing["base_edit"] += [base.edit(e) for e in edits]
            timing["base_create"].append(base.create_version())
            if peers:
                keys = [e.key for e in edits]
                timing["git_write"].append(git.write_items(workload, keys))
                timing["git_commit"].append(git.commit_version(number))
                full.update(workload, keys)
                seconds, nbytes = full.create_version(number)
                timing["full_create"].append(seconds)
                full_bytes.append(nbytes)
            advance(1)
    last = opts.rounds
    ours_bytes = ours.bytes_on_disk()
    restore_s, new_project = ours.restore(1)
    diff_s, comparison = ours.diff(1, last)
    out["ours"] = {
        "edit": stats(timing["ours_edit"]), "create": stats(timing["ours_create"]),
        "restore_s": restore_s, "rebuild_s": ours.rebuild(1), "diff_s": diff_s,
        "diff_items_modified": len(comparison.as_json()["items"]["modified"]),
        "db_bytes": ours_bytes, "media_bytes_added": ours.media_bytes() - media_before,
        "restored_events": ours.state_bytes(new_project)[0],
        "restore_db_bytes": ours.bytes_on_disk() - ours_bytes}
    with bar(f"{size:,}: plain eventsourcing full replay", base.events()) as advance:
        b_restore, b_diff, b_changed = base.replay(1, last, advance)
    out["baseline"] = {"edit": stats(timing["base_edit"]), "create": stats(timing["base_create"]),
                       "restore_s": b_restore, "diff_s": b_diff, "diff_items_modified": b_changed,
                       "db_bytes": base.bytes_on_disk(), "events": base.events()}
    if peers:
        out["git"] = git_results(git, timing, last)
        out["fullcopy"] = {"create": stats(timing["full_create"]), "bytes": full.total_bytes(),
                           "version_bytes": full_bytes, "restore_s": full.restore(1),
                           "media_bytes": 0}
        git.close()
        full.close()
    return out


def git_results(git: GitPeer, timing: dict[str, list[float]], last: int) -> dict[str, Any]:
    restore_s = git.restore(1)
    diff_s, files = git.diff(1, last)
    loose = git.git_bytes()
    worktree = git.worktree_bytes()
    media = git.media_bytes()
    gc_s = git.gc()
    return {"write": stats(timing["git_write"]), "create": stats(timing["git_commit"]),
            "restore_s": restore_s, "diff_s": diff_s, "diff_files": files,
            "git_bytes_loose": loose, "gc_s": gc_s, "git_bytes_gc": git.git_bytes(),
            "worktree_bytes": worktree, "media_bytes": media}
