"""What every command shares: settings, the application (built once), output helpers.

It imports only typer and rich at its top: the ledger and what it is made of load when a
command first asks for them (:mod:`interfaces.cli.lazy_group`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from uuid import UUID

    from application import Ledger, Settings
    from domain.values import Context

err_console = Console(stderr=True)
out_console = Console()


@dataclass
class Runtime:
    """The global options; settings are read, and the ledger built, when a command first
    asks for them (``--help`` never does)."""

    db: str | None = None
    actor: str | None = None

    @cached_property
    def settings(self) -> Settings:
        from application import Settings

        return Settings.from_env(db_url=self.db, actor=self.actor)

    @cached_property
    def ledger(self) -> Ledger:
        from interfaces.composition import build_ledger

        return build_ledger(self.settings)

    @property
    def ctx(self) -> Context:
        from domain.values import Context

        return Context(self.settings.actor)

    def project(self, ref: str) -> UUID:
        return self.ledger.projects.resolve(ref)


def runtime(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A bar on stderr (never mixed into --json output on stdout)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield report
