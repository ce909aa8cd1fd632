"""Versions read back: restore of version 1 to files, compare of 1 with the latest, export.

Ours runs each through the CLI first (``versions restore`` then ``export supervisely``;
``versions diff --per-item``), then in process on the same database
(``ledger.versions.restore``, ``ledger.exports.to_files``, ``ledger.versions.diff``).
The latest state is exported in process in every format the product writes for
training (Supervisely JSON, COCO, YOLO, Pascal VOC), and as Supervisely JSON by the CLI.
Every restore's output is counted (annotation files written) and removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from scripts.benchmark.measure import bar, count_files
from scripts.benchmark.ours import Ours
from scripts.benchmark.systems import Systems

EXPORT_FORMATS = ("supervisely", "coco", "yolo", "voc")
PER_ITEM = {"supervisely": "**/ann/*.json", "coco": "annotations/instances_*.json",
            "yolo": "labels/**/*.txt", "voc": "Annotations/*.xml"}
"""The files an export writes per item (COCO: one file per dataset)."""


def _files_then_remove(path: Path) -> int:
    count = count_files(path)
    shutil.rmtree(path, ignore_errors=True)
    return count


def restore(s: Systems) -> dict[str, Any]:
    """Version 1 as a new project, then its files on disk."""
    size, cli, work = s.workload.size, s.cli, s.work
    with bar(f"{size:,}: restore v1 + export, ours (CLI)", None):
        restore_s, data = cli.json("versions", "restore", s.name, "1", "--name",
                                   f"{s.name} v1 (CLI)")
        export_s, _ = cli.run("export", "supervisely", data["project"], str(work / "out-cli"))
    out: dict[str, Any] = {"ours_cli": {"restore_s": restore_s, "export_s": export_s,
                                        "s": restore_s + export_s,
                                        "files": _files_then_remove(work / "out-cli")}}
    with bar(f"{size:,}: restore v1 + export, ours (in process)", None):
        ours = Ours(s.env())
        try:
            restore_s, new = ours.restore(s.pid, 1, f"{s.name} v1")
            export_s = ours.export(new, work / "out-lib")
            rebuild_s = ours.rebuild(s.pid, 1)
        finally:
            ours.close()
    out["ours_lib"] = {"restore_s": restore_s, "export_s": export_s, "s": restore_s + export_s,
                       "rebuild_s": rebuild_s, "files": _files_then_remove(work / "out-lib")}
    with bar(f"{size:,}: restore v1, plain eventsourcing (full replay)", s.base.events()) \
            as advance:
        replay_s, images = s.base.replay(1, advance)
    out["baseline"] = {"s": replay_s, "images": images}
    if s.git is not None:
        seconds = s.git.restore(1, s.git.root / "v1")
        out["git"] = {"s": seconds, "files": count_files(s.git.root / "v1")}
    if s.full is not None:
        seconds = s.full.restore(1, work / "out-full")
        out["fullcopy"] = {"s": seconds, "files": _files_then_remove(work / "out-full")}
    return out


def compare(s: Systems) -> dict[str, Any]:
    """Version 1 with the latest: what changed, down to objects where the system can."""
    last = s.opts.rounds + 1
    seconds, data = s.cli.json("versions", "diff", s.name, "1", str(last), "--per-item")
    out: dict[str, Any] = {"versions": [1, last], "ours_cli": {
        "s": seconds, "items_modified": len(data["items"]["modified"]),
        "objects_modified": data["objects"]["modified"]}}
    ours = Ours(s.env())
    try:
        seconds, modified = ours.diff(s.pid, 1, last)
    finally:
        ours.close()
    out["ours_lib"] = {"s": seconds, "items_modified": modified}
    seconds, touched = s.base.compare(1, last)
    out["baseline"] = {"s": seconds, "items_modified": touched}
    if s.git is not None:
        seconds, names = s.git.diff(1, last)
        out["git"] = {"s": seconds, "items_modified": names}
    if s.full is not None:
        seconds, changed = s.full.compare(1, last)
        out["fullcopy"] = {"s": seconds, "items_modified": changed}
    return out


def export(s: Systems) -> dict[str, Any]:
    """The latest state to files: in process in every format (``ledger.exports.to_files``),
    then Supervisely JSON through the CLI. Each output's per-item files are counted
    (:data:`PER_ITEM`) and removed."""
    size = s.workload.size
    formats: dict[str, Any] = {}
    ours = Ours(s.env())
    try:
        for fmt in EXPORT_FORMATS:
            outdir = s.work / f"export-{fmt}"
            with bar(f"{size:,}: export {fmt}, ours (in process)", None):
                seconds = ours.export(s.pid, outdir, fmt=fmt)
            formats[fmt] = {"s": seconds, "items_per_s": size / seconds,
                            "files": count_files(outdir, PER_ITEM[fmt])}
            shutil.rmtree(outdir, ignore_errors=True)
    finally:
        ours.close()
    with bar(f"{size:,}: export, ours (CLI)", None):
        cli_s, _ = s.cli.run("export", "supervisely", s.name, str(s.work / "export-cli"))
    return {"ours_lib": formats["supervisely"], "formats": formats,
            "ours_cli": {"s": cli_s, "files": _files_then_remove(s.work / "export-cli"),
                         "items_per_s": size / cli_s}}
