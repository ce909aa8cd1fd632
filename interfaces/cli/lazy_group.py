"""Subcommands imported when they are first used, so start-up is proportional to the command.

``annoledger versions create`` imports the versions module and nothing of the other
commands (the workflow graph, the audit tables, the file formats). ``annoledger --help``
imports every command module, which import no more than typer at their top (what a
command needs is imported inside it), and lists each command by its name and help text:
typer builds a command's parameters from its signature only when that command runs or
shows its own help.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group, solve_typer_info_defaults
from typer.models import TyperInfo

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter  # typer's own click


class LazyCommands(MutableMapping[str, "Command"]):
    """A group's commands by name, each built from its module on first access.

    ``specs`` maps a name to ``"module:attribute"``: a :class:`typer.Typer` (a group of
    commands) or a function (one command). The names, and their order, are known without
    importing anything, so listing them and suggesting one for a typo import nothing.
    While :meth:`listing`, a command not built yet is given as its summary.
    """

    def __init__(self, specs: Mapping[str, str], built: Mapping[str, Command]) -> None:
        self.specs = dict(specs)
        self.built = dict(built)
        self.summaries = False

    def __getitem__(self, name: str) -> Command:
        if name not in self.built:
            target = resolve(self.specs[name])
            if self.summaries:
                return summary(name, target)
            self.built[name] = build(name, target)
        return self.built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.specs.pop(name, None)
        self.built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self.specs
        yield from (name for name in self.built if name not in self.specs)

    def __len__(self) -> int:
        return len(self.specs.keys() | self.built.keys())

    def __contains__(self, name: object) -> bool:
        return name in self.specs or name in self.built

    @contextmanager
    def listing(self) -> Iterator[None]:
        self.summaries = True
        try:
            yield
        finally:
            self.summaries = False


def resolve(spec: str) -> Any:
    """The object ``"module:attribute"`` names, its module imported."""
    module, _, attribute = spec.partition(":")
    return getattr(import_module(module), attribute)


def build(name: str, target: Any) -> Command:
    """The click command typer makes of ``target``, as ``add_typer`` or ``command`` would."""
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return get_group(holder).commands[name]


def summary(name: str, target: Any) -> Command:
    """What a group's help lists of a command: its name, help text and panel, resolved by
    typer as :func:`build` would (a group's own settings, or a function's docstring)."""
    if not isinstance(target, typer.Typer):
        return TyperCommand(name=name, help=inspect.getdoc(target))
    info = solve_typer_info_defaults(TyperInfo(target))
    return TyperCommand(name=name, help=info.help, short_help=info.short_help,
                        hidden=info.hidden, deprecated=info.deprecated,
                        rich_help_panel=info.rich_help_panel)


class LazyGroup(TyperGroup):
    """A typer group whose subcommands are listed in ``commands_at`` (set by a subclass)
    and imported on first use."""

    commands_at: ClassVar[dict[str, str]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands_at, self.commands)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        commands = self.commands
        assert isinstance(commands, LazyCommands)
        with commands.listing():
            super().format_help(ctx, formatter)
