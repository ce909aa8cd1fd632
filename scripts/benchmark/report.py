"""The results: targets judged, tables in Markdown, files in ``bench-results/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Row = list[str]


def num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def mb(value: float) -> str:
    return f"{value / 1e6:,.1f} MB"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def table(header: Row, rows: list[Row]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of the brief, judged on the figures measured."""
    out: list[dict[str, Any]] = []

    def check(what: str, value: str, met: bool) -> None:
        out.append({"target": what, "value": value, "met": bool(met)})

    scales = results["scales"]
    for size, r in scales.items():
        o, b = r["core"]["ours"], r["core"]["baseline"]
        check(f"{size} items: import >= 8x plain eventsourcing objects/s",
              ratio(o["objects_per_s"], b["objects_per_s"]),
              o["objects_per_s"] >= 8 * b["objects_per_s"])
        check(f"{size} items: import >= 50,000 objects/s", num(o["objects_per_s"]),
              o["objects_per_s"] >= 50_000)
        per_obj = o["db_bytes"] / r["objects"], b["db_bytes"] / r["objects"]
        check(f"{size} items: DB bytes per annotation object <= 1/3 of baseline",
              f"{per_obj[0]:.0f} B vs {per_obj[1]:.0f} B ({ratio(*per_obj)})",
              per_obj[0] * 3 <= per_obj[1])
        per_edit = (o["edit_state_bytes"] / o["edit_events"],
                    b["edit_state_bytes"] / b["edit_events"])
        check(f"{size} items: stored bytes per edit event <= 1/3 of baseline",
              f"{per_edit[0]:.0f} B vs {per_edit[1]:.0f} B ({ratio(*per_edit)})",
              per_edit[0] * 3 <= per_edit[1])
        v = r["versions"]
        check(f"{size} items: version create <= 20 ms (mean of {v['rounds']})",
              f"{v['ours']['create']['mean_ms']:.1f} ms (max {v['ours']['create']['max_ms']:.1f})",
              v["ours"]["create"]["mean_ms"] <= 20)
        check(f"{size} items: restore >= 10x faster than full replay",
              ratio(v["baseline"]["restore_s"], v["ours"]["restore_s"]),
              v["baseline"]["restore_s"] >= 10 * v["ours"]["restore_s"])
        check(f"{size} items: 0 media bytes copied by versions and restores",
              num(v["ours"]["media_bytes_added"]), v["ours"]["media_bytes_added"] == 0)
        if "git" in v:
            git = min(v["git"]["git_bytes_gc"], v["git"]["git_bytes_loose"])
            check(f"{size} items: storage after {v['rounds']} versions below git's (after gc)",
                  f"{mb(v['ours']['db_bytes'])} vs {mb(git)}", v["ours"]["db_bytes"] < git)
            full = v["fullcopy"]["bytes"]
            check(f"{size} items: storage far below full copies (<= 1/5)",
                  f"{mb(v['ours']['db_bytes'])} vs {mb(full)}",
                  v["ours"]["db_bytes"] * 5 <= full)
    largest = max(scales, key=int)
    p99 = scales[largest]["core"]["ours"]["edit"]["p99_ms"]
    check(f"single edit p99 <= 5 ms ({largest}-item project)", f"{p99:.2f} ms", p99 <= 5)
    if "10000" in scales and "100000" in scales:
        a = scales["10000"]["versions"]["ours"]["create"]["mean_ms"]
        z = scales["100000"]["versions"]["ours"]["create"]["mean_ms"]
        check("version create 100k / 10k <= 1.5", ratio(z, a), z <= 1.5 * a)
    h = results.get("history")
    if h:
        check(f"restore after {h['edits_per_item']:,} edits/item within 2x of 1 edit/item",
              f"{h['ratio']:.2f}x", h["ratio"] <= 2)
    return out


def core_table(r: dict[str, Any]) -> str:
    o, b = r["core"]["ours"], r["core"]["baseline"]
    n = r["objects"]
    rows = [
        ["import, annotation objects/s", num(o["objects_per_s"]), num(b["objects_per_s"]),
         ratio(o["objects_per_s"], b["objects_per_s"])],
        ["import, seconds", num(o["import_s"], 1), num(b["import_s"], 1),
         ratio(b["import_s"], o["import_s"]) + " faster"],
        ["events stored by the import", num(o["events"]), num(b["events"]), ""],
        ["DB bytes after import", mb(o["db_bytes"]), mb(b["db_bytes"]),
         ratio(o["db_bytes"], b["db_bytes"])],
        ["DB bytes per annotation object", num(o["db_bytes"] / n), num(b["db_bytes"] / n),
         ratio(o["db_bytes"], b["db_bytes"])],
        ["DB bytes per stored event", num(o["db_bytes"] / o["events"]),
         num(b["db_bytes"] / b["events"]), "(ours: 1 event per item, 20 objects)"],
        ["stored state bytes per edit event (1 object moved)",
         num(o["edit_state_bytes"] / o["edit_events"]),
         num(b["edit_state_bytes"] / b["edit_events"]),
         ratio(o["edit_state_bytes"] / o["edit_events"],
               b["edit_state_bytes"] / b["edit_events"])],
        ["DB growth per edit (bytes)", num(o["edit_db_bytes"] / o["edit_events"]),
         num(b["edit_db_bytes"] / b["edit_events"]), ""],
    ]
    for key in ("p50_ms", "p99_ms", "max_ms"):
        rows.append([f"single edit {key[:-3]} ({o['edit']['n']:,} random edits), ms",
                     num(o["edit"][key], 2), num(b["edit"][key], 2),
                     ratio(o["edit"][key], b["edit"][key])])
    return table(["measure", "ours", "plain eventsourcing", "ours / baseline"], rows)


