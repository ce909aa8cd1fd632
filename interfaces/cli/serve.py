"""``annoledger serve``: the HTTP API under uvicorn."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from interfaces.cli.runtime import runtime


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1)] = 1,
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Do not seed a demo project")] = False,
) -> None:
    """Run the HTTP API (OpenAPI at /docs); seeds a demo project on a fresh database."""
    from interfaces.http.server import run

    settings = replace(runtime(ctx).settings, background_snapshots=True)
    run(settings, host=host, port=port, workers=workers, demo=not no_demo)
