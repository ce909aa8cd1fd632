"""``annoledger sessions ...``: app sessions, from the shell of an outside app."""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from interfaces.cli.runtime import fail, out_console, print_json, runtime

if TYPE_CHECKING:
    from application import SessionView
    from domain.session import NodeRef

app = typer.Typer(no_args_is_help=True, help="App sessions: what ran, read and wrote.")
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
Title = Annotated[str, typer.Option("--title", help="Card title")]
Description = Annotated[str, typer.Option("--description")]
Link = Annotated[str, typer.Option("--link", help="A URL to open from the card")]


def _show(view: SessionView, json: bool) -> None:
    if json:
        print_json(view.as_json())
        return
    done, total, message = view.progress
    lines = [f"session {view.id}: {view.app} ({view.kind}) by {view.actor}: {view.status}",
             f"  started {view.started_at}, "
             + (f"finished {view.finished_at}" if view.finished_at else
                f"last change {view.updated_at}")]
    if total:
        lines.append(f"  progress {done}/{total} {message}".rstrip())
    lines += [f"  in  {n.type} {n.ref} {n.title}".rstrip() for n in view.inputs]
    lines += [f"  out {n.type} {n.ref} {n.title}".rstrip() for n in view.outputs]
    out_console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def _node(spec: str) -> NodeRef:
    from domain.session import NodeRef

    type_, sep, ref = spec.partition(":")
    if not sep or not ref:
        fail(f"'{spec}' is not TYPE:REF (for example project:cats)", 2)
    return NodeRef(type_, ref)


@app.command("start")
def start(
    ctx: typer.Context, app_name: Annotated[str, typer.Argument(metavar="APP")],
    kind: Annotated[str, typer.Option("--kind", help="import, training, evaluation...")],
    parameters: Annotated[str, typer.Option("--parameters", help="A JSON object")] = "{}",
    auto_version: Annotated[bool, typer.Option(
        "--auto-version", help="Read a version of each input project")] = False,
    inputs: Annotated[list[str] | None, typer.Option(
        "--input", help="TYPE:REF, repeatable")] = None,
    json: Json = False,
) -> None:
    """Record a running session; prints its id."""
    rt = runtime(ctx)
    try:
        params = jsonlib.loads(parameters)
    except ValueError as exc:
        fail(f"--parameters is not JSON: {exc}", 2)
    if not isinstance(params, dict):
        fail("--parameters must be a JSON object", 2)
    session_id = rt.ledger.sessions.start(app_name, kind, rt.ctx, parameters=params,
                                      auto_version=auto_version,
                                      inputs=[_node(s) for s in inputs or []])
    if json:
        _show(rt.ledger.sessions.view(session_id), json)
    else:
        out_console.print(str(session_id))  # only the id, for S=$(annoledger sessions start ...)


@app.command("input")
def add_input(ctx: typer.Context, session: UUID, type: str, ref: str, title: Title = "",
              description: Description = "", link: Link = "", json: Json = False) -> None:
    """Record what the session reads (a project may become the version it read)."""
    from domain.session import NodeRef

    rt = runtime(ctx)
    rt.ledger.sessions.add_input(session, NodeRef(type, ref, title, description, link), rt.ctx)
    _show(rt.ledger.sessions.view(session), json)


@app.command("output")
def add_output(ctx: typer.Context, session: UUID, type: str, ref: str, title: Title = "",
               description: Description = "", link: Link = "", json: Json = False) -> None:
    """Record what the session wrote."""
    from domain.session import NodeRef

    rt = runtime(ctx)
    rt.ledger.sessions.add_output(session, NodeRef(type, ref, title, description, link))
    _show(rt.ledger.sessions.view(session), json)


@app.command("progress")
def progress(ctx: typer.Context, session: UUID, done: int, total: int,
             message: Annotated[str, typer.Option("--message")] = "", json: Json = False) -> None:
    rt = runtime(ctx)
    rt.ledger.sessions.progress(session, done, total, message)
    _show(rt.ledger.sessions.view(session), json)


@app.command("finish")
def finish(ctx: typer.Context, session: UUID,
           status: Annotated[str, typer.Option("--status")] = "succeeded",
           json: Json = False) -> None:
    """Close the session: succeeded, failed or cancelled."""
    rt = runtime(ctx)
    rt.ledger.sessions.finish(session, status)
    _show(rt.ledger.sessions.view(session), json)


@app.command("show")
def show(ctx: typer.Context, session: UUID, json: Json = False) -> None:
    _show(runtime(ctx).ledger.sessions.view(session), json)


@app.command("list")
def list_sessions(
    ctx: typer.Context, kind: Annotated[str | None, typer.Option("--kind")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100, json: Json = False,
) -> None:
    """Sessions, newest first."""
    views = runtime(ctx).ledger.sessions.list(limit=limit, kind=kind, status=status)
    if json:
        print_json([v.as_json() for v in views])
        return
    from rich.table import Table

    table = Table("id", "app", "kind", "status", "actor", "started", "in", "out")
    for v in views:
        table.add_row(str(v.id), v.app, v.kind, v.status, v.actor, v.started_at,
                      str(len(v.inputs)), str(len(v.outputs)))
    out_console.print(table)
