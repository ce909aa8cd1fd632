"""``annoledger``: the command line over the application.

Global options come first: ``annoledger --db URL --actor NAME <command> ...``
(or ``ANNOLEDGER_DB`` and ``ANNOLEDGER_ACTOR``). Exit code 0 on success; otherwise
non-zero with a one-line reason on stderr:

====  ========================================================================
code  meaning
====  ========================================================================
1     refused or failed: bad input, a conflict, or a check that does not hold
      (``verify``: its first mismatch; ``replay bisect``: a predicate false at the head)
2     usage: an unknown command or option (click)
3     not found: a project, item, version, session or node
4     database: unreachable, or an error it reported
5     a file: unreadable, unwritable, missing
130   interrupted
====  ========================================================================
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from application import Settings
from domain.errors import AnnoledgerError, NotFoundError
from interfaces.cli import (
    files,
    log,
    projects,
    proofs,
    serve,
    sessions,
    tokens,
    versions,
    workflow,
)
from interfaces.cli.audit import audit as audit_command
from interfaces.cli.history import blame, history
from interfaces.cli.replay import app as replay_app
from interfaces.cli.runtime import Runtime, fail
from interfaces.composition import close_storage

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Event-sourced project versions for a labeling platform.")
app.add_typer(projects.app, name="projects")
app.add_typer(versions.app, name="versions")
app.add_typer(tokens.app, name="tokens")
app.add_typer(files.import_app, name="import")
app.add_typer(files.export_app, name="export")
app.add_typer(sessions.app, name="sessions")
app.add_typer(workflow.app, name="workflow")
app.command("log")(log.show_log)
app.command("verify")(proofs.verify)
app.command("audit")(audit_command)
app.command("history")(history)
app.command("blame")(blame)
app.add_typer(replay_app, name="replay")
app.command("serve")(serve.serve)


@app.callback()
def options(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", envvar="ANNOLEDGER_DB",
        help="Database URL (sqlite:///file.db or postgresql://...)")] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="ANNOLEDGER_ACTOR",
        help="Who is acting, recorded with every event")] = None,
) -> None:
    ctx.obj = Runtime(Settings.from_env(db_url=db, actor=actor))


def main(argv: list[str] | None = None) -> None:
    """The console script; ``argv`` lets tests run it in process.

    Every command ends by closing the database engines, which folds SQLite's WAL back
    into the database: a command leaves no WAL growing beside it.
    """
    try:
        _run(argv)
    finally:
        close_storage()


def _run(argv: list[str] | None) -> None:
    try:
        code = app(args=argv, standalone_mode=False)  # click returns Exit codes here
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except NotFoundError as exc:
        _exit(str(exc), 3)
    except AnnoledgerError as exc:
        _exit(str(exc), 1)
    except (SQLAlchemyError, PersistenceError) as exc:
        _exit(f"database: {str(exc).splitlines()[0]}", 4)
    except OSError as exc:
        _exit(str(exc), 5)
    except Exception as exc:  # usage errors: typer's click raises these in non-standalone mode
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise


def _exit(message: str, code: int) -> None:
    try:
        fail(message, code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
