"""``annoledger replay ...``: state at a position or time, step through events, bisect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from interfaces.cli.log import print_entries
from interfaces.cli.runtime import fail, out_console, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Replay a project's history (for debugging).")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@app.command("show")
def show(
    ctx: typer.Context, project: str,
    at: Annotated[int | None, typer.Option("--at", min=1, help="Log position")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO 8601 time (UTC)")] = None,
    export: Annotated[Path | None, typer.Option(
        "--export", help="Write that state here as a Supervisely project")] = None,
    json: Json = False,
) -> None:
    """The state at a log position (as `log` and versions give them) or as of a time."""
    if (at is None) == (as_of is None):
        fail("give exactly one of --at POSITION or --as-of TIME", 2)
    from rich.table import Table

    from domain.times import parse_time

    rt = runtime(ctx)
    view = rt.ledger.replay.show(rt.project(project), position=at,
                              as_of=parse_time(as_of, "as-of"), export=export)
    if json:
        print_json(view.as_json())
        return
    out_console.print(f"position {view.position} ({view.time}): {view.items} items, "
                      f"{view.objects} objects, {view.empty_items} without objects\n"
                      f"datasets: {', '.join(view.datasets) or '—'}\ndigest {view.digest}",
                      markup=False, highlight=False)
    table = Table("class", "objects")
    for title, n in view.classes.items():
        table.add_row(title, str(n))
    out_console.print(table)
    if export is not None:
        out_console.print(f"exported to {export}", markup=False, highlight=False)


@app.command("step")
def step(
    ctx: typer.Context, project: str,
    start: Annotated[int, typer.Option("--from", min=1, help="First position")],
    end: Annotated[int, typer.Option("--to", min=1, help="Last position")],
    wide: Annotated[bool, typer.Option("--wide", help="Every column, nothing shortened")
                    ] = False,
    json: Json = False,
) -> None:
    """Walk the events at positions FROM..TO, each with what it changed."""
    rt = runtime(ctx)
    entries = rt.ledger.replay.step(rt.project(project), start, end)
    if json:
        print_json([e.as_json() for e in entries])
    else:
        print_entries(entries, wide)


@app.command("bisect")
def bisect(
    ctx: typer.Context, project: str,
    predicate: Annotated[str, typer.Option(
        "--predicate", help='e.g. \'count(class="cat") < 3\' or \'empty_items() > 0\'')],
    start: Annotated[int, typer.Option(
        "--from", min=1, help="First position to search: one where the predicate does not "
                              "hold yet (default: the project's creation)")] = 1,
    json: Json = False,
) -> None:
    """The first position at which a predicate over the state holds (exit 1 if none).

    Searches from --from (default 1, the new, empty project): a predicate that already
    holds there is reported as holding from the start. A class or tag the project never
    had is refused (exit 1).

    Functions: items(), count([class=T]), empty_items(), class_of(object=N), exists(object=N),
    item_objects(item="ds/name"), tagged(tag=T), classes(); compare with == != < <= > >=;
    combine with and, or, not and parentheses.
    """
    rt = runtime(ctx)
    result = rt.ledger.replay.bisect(rt.project(project), predicate, start=start)
    if json:
        print_json(result.as_json())
    elif result.position is None:
        out_console.print(f"the predicate does not hold at the head (position {result.head})",
                          markup=False, highlight=False)
    elif result.from_start:
        out_console.print(f"holds from the start: at position {result.position} of "
                          f"{result.head}, so no event after it made it true (give --from a "
                          "position where it does not hold yet)", markup=False,
                          highlight=False)
    else:
        out_console.print(f"first true at position {result.position} of {result.head} "
                          f"({len(result.probes)} states probed):", markup=False,
                          highlight=False)
        print_entries([result.event] if result.event else [], wide=False)
    if result.position is None:
        raise typer.Exit(1)
