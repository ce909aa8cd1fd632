"""The results as tables: each scale's systems side by side, the CLI and edit latencies,
data operations and exports, augmentation beside hand-written Pillow, restore vs history
length, and every target with its figure and whether it was met."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.benchmark.targets import FORMAT_NAMES, PEERS, best_peer, times

Row = list[str]
NOT_RUN = "not run"
"""A peer left out at this scale (``--peers-up-to``); ``-`` marks what a system lacks."""
NAMES = {"git": "git", "fullcopy": "full copy", "baseline": "plain eventsourcing"}


def mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


def kib(value: float) -> str:
    return f"{value / 2**10:,.0f} KiB"


def secs(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:,.1f} s"


def table(header: Row, rows: list[Row]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _row(what: str, section: dict[str, Any], fmt: Any, ours: str, *, key: str = "s",
         notes: dict[str, str] | None = None) -> Row:
    """One measure across systems; the ratio is ours (``ours``: which of ours) to the best
    peer (lowest ``key``)."""
    notes = notes or {}

    def cell(system: str) -> str:
        d = section.get(system)
        if not d:
            return NOT_RUN if system in PEERS else "-"
        return fmt(d) + notes.get(system, "")

    peer, value = best_peer(section, key)
    ratio = times(section[ours][key], value) if peer else "-"
    return [what, cell("ours_cli"), cell("ours_lib"), *(cell(p) for p in PEERS),
            NAMES.get(peer or "", "-"), ratio]


def scale_table(r: dict[str, Any]) -> str:
    ing, res, cmp, sto = r["ingest"], r["restore"], r["compare"], r["storage"]
    rounds = r["rounds_timing"]
    last = cmp["versions"][1]

    def t(d: dict[str, Any]) -> str:
        return secs(d["s"])

    storage = {"ours_cli": {"s": sto["ours"]["bytes"]}, "baseline": {"s": sto["baseline"]["bytes"]}}
    growth = {"ours_cli": {"s": sto["ours"]["growth_per_version"]},
              "baseline": {"s": sto["baseline"]["growth_per_version"]}}
    if "git" in sto:
        storage["git"] = {"s": sto["git"]["bytes_gc"], "loose": sto["git"]["bytes_loose"]}
    if "fullcopy" in sto:
        storage["fullcopy"] = {"s": sto["fullcopy"]["bytes"]}
        versions = sto["versions"]
        growth["fullcopy"] = {"s": sto["fullcopy"]["bytes"] / versions}
    if "git" in sto:
        growth["git"] = {"s": sto["git"]["growth_per_version"]}
    version = {"ours_cli": {"s": rounds["ours_version"]["mean_ms"] / 1000},
               "baseline": {"s": rounds["base_version"]["mean_ms"] / 1000}}
    if "git_version" in rounds:
        version["git"] = {"s": rounds["git_version"]["mean_ms"] / 1000}
    if "full_version" in rounds:
        version["fullcopy"] = {"s": rounds["full_version"]["mean_ms"] / 1000}
    rows = [
        _row("ingest to version 1", ing, lambda d: f"{t(d)} ({d['objects_per_s']:,.0f} obj/s)",
             "ours_cli", notes={"ours_cli": " import + versions create",
                                "fullcopy": " parse + copy", "git": " copy, add, commit"}),
        _row("version after a 1% round, mean", version, t, "ours_cli",
             notes={"ours_cli": " versions create", "git": " add + commit + tag"}),
        _row("restore v1, then its files", res,
             lambda d: t(d) + (f" ({d['files']:,} files)" if "files" in d else ""), "ours_cli",
             notes={"ours_cli": " restore + export", "ours_lib": " restore + export",
                    "git": " worktree add", "fullcopy": " load + write",
                    "baseline": " full replay, no files"}),
        _row(f"compare v1 with v{last} (items modified)", cmp,
             lambda d: f"{t(d)} ({d['items_modified']:,})", "ours_cli",
             notes={"git": " diff --name-only", "baseline": " log between the versions",
                    "ours_cli": " diff --per-item"}),
        _row(f"storage after {sto['versions']} versions", storage,
             lambda d: mib(d["s"]) + (f" ({mib(d['loose'])} before gc)" if "loose" in d else ""),
             "ours_cli", notes={"ours_cli": " WAL included", "git": " after gc"}),
        _row("growth per 1%-edit version", growth, lambda d: kib(d["s"]), "ours_cli",
             notes={"fullcopy": " (a whole copy)", "git": " loose objects"}),
    ]
    exp = r["export"]
    rows.append(["export, items/s", f"{exp['ours_cli']['items_per_s']:,.0f}",
                 f"{exp['ours_lib']['items_per_s']:,.0f}", "-", "-", "-", "-", "-"])
    return table(["measure", "ours (CLI)", "ours (in process)", "git", "full copy",
                  "plain eventsourcing", "best peer", "ours / best peer"], rows)


def latency_table(r: dict[str, Any]) -> str:
    cli, ed = r["cli"], r["edits"]
    o, b = ed["ours"], ed["baseline"]
    rows = [
        [f"`annoledger --help`, median of {cli['help']['runs']}",
         secs(cli["help"]["median_s"]), "-"],
        [f"`annoledger versions create`, median of {cli['versions_create']['runs']}",
         secs(cli["versions_create"]["median_s"]), "-"],
        [f"single edit p50 ({o['n']:,} edits, in process)", f"{o['p50_ms']:.2f} ms",
         f"{b['p50_ms']:.2f} ms"],
        ["single edit p99", f"{o['p99_ms']:.2f} ms", f"{b['p99_ms']:.2f} ms"],
        ["single edit max", f"{o['max_ms']:.2f} ms", f"{b['max_ms']:.2f} ms"],
    ]
    return table(["measure", "ours", "plain eventsourcing"], rows)


def operations_table(r: dict[str, Any]) -> str:
    """Each operation in memory and end to end, then each export format."""
    size = r["items"]
    rows = [[f"{label} (`{op['operation']}` {_params(op['params'])})", secs(op["memory_s"]),
             secs(op["s"]), f"{size / op['s']:,.0f} items/s", f"{op['items']:,}"]
            for label, op in r["operations"].items()]
    rows += [[f"export {FORMAT_NAMES[fmt]}", "-", secs(e["s"]),
              f"{e['items_per_s']:,.0f} items/s", f"{e['files']:,} files"]
             for fmt, e in r["export"]["formats"].items()]
    return table(["measure", "in memory", "end to end", "items read/s", "out"], rows)


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def augment_table(a: dict[str, Any]) -> str:
    names = {"service": "ours, `ledger.operations.run` (store and database written)",
             "pixels": "ours, the augment operation alone (in memory)",
             "pillow": "hand-written Pillow (in memory, no annotations)"}
    rows = [[names[who], secs(a[who]["s"]), f"{a[who]['images_per_s']:,.1f}",
             f"{a[who]['vs_pillow']:.2f}x"] for who in names]
    return table(["contender", f"best of {a['rounds']}", "images/s", "vs Pillow"], rows)


def _recording(aug: dict[str, Any]) -> str:
    """What recording adds per image: the service's best time minus the pixel path's,
    which the machine's noise can make negative."""
    ms = aug["recording_ms_per_image"]
    if ms <= 0:
        return "recording costs no measurable time (the service was as fast as the pixels)"
    return f"recording costs {ms:.1f} ms per image"