def versions_table(r: dict[str, Any]) -> str:
    v = r["versions"]
    o, b = v["ours"], v["baseline"]
    g, f = v.get("git"), v.get("fullcopy")
    skip = "not run"

    def peer(d: dict[str, Any] | None, fn: Any) -> str:
        return fn(d) if d else skip

    rows = [
        ["edit during rounds, mean / p99 ms",
         f"{o['edit']['mean_ms']:.2f} / {o['edit']['p99_ms']:.2f}",
         f"{b['edit']['mean_ms']:.2f} / {b['edit']['p99_ms']:.2f}",
         peer(g, lambda d: f"write files {d['write']['mean_ms']:.0f} ms/round"), "-"],
        ["version create, mean / max ms",
         f"{o['create']['mean_ms']:.2f} / {o['create']['max_ms']:.2f}",
         f"{b['create']['mean_ms']:.2f} / {b['create']['max_ms']:.2f}",
         peer(g, lambda d: f"{d['create']['mean_ms']:.0f} / {d['create']['max_ms']:.0f}"),
         peer(f, lambda d: f"{d['create']['mean_ms']:.0f} / {d['create']['max_ms']:.0f}")],
        ["restore version 1, s", f"{o['restore_s']:.2f} (new project written)",
         f"{b['restore_s']:.2f} (full replay)",
         peer(g, lambda d: f"{d['restore_s']:.2f} (checkout)"),
         peer(f, lambda d: f"{d['restore_s']:.2f} (read + unpickle)")],
        ["rebuild version 1 in memory, s", f"{o['rebuild_s']:.2f}", f"{b['restore_s']:.2f}",
         "-", "-"],
        [f"compare v1..v{v['rounds']}, s (items modified)",
         f"{o['diff_s']:.2f} ({o['diff_items_modified']:,})",
         f"{b['diff_s']:.2f} ({b['diff_items_modified']:,})",
         peer(g, lambda d: f"{d['diff_s']:.2f} ({d['diff_files']:,} files)"), "not offered"],
        [f"storage after {v['rounds']} versions", mb(o["db_bytes"]) + " (whole DB)",
         mb(b["db_bytes"]) + " (whole DB)",
         peer(g, lambda d: f".git {mb(d['git_bytes_loose'])} loose, {mb(d['git_bytes_gc'])} "
                           f"after gc ({d['gc_s']:.0f} s); worktree {mb(d['worktree_bytes'])}"),
         peer(f, lambda d: f"{mb(d['bytes'])} ({v['rounds']} copies)")],
        ["media bytes copied", num(o["media_bytes_added"]), "0 (links only)",
         peer(g, lambda d: num(d["media_bytes"])), peer(f, lambda d: num(d["media_bytes"]))],
    ]
    return table(["measure", "ours", "plain eventsourcing", "git over Supervisely JSON",
                  "full copy + zstd (Supervisely)"], rows)


def history_table(h: dict[str, Any]) -> str:
    once, many = h["once"], h["many"]
    rows = [[k, f"{once[k]:.2f}", f"{many[k]:.2f}", ratio(many[k], once[k])]
            for k in ("restore_s", "rebuild_s")]
    rows.append(["edit events", num(once["edit_events"]), num(many["edit_events"]), ""])
    rows.append(["DB bytes", mb(once["db_bytes"]), mb(many["db_bytes"]), ""])
    return table(["measure", "edited once", f"edited {h['edits_per_item']:,} times",
                  "ratio"], rows)


def markdown(results: dict[str, Any]) -> str:
    parts = [f"# annoledger benchmark, {results['started']}", "",
             f"Command: `{results['command']}`  ", f"Machine: {results['machine']}  ",
             f"Total time: {results['total_s']:.0f} s; load average (1, 5, 15 min) "
             f"{_load(results['load_average_at_start'])} at start, "
             f"{_load(results['load_average_at_end'])} at end", ""]
    for size, r in results["scales"].items():
        parts += [f"## Core (issue 2, item 9): {int(size):,} items x 20 objects", "",
                  core_table(r), "",
                  f"## Versions (issue 3, item 8): {int(size):,} items, "
                  f"{r['versions']['rounds']} rounds editing 1% each", "",
                  versions_table(r), ""]
    if results.get("history"):
        h = results["history"]
        parts += [f"## Restore vs history length: {h['items']:,} items", "",
                  history_table(h), ""]
    rows = [[t["target"], t["value"], "met" if t["met"] else "**MISSED**"]
            for t in results["targets"]]
    parts += ["## Targets", "", table(["target", "measured", ""], rows), ""]
    parts += ["Notes:", ""] + [f"- {n}" for n in results["notes"]]
    return "\n".join(parts) + "\n"


def _load(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def write(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    js, md = out / f"bench-{stamp}.json", out / f"bench-{stamp}.md"
    js.write_text(json.dumps(results, indent=2) + "\n")
    md.write_text(markdown(results))
    (out / "latest.json").write_text(js.read_text())
    (out / "latest.md").write_text(md.read_text())
    return js, md
