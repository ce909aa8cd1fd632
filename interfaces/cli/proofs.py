"""``annoledger verify``: the log and everything derived from it, recomputed and compared;
``--quick`` (hash chains only), ``--digest`` and ``--since-digest D`` (provable history
for auditors).

Exit codes: 0 when everything matches; 1 on the first mismatch, named on stderr as
``project P: <table>: <row>: <what differs>`` (the table's other codes, in
:mod:`interfaces.cli.main`, are for errors before anything was checked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from interfaces.cli.runtime import (
    Runtime,
    fail,
    out_console,
    print_json,
    progress_bar,
    runtime,
)

if TYPE_CHECKING:
    from application import ProofReport, VerifyReport

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def verify(
    ctx: typer.Context,
    project: Annotated[str | None, typer.Argument(
        help="Only this project's log and the rows derived from it")] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Recompute the hash chains only (no derived rows)")] = False,
    json: Json = False,
    digest: Annotated[bool, typer.Option("--digest", help="Check all, print a log digest")] = False,
    since_digest: Annotated[str | None, typer.Option(
        "--since-digest", help="Prove the log extends digest D")] = None,
) -> None:
    """Recompute everything derived from the log (catalog, heads, time index, snapshots,
    audit index, workflow graph) and its hash chains; name the first row that does not
    match, with its table and key."""
    rt = runtime(ctx)
    if digest or since_digest:
        return run_proofs(rt, digest, since_digest, json)
    pid = _log(rt, project) if project else None
    with progress_bar("verifying") as progress:
        report = rt.ledger.proofs.check(pid, quick=quick, progress=progress)
    if json:
        print_json([v.as_json() for v in report.logs])
    else:
        _print(report, whole=pid is None)
    first = report.first
    if first is not None:
        if first.chain_broken:
            fail(f"project {first.name}: chain broken at position {first.position}: "
                 f"{first.reason}")
        fail(f"project {first.name}: {first.reason}")
    return None


def _log(rt: Runtime, ref: str) -> UUID:
    """A project by name or id; an id is taken as it is, so that a project whose head row
    is missing (and so no name resolves to it) can still be checked."""
    try:
        return UUID(ref)
    except ValueError:
        return rt.project(ref)


def _print(report: VerifyReport, *, whole: bool) -> None:
    for v in report.logs:
        if v.ok:
            state = "ok"
        elif v.chain_broken:
            state = f"BROKEN at position {v.position}: {v.reason}"
        else:
            state = f"BROKEN: {v.reason}"
        _say(f"{v.name} ({v.project}): {v.checked} events, {state}")
    for view in report.views:
        behind = f", {view.behind} events not applied yet" if view.behind else ""
        state = "ok" if view.ok else f"BROKEN: {view.reason}"
        _say(f"{view.label}: {view.rows} rows up to event {view.upto}{behind}, {state}")
    if report.quick:
        _say("hash chains only: derived rows were not compared (verify without --quick)")
    elif not whole:
        _say("the audit index and the workflow graph span every log: `verify` with no "
             "project compares them")


def _say(text: str) -> None:
    out_console.print(text, markup=False, highlight=False, soft_wrap=True)


def run_proofs(rt: Runtime, digest: bool, since: str | None, json: bool) -> None:
    """Print the digest as the output's last word, or prove the log extends ``since``."""
    report = rt.ledger.proofs.verify_since(since) if since else rt.ledger.proofs.log_digest()
    if json:
        print_json(report.as_json())
    else:
        _print_proof(report, since)
    if not report.ok:
        fail(report.problems[0] + (f" (and {len(report.problems) - 1} more problems)"
                                   if len(report.problems) > 1 else ""))
    if digest and since:
        fresh = rt.ledger.proofs.log_digest()
        if json:
            print_json(fresh.as_json())
        elif fresh.digest:
            out_console.print(f"log digest: {fresh.digest}", markup=False, highlight=False,
                              soft_wrap=True)


def _print_proof(report: ProofReport, since: str | None) -> None:
    for problem in report.problems:
        out_console.print(f"BROKEN: {problem}", markup=False, highlight=False, soft_wrap=True)
    summary = (f"{report.projects} project logs, {report.events} events, "
               f"{report.snapshots} snapshots checked")
    if since:
        state = "extends the digest unchanged" if report.ok else "does NOT extend the digest"
        out_console.print(f"{summary}: the log {state}", markup=False, highlight=False,
                          soft_wrap=True)
    elif report.digest:
        out_console.print(f"{summary}\nlog digest: {report.digest}", markup=False,
                          highlight=False, soft_wrap=True)
