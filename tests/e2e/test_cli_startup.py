"""A command loads what it uses: help loads no storage, and a version loads no read model.

Each case runs the CLI in a fresh interpreter (a test process has imported everything
already) and reads which modules it loaded. These are not timings: a module that should
not load and does is the regression, whatever the machine's speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from interfaces.cli.main import app

STORAGE = ("sqlalchemy", "eventsourcing", "networkx")
"""The database, event store and graph libraries: the bulk of a command's start-up."""

READ_MODELS = ("networkx", "projections.audit_index", "projections.workflow_graph",
               "infrastructure.formats", "fastapi", "PIL")
"""What recording a version never needs: the read models, the file formats, HTTP, images."""

PROBE = """
import contextlib, io, json, sys
from interfaces.cli.main import main

for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv)
        except SystemExit as exc:
            if exc.code:
                raise SystemExit(f"{argv} exited {exc.code}") from None
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(*argvs: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Every module a fresh interpreter holds after running these command lines in turn."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argvs)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def among(modules: set[str], names: tuple[str, ...]) -> set[str]:
    """The ``names`` that ``modules`` holds, as packages or any of their submodules."""
    return {n for n in names if any(m == n or m.startswith(n + ".") for m in modules)}


def every_command() -> list[list[str]]:
    """Each command and group of the CLI, as the words that name it."""
    found: list[list[str]] = []

    def walk(group: TyperGroup, path: list[str]) -> None:
        ctx = typer.Context(group)
        for name in group.list_commands(ctx):
            found.append([*path, name])
            command = group.get_command(ctx, name)
            if isinstance(command, TyperGroup):
                walk(command, [*path, name])

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    walk(root, [])
    return found


def test_help_of_every_command_loads_no_storage_library() -> None:
    commands = every_command()
    assert ["versions", "create"] in commands and ["log"] in commands

    loaded = loaded_by(["--help"], *([*c, "--help"] for c in commands))

    assert among(loaded, STORAGE) == set()


def test_recording_a_version_loads_storage_but_no_read_model(tmp_path: Path) -> None:
    env = {"ANNOLEDGER_DB": f"sqlite:///{tmp_path / 'ledger.db'}",
           "ANNOLEDGER_MEDIA_ROOT": str(tmp_path / "media")}
    loaded_by(["projects", "create", "cats"], env=env)

    loaded = loaded_by(["versions", "create", "cats", "--title", "first"], env=env)

    assert among(loaded, STORAGE) == {"sqlalchemy", "eventsourcing"}
    assert among(loaded, READ_MODELS) == set()
