"""``annoledger versions ...``"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from interfaces.cli.runtime import out_console, print_json, progress_bar, runtime

if TYPE_CHECKING:
    from domain.compare import Comparison
    from domain.values import Version

app = typer.Typer(no_args_is_help=True, help="Named checkpoints over a project's log.")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def version_json(v: Version) -> dict[str, Any]:
    data = asdict(v)
    return {k: data[k] for k in ("number", "title", "description", "author", "created_at",
                                 "position", "digest")}


def _show(v: Version) -> None:
    out_console.print(f"version {v.number}: {v.title or '(untitled)'}\n"
                      f"  by {v.author} at {v.created_at}\n"
                      f"  position {v.position}, digest {v.digest}\n"
                      f"  {v.description}".rstrip(), markup=False, highlight=False)


@app.command("create")
def create(
    ctx: typer.Context, project: str,
    title: Annotated[str, typer.Option("--title")] = "",
    description: Annotated[str, typer.Option("--description")] = "",
    json: Json = False,
) -> None:
    """Record a version; refused when nothing changed since the latest one."""
    rt = runtime(ctx)
    v = rt.ledger.versions.create(rt.project(project), rt.ctx, title, description)
    if json:
        print_json(version_json(v))
    else:
        _show(v)


@app.command("list")
def list_versions(ctx: typer.Context, project: str, json: Json = False) -> None:
    """Every version of a project, oldest first, on a timeline of log positions."""
    rt = runtime(ctx)
    pid = rt.project(project)
    versions = rt.ledger.versions.all(pid)
    if json:
        print_json([version_json(v) for v in versions])
        return
    from rich.table import Table

    head = rt.ledger.projects.view(pid).position or 1
    table = Table("number", "title", "author", "created_at", "position", "timeline", "digest")
    for v in versions:
        mark = round(20 * v.position / head)
        table.add_row(str(v.number), v.title, v.author, v.created_at, str(v.position),
                      "─" * mark + "●" + "·" * (20 - mark), v.digest[:12])
    out_console.print(table)


@app.command("show")
def show(ctx: typer.Context, project: str, number: int, json: Json = False) -> None:
    rt = runtime(ctx)
    v = rt.ledger.versions.get(rt.project(project), number)
    if json:
        print_json(version_json(v))
    else:
        _show(v)


@app.command("diff")
def diff(
    ctx: typer.Context, project: str, a: str, b: str,
    per_item: Annotated[bool, typer.Option("--per-item", help="List objects per item")] = False,
    json: Json = False,
    match: Annotated[str, typer.Option("--match", help="id, or iou: also by geometry")] = "id",
    iou: Annotated[float, typer.Option("--iou", help="IoU threshold for --match iou")] = 0.5,
) -> None:
    """Compare version A with version B (or ``current``)."""
    rt = runtime(ctx)
    if match != "id":
        from interfaces.cli.geometry_diff import geometry_diff

        return geometry_diff(rt, project, a, b, match, iou, json)
    result = rt.ledger.versions.diff(rt.project(project), _ref(a), _ref(b))
    if json:
        print_json(result.as_json(per_item=per_item))
    else:
        _print_diff(result, a, b, per_item)


@app.command("restore")
def restore(
    ctx: typer.Context, project: str, number: int,
    name: Annotated[str | None, typer.Option("--name")] = None,
    datasets: Annotated[str | None, typer.Option(
        "--datasets", help="Only these, comma-separated")] = None,
    json: Json = False,
) -> None:
    """A new project holding the version's state (media linked, history not copied)."""
    rt = runtime(ctx)
    pid = rt.project(project)
    only = [d.strip() for d in datasets.split(",") if d.strip()] if datasets else None
    with progress_bar("restore") as report:
        new = rt.ledger.versions.restore(pid, number, rt.ctx, name=name, datasets=only,
                                         progress=report)
    view = rt.ledger.projects.view(new)
    if json:
        print_json({"project": str(new), "name": view.name})
    else:
        out_console.print(f"restored version {number} into '{view.name}' ({new}): "
                          f"{view.items} items, {view.objects} objects")


@app.command("revert")
def revert(ctx: typer.Context, project: str, number: int, json: Json = False) -> None:
    """Bring the project back to the version's state by recording new events. A project
    already equal to the version is refused, as an unchanged version is: exit code 1,
    nothing recorded."""
    rt = runtime(ctx)
    pid = rt.project(project)
    events = rt.ledger.versions.revert(pid, number, rt.ctx)
    view = rt.ledger.projects.view(pid)
    if json:
        print_json({"project": str(pid), "events": events, "digest": view.digest})
    else:
        out_console.print(f"reverted to version {number} with {events} events; "
                          f"digest {view.digest[:12]}")


def _ref(value: str) -> int | str:
    """A version number or ``current``; anything else is refused naming the argument."""
    if value == "current":
        return value
    from domain.errors import ValidationError

    if not value.isdigit():
        raise ValidationError("version", f"'{value}' is not a number or 'current'")
    return int(value)


def _print_diff(result: Comparison, a: str, b: str, per_item: bool) -> None:
    from rich.table import Table

    data = result.as_json(per_item=per_item)
    table = Table(title=f"{a} → {b}")
    table.add_column("what")
    table.add_column("added", justify="right")
    table.add_column("removed", justify="right")
    table.add_column("modified", justify="right")
    items, objects = data["items"], data["objects"]
    table.add_row("items", str(len(items["added"])), str(len(items["removed"])),
                  str(len(items["modified"])))
    table.add_row("objects", str(objects["added"]), str(objects["removed"]),
                  str(objects["modified"]))
    out_console.print(table)
    for kind in ("added", "removed", "modified"):
        for path in items[kind]:
            out_console.print(f"  {kind[0].upper()} {path}", markup=False, highlight=False)
    classes = Table("class", a, b, "change", title="objects per class")
    widest = max((max(v) for v in result.classes.values()), default=1) or 1
    for title, (before, after) in result.classes.items():
        bar = "█" * round(12 * after / widest)
        delta = after - before
        classes.add_row(title, str(before), str(after), f"{delta:+d} {bar}")
    out_console.print(classes)
    if result.meta:
        out_console.print(f"meta: {result.meta}", markup=False, highlight=False)