def history_table(h: dict[str, Any]) -> str:
    once, many = h["once"], h["many"]
    rows = [[k, secs(once[k]), secs(many[k]), times(many[k], once[k])]
            for k in ("restore_s", "rebuild_s")]
    rows.append(["edit events", f"{once['edit_events']:,}", f"{many['edit_events']:,}", ""])
    rows.append(["DB bytes", mib(once["db_bytes"]), mib(many["db_bytes"]), ""])
    return table(["measure", "edited once", f"edited {h['edits_per_item']:,} times",
                  "ratio"], rows)


def _verdict(met: bool | None) -> str:
    return "met" if met else ("not judged" if met is None else "**MISSED**")


def markdown(results: dict[str, Any]) -> str:
    code = results["code"]
    parts = [f"# annoledger benchmark, {results['started']}", "",
             f"Command: `{results['command']}`  ",
             f"Code: {code['commit']} ({code['changed_files']} files changed)  ",
             f"Machine: {results['machine']}  ",
             f"Total time: {results['total_s']:.0f} s; load average (1, 5, 15 min) "
             f"{_load(results['load_average_at_start'])} at start, "
             f"{_load(results['load_average_at_end'])} at end", ""]
    for size, r in results["scales"].items():
        parts += [f"## {int(size):,} items x 20 objects: ingest, {r['rounds']} rounds editing "
                  "1% then a version, read back", "", scale_table(r), "",
                  f"## {int(size):,} items: CLI wall time and single edits", "",
                  latency_table(r), "",
                  f"## {int(size):,} items: data operations and exports, in process", "",
                  "Split, subsample and filter of the project's latest version into a new "
                  "project; exports of its latest state (see Targets).", "",
                  operations_table(r), ""]
    aug = results.get("augment")
    if aug:
        parts += [f"## Augmentation: {aug['images']} images from "
                  f"{len(aug['source_images'])} real ones", "",
                  f"Pipeline `{aug['spec']}`, copies per image: {aug['copies']} "
                  f"({', '.join(aug['source_images'])}); {_recording(aug)}.", "",
                  augment_table(aug), ""]
    if results.get("history"):
        h = results["history"]
        parts += [f"## Restore vs history length: {h['items']:,} items", "",
                  history_table(h), ""]
    before = results.get("before")
    header = ["target", "measured", ""] + (["before"] if before else [])
    rows = []
    for t in results["targets"]:
        row = [t["target"], t["value"], _verdict(t["met"])]
        if before:
            row.append(before["values"].get(t["target"], "-"))
        rows.append(row)
    parts += ["## Targets", ""]
    if before:
        parts += [f"Before: {before['commit']}, run {before['started']} "
                  f"(`{before['command']}`).", ""]
    parts += [table(header, rows), "", "Notes:", ""]
    parts += [f"- {n}" for n in results["notes"]]
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
