"""``annoledger log`` and ``annoledger verify``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from interfaces.cli.proofs import run_proofs
from interfaces.cli.runtime import fail, out_console, print_json, runtime

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def show_log(
    ctx: typer.Context, project: str,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of the last events")] = 100,
    json: Json = False,
) -> None:
    """The last events of a project's log, oldest first."""
    rt = runtime(ctx)
    entries = rt.ledger.history.log_entries(rt.project(project), limit=limit)
    if json:
        print_json([e.as_json() for e in entries])
        return
    table = Table("position", "time", "actor", "type", "target", "session")
    for e in entries:
        table.add_row(str(e.position), e.time, e.actor, e.type, e.target, e.session or "")
    out_console.print(table)


def verify(
    ctx: typer.Context,
    project: Annotated[str | None, typer.Argument(help="Only this project")] = None,
    json: Json = False,
    digest: Annotated[bool, typer.Option("--digest", help="Check all, print a log digest")] = False,
    since_digest: Annotated[str | None, typer.Option(
        "--since-digest", help="Prove the log extends digest D")] = None,
) -> None:
    """Recompute the hash chains; name the first position that does not match."""
    rt = runtime(ctx)
    if digest or since_digest:
        return run_proofs(rt, digest, since_digest, json)
    views = rt.ledger.proofs.verify(rt.project(project) if project else None)
    if json:
        print_json([v.as_json() for v in views])
    else:
        for v in views:
            state = "ok" if v.ok else f"BROKEN at position {v.position}: {v.reason}"
            out_console.print(f"{v.name} ({v.project}): {v.checked} events, {state}",
                              markup=False, highlight=False)
    broken = [v for v in views if not v.ok]
    if broken:
        first = broken[0]
        fail(f"project {first.name}: chain broken at position {first.position}: {first.reason}")
