"""``annoledger audit``: who changed what, when, through which app session.

The table is made for a terminal of 80 columns: the time without its year and fraction
(``11-29 09:17:43``) with the actor below it, the event without its aggregate (the target
column says what it is about: the item's ``dataset/name``, the object's id and class, the
class, dataset or version of a project event), the project above the table (on each row
when the rows span several), and the summary wrapped rather than cut. ``--wide`` shows
every column as it is; ``--json`` and ``--csv`` every field.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.text import Text

from domain.errors import ValidationError
from interfaces.cli.runtime import Runtime, out_console, print_json, progress_bar, runtime

if TYPE_CHECKING:
    from rich.table import Table

    from application import AuditFilter, AuditRow

def _uuid(value: str | None, field: str) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise ValidationError(field, f"'{value}' is not an id") from None


def audit_filter(rt: Runtime, *, actor: str | None = None, project: str | None = None,
                 item: str | None = None, object_id: int | None = None,
                 type: str | None = None, session: str | None = None,
                 since: str | None = None, until: str | None = None,
                 sessions: bool = False) -> AuditFilter:
    """Filters from command-line text: names resolved, times parsed."""
    from application import AuditFilter
    from domain.times import parse_time

    pid = rt.project(project) if project else None
    item_id, item_path = AuditFilter.item_ref(item)
    return AuditFilter(actor, pid, item_id, object_id, type, _uuid(session, "session"),
                       parse_time(since, "since"), parse_time(until, "until"), item_path,
                       sessions)


def audit(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor's events")] = None,
    project: Annotated[str | None, typer.Option("--project", help="Project id or name")] = None,
    item: Annotated[str | None, typer.Option(
        "--item", help="Item id, or dataset/name (a moved item by any name it had)")] = None,
    object_id: Annotated[int | None, typer.Option(
        "--object", help="Every event that touched this object")] = None,
    type: Annotated[str | None, typer.Option(
        "--type", help="Event type: ObjectClassChanged or Item.ObjectClassChanged")] = None,
    session: Annotated[str | None, typer.Option("--session", help="App session id")] = None,
    since: Annotated[str | None, typer.Option("--since", help="ISO 8601 time (UTC)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="ISO 8601 time (UTC)")] = None,
    sessions: Annotated[bool, typer.Option(
        "--sessions", help="Include session bookkeeping (app sessions, uploads, tokens)")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    wide: Annotated[bool, typer.Option("--wide", help="Every column, nothing shortened")
                    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row")] = False,
) -> None:
    """Events matching every filter given, newest first (paged with --limit/--offset)."""
    rt = runtime(ctx)
    where = audit_filter(rt, actor=actor, project=project, item=item, object_id=object_id,
                         type=type, session=session, since=since, until=until,
                         sessions=sessions)
    with progress_bar("indexing the log") as report:
        rt.ledger.audit.catch_up(progress=report)
    page = rt.ledger.audit.query(where, limit=limit, offset=offset)
    if json:
        print_json(page.as_json())
    elif as_csv:
        write_csv(page.rows)
    else:
        print_table(wide_table(page.rows) if wide else
                    table(page.rows, with_project=where.project_id is None), wide)
        if page.next_offset is not None:
            out_console.print(f"more: --offset {page.next_offset}", markup=False)


def write_csv(rows: list[AuditRow]) -> None:
    """The rows as CSV on stdout, formula-like text defused (:mod:`interfaces.csv_cells`)."""
    from interfaces import csv_cells
    columns = csv_cells.AUDIT_COLUMNS

    data = (r.as_json() for r in rows)
    csv_cells.write_csv(sys.stdout, columns, ([d[c] for c in columns] for d in data))


def short_time(iso: str) -> str:
    """``11-29 09:17:43`` of ``2026-11-29T09:17:43.950254+00:00`` (UTC, as stored)."""
    return f"{iso[5:10]} {iso[11:19]}"


def target_text(kind: str, target_id: str, item: str, object_class: str) -> str:
    """What an event is about, in words: ``ds/cat1.jpg #7 lynx``, ``class 3``..."""
    if kind == "object":
        return f"{item} #{target_id} {object_class}".strip()
    if kind in ("item", "tag") and item:
        return item
    if kind in ("session", "token", "mediaupload", "datanode") and len(target_id) > 8:
        return f"{kind} {target_id[:8]}"
    return kind if kind == "project" else f"{kind} {target_id}"


def compact(headers: tuple[str, ...]) -> Table:
    """A table without borders: two spaces between columns, every cell wrapped or folded
    (never cut with an ellipsis), the target and summary sharing the room left."""
    from rich.table import Table

    made = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1, 0, 0),
                 title_justify="left", expand=True)
    ratios = {"target": 2, "summary": 3}
    for h in headers:
        made.add_column(h, overflow="fold", justify="right" if h == "pos" else "left",
                        ratio=ratios.get(h), max_width=14 if h == "when, who" else None)
    return made


def when_who(time: str, actor: str) -> str:
    """The time without its year and fraction, the actor below it: one narrow column."""
    return f"{short_time(time)}\n{actor}"


def table(rows: list[AuditRow], *, with_project: bool = True) -> Table:
    """The compact table; the project named on each row when the rows span several, else
    once above them."""
    made = compact(("when, who", "event", "target", "summary"))
    projects = {r.project_name for r in rows if r.project_name}
    if with_project and len(projects) == 1:
        made.title = f"project {projects.pop()}"
    for r in rows:
        target = target_text(r.target_kind, r.target_id, r.item_path, r.object_class)
        if with_project and projects and r.project_name:
            target = f"{r.project_name}: {target}"
        add_row(made, when_who(r.time, r.actor), r.type.rpartition(".")[2], target, r.summary)
    return made


def wide_table(rows: list[AuditRow]) -> Table:
    from rich.table import Table

    made = Table("time", "actor", "type", "project", "item", "object", "class", "target",
                 "position", "session", "summary", "notification")
    for r in rows:
        add_row(made, r.time, r.actor, r.type, r.project_name, r.item_path,
                "" if r.object_id is None else str(r.object_id), r.object_class,
                f"{r.target_kind}:{r.target_id}", str(r.position), str(r.session_id or ""),
                r.summary, str(r.notification_id))
    return made


def add_row(made: Table, *cells: str) -> None:
    """Cells as plain text: names and summaries are data, never console markup."""
    made.add_row(*(Text(c) for c in cells))


def print_table(made: Table, wide: bool = False) -> None:
    """Print at the terminal's width; ``wide`` as wide as the table wants to be (a console
    caps what it prints at its own width, so a wider one writes to the same file)."""
    console = out_console
    if wide:
        unbounded = out_console.options.update(max_width=100_000)
        width = Measurement.get(out_console, unbounded, made).maximum
        if width > out_console.width:
            console = Console(file=out_console.file, width=width, no_color=out_console.no_color,
                              force_terminal=out_console.is_terminal)
    console.print(made, markup=False, highlight=False)
