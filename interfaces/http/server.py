"""Running the API under uvicorn: seed a fresh database, print the URL and a token.

One worker serves the application built here; several workers each build their own
from ``ANNOLEDGER_*`` variables (uvicorn's import-string factory). Either way, what the
process made while starting is moved out of the garbage collector's reach before the
first request (:func:`settle_collector`).
"""

from __future__ import annotations

import gc
import os
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

import uvicorn

from application import Ledger, Settings, seed_demo
from domain.values import Context
from interfaces.composition import build_ledger

if TYPE_CHECKING:
    from fastapi import FastAPI

FACTORY = "interfaces.http.server:worker_app"


def settings_env(settings: Settings) -> dict[str, str]:
    """The variables :meth:`Settings.from_env` reads back in each worker."""
    env = {"ANNOLEDGER_DB": settings.db_url, "ANNOLEDGER_ACTOR": settings.actor,
           "ANNOLEDGER_SNAPSHOT_EVERY": str(settings.snapshot_every),
           "ANNOLEDGER_BACKGROUND_SNAPSHOTS": "1" if settings.background_snapshots else "0",
           "ANNOLEDGER_MEDIA_ROOT": str(settings.media_root.resolve()),
           "ANNOLEDGER_MEDIA_ROOTS": os.pathsep.join(str(r.resolve())
                                                     for r in settings.media_roots),
           "ANNOLEDGER_MEDIA_SCHEMES": ",".join(settings.media_schemes)}
    if settings.cipher_key:
        env["ANNOLEDGER_CIPHER_KEY"] = settings.cipher_key
    return env


def prepare(ledger: Ledger, settings: Settings, *, demo: bool) -> str | None:
    """On a fresh database: the demo project (unless not wanted) and an admin token."""
    if ledger.core.store.heads():
        return None
    ctx = Context(settings.actor if settings.actor != "anonymous" else "annoledger serve")
    if demo:
        with as_file(files("infrastructure").joinpath("demo_data/real_export_vector")) as path:
            seed_demo(ledger, path, ctx)
    return ledger.tokens.issue("admin", ctx, name="admin (first start)").secret


def settle_collector() -> None:
    """Freeze what the started server holds, so no collection walks it again.

    A started server holds some 130,000 objects that live as long as the process
    (modules, routes, request and response schemas, the ORM's tables). CPython's full
    collection walks all of them (80 ms of CPU on a 2-core machine, 120 ms and more of
    wall time when it is busy) inside whichever request happens to cross the
    collector's threshold: that request's latency.
    ``gc.freeze()`` moves them to a generation the collector never examines, so a full
    collection walks only what requests made since, a few milliseconds at most. Frozen
    objects are never freed, which costs nothing for objects that are never garbage.
    """
    gc.collect()
    gc.freeze()


def worker_app() -> FastAPI:
    """The application of one of several workers (uvicorn's import-string factory)."""
    from interfaces.http.main import create_app_from_env

    app = create_app_from_env()
    settle_collector()
    return app


def run(settings: Settings, *, host: str, port: int, workers: int, demo: bool) -> None:
    from interfaces.http.main import create_app

    ledger = build_ledger(settings)
    token = prepare(ledger, settings, demo=demo)
    print(f"annoledger API at http://{host}:{port}/api/v1 (OpenAPI: http://{host}:{port}/docs)",
          flush=True)
    if token:
        print(f"admin token (shown once): {token}", flush=True)
    if workers > 1:
        os.environ.update(settings_env(settings))
        uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                    log_level="warning")
    else:
        app = create_app(settings, ledger=ledger)
        settle_collector()
        uvicorn.run(app, host=host, port=port, log_level="warning")
