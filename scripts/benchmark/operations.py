"""Data operations at one scale, on the versions workload's own project.

After the read-back and latency measures, the scale's project (``ours.db``, its latest
version) goes through split (plain and stratified), subsample and filter, each in
process through ``ledger.operations.run`` into a new project: the end-to-end time a
user waits for (the version read, the derivation, the new project and the run's session
written). The same derivations are timed alone on the version's state in memory
(:meth:`scripts.benchmark.ours.Ours.derive`), to show where the time goes. Then the
project is exported in each format through ``ledger.exports.to_files`` (see
:func:`scripts.benchmark.readback.export`).
"""

from __future__ import annotations

from typing import Any

from scripts.benchmark.measure import bar
from scripts.benchmark.ours import SEED, Ours
from scripts.benchmark.systems import Systems

DERIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "split": ("split", {"parts": "train=0.8,val=0.2"}),
    "split --stratify": ("split", {"parts": "train=0.8,val=0.2", "stratify": True}),
    "subsample": ("subsample", {"fraction": 0.1}),
    "filter": ("filter", {"where": 'count(class="person") > 4'}),
}
"""Label in the report -> operation and parameters (the filter keeps about two items in
five: those with more than four ``person`` polygons, COCO's most common class)."""


def run_operations(s: Systems) -> dict[str, Any]:
    size = s.workload.size
    out: dict[str, Any] = {}
    ours = Ours(s.env())
    try:
        with bar(f"{size:,}: operations in memory", len(DERIVATIONS)) as advance:
            state = ours.ledger.versions.state_of(s.pid, "current")
            for label, (operation, params) in DERIVATIONS.items():
                seconds, result = ours.derive(state, operation, params)
                out[label] = {"operation": operation, "params": params, "seed": SEED,
                              "memory_s": seconds, "memory_items": len(result.items)}
                advance(1)
            del state, result
        with bar(f"{size:,}: operations end to end", len(DERIVATIONS)) as advance:
            for label, (operation, params) in DERIVATIONS.items():
                seconds, run = ours.operate(s.pid, operation, params, f"{s.name} · {label}")
                out[label].update({"s": seconds, "items": run.items, "objects": run.objects,
                                   "source_version": run.source_version})
                advance(1)
    finally:
        ours.close()
    return out
