"""What a person waits for: the CLI's wall time, and one annotation edit.

``annoledger --help`` and ``annoledger versions create`` on the scale's project, each run
several times in fresh processes (a version needs a change: one object is edited in
process before each run, untimed). Single edits: random objects of the freshly imported
project (``ours-lib.db``) moved one at a time in process, as the HTTP API applies them;
plain eventsourcing edits the same objects.
"""

from __future__ import annotations

from typing import Any

from scripts.benchmark import files
from scripts.benchmark.cli import summary
from scripts.benchmark.measure import bar, stats
from scripts.benchmark.ours import Ours
from scripts.benchmark.systems import Systems


def cli_times(s: Systems) -> dict[str, Any]:
    runs = s.opts.cli_runs
    cli = s.cli
    with bar(f"{s.workload.size:,}: CLI wall times", 2 * runs) as advance:
        helps = []
        for _ in range(runs):
            helps.append(cli.run("--help")[0])
            advance(1)
        creates = []
        ours = Ours(s.env())
        try:
            ids = ours.item_ids(s.pid)
        finally:
            ours.close()
        for n, edit in enumerate(s.workload.random_edits(runs, seed=17)):
            ours = Ours(s.env())
            try:
                ours.edit(s.pid, ids[edit.key], edit)
            finally:
                ours.close()
            creates.append(cli.json("versions", "create", s.name, "--title", f"t{n}")[0])
            advance(1)
    return {"help": summary(helps), "versions_create": summary(creates)}


def single_edits(s: Systems) -> dict[str, Any]:
    assert s.lib_project is not None, "ingest first"
    edits = s.workload.random_edits(s.opts.edits)
    ours = Ours(s.lib_env)
    try:
        ids = ours.item_ids(s.lib_project)
        with bar(f"{s.workload.size:,}: single edits, ours", len(edits)) as advance:
            ours_s = []
            for e in edits:
                ours_s.append(ours.edit(s.lib_project, ids[e.key], e))
                advance(1)
    finally:
        ours.close()
    with bar(f"{s.workload.size:,}: single edits, plain eventsourcing", len(edits)) as advance:
        base_s = []
        for e in edits:
            base_s.append(s.base.edit(files.ann_path(s.workload, e.key), e.object_id,
                                      e.geometry, e.updated_at))
            advance(1)
    return {"ours": stats(ours_s), "baseline": stats(base_s)}
