"""``annoledger tokens ...``: bearer tokens for the HTTP API (stored hashed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from interfaces.cli.runtime import fail, out_console, print_json, runtime

if TYPE_CHECKING:
    from application import TokenView

app = typer.Typer(no_args_is_help=True, help="Bearer tokens for the HTTP API.")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _json(v: TokenView) -> dict[str, object]:
    return {"id": str(v.id), "role": v.role, "project": str(v.project_id) if v.project_id
            else None, "name": v.name, "issued_by": v.issued_by, "issued_at": v.issued_at,
            "revoked": v.revoked}


@app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="auditor, annotator, manager or admin")],
    project: Annotated[str | None, typer.Option("--project", help="Only this project")] = None,
    name: Annotated[str, typer.Option("--name", help="Recorded as the actor of its changes")]
    = "",
    json: Json = False,
) -> None:
    """Issue a token and print it: this is the only time it is shown."""
    rt = runtime(ctx)
    pid = rt.project(project) if project else None
    issued = rt.ledger.tokens.issue(role, rt.ctx, project_id=pid, name=name)
    if json:
        print_json({**_json(issued.view), "token": issued.secret})
    else:
        out_console.print(issued.secret, markup=False, highlight=False)


@app.command("list")
def list_tokens(ctx: typer.Context, json: Json = False) -> None:
    """Every token issued (never the secrets), revoked ones marked."""
    views = runtime(ctx).ledger.tokens.all()
    if json:
        print_json([_json(v) for v in views])
        return
    from rich.table import Table

    table = Table("id", "role", "project", "name", "issued by", "issued at", "revoked")
    for v in views:
        table.add_row(str(v.id), v.role, str(v.project_id or ""), v.name, v.issued_by,
                      v.issued_at, "yes" if v.revoked else "")
    out_console.print(table)


@app.command("revoke")
def revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token by its id (from ``tokens list``)."""
    try:
        tid = UUID(token_id)
    except ValueError:
        fail(f"'{token_id}' is not a token id", 2)
    rt = runtime(ctx)
    rt.ledger.tokens.revoke(tid, rt.ctx)
    out_console.print(f"revoked {tid}")
