"""``annoledger log``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from interfaces.cli.audit import add_row, compact, print_table, target_text, when_who
from interfaces.cli.runtime import print_json, runtime

if TYPE_CHECKING:
    from application import LogEntry

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def show_log(
    ctx: typer.Context, project: str,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of the last events")] = 100,
    wide: Annotated[bool, typer.Option("--wide", help="Every column, nothing shortened")
                    ] = False,
    json: Json = False,
) -> None:
    """The last events of a project's log, oldest first, each with what it changed."""
    rt = runtime(ctx)
    entries = rt.ledger.history.log_entries(rt.project(project), limit=limit)
    if json:
        print_json([e.as_json() for e in entries])
        return
    print_entries(entries, wide)


def print_entries(entries: list[LogEntry], wide: bool) -> None:
    """Log entries as one table, for ``log`` and ``replay step``: 80 columns unless
    ``wide``, which shows every column in full."""
    from rich.table import Table

    if wide:
        made = Table("position", "time", "actor", "type", "item", "class", "target",
                     "session", "summary")
        for e in entries:
            add_row(made, str(e.position), e.time, e.actor, e.type, e.item, e.object_class,
                    e.target, e.session or "", e.summary)
    else:
        made = compact(("pos", "when, who", "event", "target", "summary"))
        for e in entries:
            kind, _, target_id = e.target.partition(":")
            add_row(made, str(e.position), when_who(e.time, e.actor),
                    e.type.rpartition(".")[2], target_text(kind, target_id, e.item,
                                                           e.object_class), e.summary)
    print_table(made, wide)
