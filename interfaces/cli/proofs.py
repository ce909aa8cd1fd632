"""``annoledger verify --digest`` and ``--since-digest D``: provable history for auditors."""

from __future__ import annotations

from application import ProofReport
from interfaces.cli.runtime import Runtime, fail, out_console, print_json


def run_proofs(rt: Runtime, digest: bool, since: str | None, json: bool) -> None:
    """Print the digest as the output's last word, or prove the log extends ``since``."""
    report = rt.ledger.proofs.verify_since(since) if since else rt.ledger.proofs.log_digest()
    if json:
        print_json(report.as_json())
    else:
        _print(report, since)
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


def _print(report: ProofReport, since: str | None) -> None:
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
