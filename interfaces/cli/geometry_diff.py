"""``versions diff --match iou``: the geometry-aware compare's output."""

from __future__ import annotations

from rich.table import Table

from domain.errors import ValidationError
from domain.geometry_compare import KINDS
from interfaces.cli.runtime import Runtime, out_console, print_json


def geometry_diff(rt: Runtime, project: str, a: str, b: str, match: str, threshold: float,
                  json: bool) -> None:
    if match != "iou":
        raise ValidationError("match", f"'{match}' is not one of: id, iou")
    ref_a: int | str = a if a == "current" else int(a)
    ref_b: int | str = b if b == "current" else int(b)
    result = rt.ledger.replay.diff_geometry(rt.project(project), ref_a, ref_b, threshold)
    if json:
        print_json(result.as_json())
        return
    counts = result.counts()
    table = Table("objects", "count", title=f"{a} → {b}, matched by id then IoU ≥ {threshold}")
    for key in ("matched", "matched_by_iou", "unchanged", *KINDS, "added", "removed"):
        table.add_row(key.replace("_", " "), str(counts[key]))
    out_console.print(table)
    for kind in KINDS:
        for m in result.of(kind):
            ids = str(m.before) if m.before == m.after else f"{m.before} → {m.after}"
            out_console.print(f"  {kind:<12} {m.path} object {ids} (IoU {m.iou:.2f})",
                              markup=False, highlight=False)
    for kind, pairs in (("added", result.added), ("removed", result.removed)):
        for path, object_id in pairs:
            out_console.print(f"  {kind:<12} {path} object {object_id}", markup=False,
                              highlight=False)
