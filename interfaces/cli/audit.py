"""``annoledger audit``: who changed what, when, through which app session."""

from __future__ import annotations

import sys
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from application import AuditFilter, AuditRow
from domain.errors import ValidationError
from domain.times import parse_time
from interfaces import csv_cells
from interfaces.cli.runtime import Runtime, out_console, print_json, progress_bar, runtime

COLUMNS = ("time", "actor", "type", "target_kind", "target_id", "project_id", "position",
           "item_id", "object_id", "session_id", "summary", "notification_id")


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
                 since: str | None = None, until: str | None = None) -> AuditFilter:
    """Filters from command-line text: names and paths resolved, times parsed."""
    pid = rt.project(project) if project else None
    item_id = (rt.ledger.projects.resolve_item(pid, item) if item is not None and pid is not None
               and "/" in item else _uuid(item, "item"))
    return AuditFilter(actor, pid, item_id, object_id, type, _uuid(session, "session"),
                       parse_time(since, "since"), parse_time(until, "until"))


def audit(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor's events")] = None,
    project: Annotated[str | None, typer.Option("--project", help="Project id or name")] = None,
    item: Annotated[str | None, typer.Option(
        "--item", help="Item id (or dataset/name with --project)")] = None,
    object_id: Annotated[int | None, typer.Option("--object", help="Object id")] = None,
    type: Annotated[str | None, typer.Option(
        "--type", help="Event type: ObjectClassChanged or Item.ObjectClassChanged")] = None,
    session: Annotated[str | None, typer.Option("--session", help="App session id")] = None,
    since: Annotated[str | None, typer.Option("--since", help="ISO 8601 time (UTC)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="ISO 8601 time (UTC)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row")] = False,
) -> None:
    """Events matching every filter given, newest first (paged with --limit/--offset)."""
    rt = runtime(ctx)
    where = audit_filter(rt, actor=actor, project=project, item=item, object_id=object_id,
                         type=type, session=session, since=since, until=until)
    with progress_bar("indexing the log") as report:
        rt.ledger.audit.catch_up(progress=report)
    page = rt.ledger.audit.query(where, limit=limit, offset=offset)
    if json:
        print_json(page.as_json())
    elif as_csv:
        write_csv(page.rows)
    else:
        _table(rt, page.rows)
        if page.next_offset is not None:
            out_console.print(f"more: --offset {page.next_offset}", markup=False)


def write_csv(rows: list[AuditRow]) -> None:
    """The rows as CSV on stdout, formula-like text defused (:mod:`interfaces.csv_cells`)."""
    data = (r.as_json() for r in rows)
    csv_cells.write_csv(sys.stdout, COLUMNS, ([d[c] for c in COLUMNS] for d in data))


def _table(rt: Runtime, rows: list[AuditRow]) -> None:
    names = {p.id: p.name for p in rt.ledger.projects.all()}
    table = Table("time", "actor", "type", "target", "project", "position", "session",
                  "summary")
    for r in rows:
        project = names.get(r.project_id, "(system)") if r.project_id else ""
        table.add_row(r.time[:23], r.actor, r.type, f"{r.target_kind}:{r.target_id}", project,
                      str(r.position), str(r.session_id)[:8] if r.session_id else "",
                      r.summary)
    out_console.print(table)
