"""``annoledger projects ...``"""

from __future__ import annotations

from typing import Annotated

import typer

from interfaces.cli.runtime import out_console, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Projects in the ledger.")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@app.command("list")
def list_projects(ctx: typer.Context, json: Json = False) -> None:
    """Every project with its item and object counts."""
    views = runtime(ctx).ledger.projects.all()
    if json:
        print_json([v.as_json() for v in views])
        return
    from rich.table import Table

    table = Table("id", "name", "items", "objects", "log position")
    for v in views:
        table.add_row(str(v.id), v.name, str(v.items), str(v.objects), str(v.position))
    out_console.print(table)


@app.command("create")
def create(ctx: typer.Context, name: str, json: Json = False) -> None:
    """An empty project (classes and datasets are added through the API or an import)."""
    rt = runtime(ctx)
    project_id = rt.ledger.projects.create(name, rt.ctx)
    if json:
        print_json({"project": str(project_id), "name": name})
    else:
        out_console.print(f"created project {name} ({project_id})")
