"""One scale of the versions workload, every system side by side in one run.

N items x 20 objects as Supervisely JSON files; each system ingests them and records
version 1; then rounds each editing 1% of the items, a version after each; then storage,
restore of version 1 to files, compare of version 1 with the latest, export in every
format, the CLI's own wall times and single-edit latencies (:mod:`scripts.benchmark.readback`,
:mod:`scripts.benchmark.latency`); last, data operations on the same project
(:mod:`scripts.benchmark.operations`).
"""

from __future__ import annotations

import shutil
from typing import Any
from uuid import UUID

from scripts.benchmark import files
from scripts.benchmark.baseline import Baseline
from scripts.benchmark.fullcopy_peer import FullCopyPeer
from scripts.benchmark.git_peer import GitPeer
from scripts.benchmark.latency import cli_times, single_edits
from scripts.benchmark.measure import bar, regular_file_bytes, sqlite_files_bytes, stats
from scripts.benchmark.operations import run_operations
from scripts.benchmark.ours import Ours
from scripts.benchmark.readback import compare, export, restore
from scripts.benchmark.systems import Options, Systems
from scripts.benchmark.workload import RealData, Workload


def run_scale(size: int, real: RealData, opts: Options) -> dict[str, Any]:
    workload = Workload(real, size)
    work = opts.workdir / f"scale-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with bar(f"{size:,}: writing the Supervisely download", size) as advance:
        files.write_project(workload, work / "download", advance)
    peers = size <= opts.peers_up_to
    s = Systems(workload, work, work / "download", Baseline(work / "baseline.db"),
                GitPeer(work / "git") if peers else None,
                FullCopyPeer(work / "fullcopy") if peers else None, opts, name=f"bench-{size}")
    out: dict[str, Any] = {"items": size, "objects": size * workload.objects, "peers": peers,
                           "rounds": opts.rounds}
    try:
        out["ingest"] = ingest(s)
        out["rounds_timing"] = rounds(s)
        out["storage"] = storage(s)
        out["restore"] = restore(s)
        out["compare"] = compare(s)
        out["export"] = export(s)
        out["cli"] = cli_times(s)
        out["edits"] = single_edits(s)
        out["operations"] = run_operations(s)
    finally:
        s.base.close()
        if not opts.keep:  # every system's files live under ``work``
            shutil.rmtree(work, ignore_errors=True)
    return out


def ingest(s: Systems) -> dict[str, Any]:
    """Files to a first version: ours through the CLI (import, then ``versions create``) and
    in process; git (copy, add, commit, tag); full copy (parse, first copy); plain
    eventsourcing (parse, save, record the position)."""
    size, objects = s.workload.size, s.workload.size * s.workload.objects
    cli = s.cli
    with bar(f"{size:,}: ingest, ours (CLI)", None):
        import_s, data = cli.json("import", "supervisely", str(s.source), "--project", s.name)
        s.project = UUID(data["project"])
        version_s, _ = cli.json("versions", "create", s.name, "--title", "import")
    s.sizes["ours"].append(sqlite_files_bytes(s.db))
    with bar(f"{size:,}: ingest, ours (in process)", None):
        ours = Ours(s.lib_env)
        try:
            lib_s, s.lib_project = ours.import_files(s.source, s.name)
        finally:
            ours.close()
    out: dict[str, Any] = {
        "ours_cli": {"import_s": import_s, "version_s": version_s,
                     "s": import_s + version_s, "objects_per_s": objects / import_s},
        "ours_lib": {"s": lib_s, "objects_per_s": objects / lib_s}}
    with bar(f"{size:,}: ingest, plain eventsourcing", size) as advance:
        base_s = s.base.ingest(s.source, advance)
        base_v = s.base.create_version()
    s.sizes["baseline"].append(s.base.bytes_on_disk())
    out["baseline"] = {"import_s": base_s, "version_s": base_v, "s": base_s + base_v,
                       "objects_per_s": objects / base_s, "events": s.base.events()}
    if s.git is not None:
        with bar(f"{size:,}: ingest, git", None):
            git_s = s.git.ingest(s.source)
        s.sizes["git"] = [s.git.git_bytes()]
        out["git"] = {"s": git_s, "objects_per_s": objects / git_s}
    if s.full is not None:
        with bar(f"{size:,}: ingest, full copy", None):
            parse_s = s.full.ingest(s.source)
            copy_s = s.full.create_version(1)
        out["fullcopy"] = {"parse_s": parse_s, "version_s": copy_s, "s": parse_s + copy_s,
                           "objects_per_s": objects / parse_s}
    return out


def rounds(s: Systems) -> dict[str, Any]:
    """Rounds of 1% edits, each system editing as its users do, then a version."""
    timing: dict[str, list[float]] = {k: [] for k in (
        "ours_edit", "ours_version", "base_edit", "base_version", "git_write", "git_version",
        "full_version")}
    w = s.workload
    with bar(f"{w.size:,}: {s.opts.rounds} rounds of 1% edits + a version", s.opts.rounds) \
            as advance:
        ids = None
        for number, edits in enumerate(w.rounds(s.opts.rounds), 2):
            ours = Ours(s.env())
            try:
                ids = ids or ours.item_ids(s.pid)
                timing["ours_edit"] += [ours.edit(s.pid, ids[e.key], e) for e in edits]
            finally:
                ours.close()
            seconds, _ = s.cli.json("versions", "create", s.name, "--title", f"v{number}")
            timing["ours_version"].append(seconds)
            s.sizes["ours"].append(sqlite_files_bytes(s.db))
            timing["base_edit"] += [s.base.edit(files.ann_path(w, e.key), e.object_id,
                                                e.geometry, e.updated_at) for e in edits]
            timing["base_version"].append(s.base.create_version())
            s.sizes["baseline"].append(s.base.bytes_on_disk())
            changed = {files.ann_path(w, e.key): files.ann_bytes(w, e.key) for e in edits}
            if s.git is not None:
                timing["git_write"].append(s.git.write(changed))
                timing["git_version"].append(s.git.commit_version(number))
                s.sizes["git"].append(s.git.git_bytes())
            if s.full is not None:
                s.full.update(changed)
                timing["full_version"].append(s.full.create_version(number))
            advance(1)
    return {k: stats(v) for k, v in timing.items() if v}


def storage(s: Systems) -> dict[str, Any]:
    """Bytes after the last version: ours as the CLI left its files (WAL included), plain
    eventsourcing after a checkpoint (its application is still open), git before and
    after ``git gc``, the full copies; growth per version from the first to the last
    (git's: loose objects, before gc)."""
    ours, base = s.sizes["ours"], s.sizes["baseline"]
    rounds_done = len(ours) - 1
    out: dict[str, Any] = {
        "versions": len(ours),
        "ours": {"bytes": ours[-1], "after_each_version": ours,
                 "growth_per_version": (ours[-1] - ours[0]) / rounds_done,
                 "media_bytes": regular_file_bytes(s.work / "media")},
        "baseline": {"bytes": base[-1], "after_each_version": base,
                     "growth_per_version": (base[-1] - base[0]) / rounds_done}}
    if s.git is not None:
        loose = s.git.git_bytes()
        with bar(f"{s.workload.size:,}: git gc", None):
            gc_s = s.git.gc()
        sizes = s.sizes["git"]
        out["git"] = {"bytes_loose": loose, "bytes_gc": s.git.git_bytes(), "gc_s": gc_s,
                      "after_each_version": sizes,
                      "growth_per_version": (sizes[-1] - sizes[0]) / rounds_done}
    if s.full is not None:
        out["fullcopy"] = {"bytes": s.full.total_bytes()}
    return out
