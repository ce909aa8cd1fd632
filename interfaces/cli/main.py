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
from typing import Annotated, ClassVar

import typer

from domain.errors import AnnoledgerError, NotFoundError
from interfaces.cli.lazy_group import LazyGroup
from interfaces.cli.runtime import Runtime, fail
from interfaces.composition import close_storage


class Commands(LazyGroup):
    """Every command, in the order ``--help`` lists them, imported when used."""

    commands_at: ClassVar[dict[str, str]] = {
        "log": "interfaces.cli.log:show_log",
        "verify": "interfaces.cli.proofs:verify",
        "audit": "interfaces.cli.audit:audit",
        "history": "interfaces.cli.history:history",
        "blame": "interfaces.cli.history:blame",
        "serve": "interfaces.cli.serve:serve",
        "projects": "interfaces.cli.projects:app",
        "versions": "interfaces.cli.versions:app",
        "tokens": "interfaces.cli.tokens:app",
        "import": "interfaces.cli.files:import_app",
        "export": "interfaces.cli.files:export_app",
        "sessions": "interfaces.cli.sessions:app",
        "workflow": "interfaces.cli.workflow:app",
        "ops": "interfaces.cli.ops:app",
        "replay": "interfaces.cli.replay:app",
    }


app = typer.Typer(cls=Commands, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Event-sourced project versions for a labeling platform.")


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
    ctx.obj = Runtime(db, actor)


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
    except OSError as exc:
        _exit(str(exc), 5)
    except Exception as exc:  # usage errors: typer's click raises these in non-standalone mode
        if _from_database(exc):
            _exit(f"database: {str(exc).splitlines()[0]}", 4)
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise


def _from_database(exc: Exception) -> bool:
    """An error the database libraries raised. They are imported only by commands that
    open the database, so an exception of a library not loaded cannot be one of its."""
    sqlalchemy, eventsourcing = (sys.modules.get("sqlalchemy.exc"),
                                 sys.modules.get("eventsourcing.persistence"))
    return ((sqlalchemy is not None and isinstance(exc, sqlalchemy.SQLAlchemyError))
            or (eventsourcing is not None and isinstance(exc, eventsourcing.PersistenceError)))


def _exit(message: str, code: int) -> None:
    try:
        fail(message, code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
