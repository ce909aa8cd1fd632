"""``annoledger history`` and ``annoledger blame``: one item's (or object's) story."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from domain.errors import NotFoundError
from interfaces.cli.runtime import Runtime, out_console, print_json, runtime

if TYPE_CHECKING:
    from application import ObjectState

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def resolve_item(rt: Runtime, project_id: UUID, ref: str) -> UUID:
    """An item by id or dataset/name; a removed item by its id (its history remains)."""
    try:
        return rt.ledger.projects.resolve_item(project_id, ref)
    except NotFoundError:
        try:
            return UUID(ref)
        except ValueError:
            raise NotFoundError("item", ref) from None


def _brief(o: ObjectState | None) -> str:
    from domain.changes import geometry_summary

    if o is None:
        return "—"
    tags = ", ".join(n if v is None else f"{n}={v}" for n, v in o.tags) or "no tags"
    return f"{o.class_title}, {geometry_summary(o.geometry)}, {tags}"


def history(
    ctx: typer.Context, project: str, item: str,
    object_id: Annotated[int | None, typer.Option("--object", help="Only this object")] = None,
    json: Json = False,
) -> None:
    """Every change to an item (or one object): who, when, through which session, and the
    class, geometry and tags before and after."""
    rt = runtime(ctx)
    pid = rt.project(project)
    entries = rt.ledger.history.item(pid, resolve_item(rt, pid, item), object_id)
    if json:
        print_json([e.as_json() for e in entries])
        return
    for e in entries:
        session = f"  session {e.session}" if e.session else ""
        out_console.print(f"position {e.position}  {e.time}  {e.actor}  {e.type}{session}\n"
                          f"  {e.summary}", markup=False, highlight=False)
        for change in e.objects:
            out_console.print(f"    object {change.object_id}: {_brief(change.before)} → "
                              f"{_brief(change.after)}", markup=False, highlight=False)


def blame(ctx: typer.Context, project: str, item: str, json: Json = False) -> None:
    """For each current object: its labeler, who added it, who changed it last and when."""
    rt = runtime(ctx)
    pid = rt.project(project)
    lines = rt.ledger.history.blame(pid, resolve_item(rt, pid, item))
    if json:
        print_json([b.as_json() for b in lines])
        return
    from rich.table import Table

    table = Table("object", "class", "labeler", "added by", "added at", "changed by",
                  "changed at", "last change")
    for b in lines:
        changed = b.changed
        table.add_row(str(b.object_id), b.class_title, b.labeler, b.created.actor,
                      b.created.time[:19], changed.actor if changed else "",
                      changed.time[:19] if changed else "",
                      changed.type.rpartition(".")[2] if changed else "")
    out_console.print(table)
