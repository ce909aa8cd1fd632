"""The FastAPI application: routers under /api/v1, problem+json errors, body limits.

``create_app(settings)`` builds the ledger once (or takes one already built);
``create_app_from_env()`` is the import-string factory uvicorn workers call, settings
then coming from ``ANNOLEDGER_*`` variables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application import Ledger, Settings
from interfaces import web
from interfaces.composition import build_ledger, close_storage
from interfaces.http import errors, openapi
from interfaces.http.item_schemas import ItemCreate
from interfaces.http.json_depth import JsonDepthLimit
from interfaces.http.query_text import QueryTextLimit
from interfaces.http.routes import (
    annotation,
    audit,
    classes,
    datasets,
    events,
    imports,
    items,
    lineage,
    media,
    objects,
    operations,
    projects,
    sessions,
    tags,
    tokens,
    versions,
    workflow,
)

API = "/api/v1"
MAX_JSON = 16 << 20
MAX_UPLOAD = 512 << 20


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {limit} bytes")


class BodyLimit:
    """413 for bodies over the limit: multipart uploads get a larger one than JSON."""

    def __init__(self, app: ASGIApp, max_json: int, max_upload: int) -> None:
        self.app, self.max_json, self.max_upload = app, max_json, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_upload if multipart else self.max_json
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = errors.problem(None, 413, str(BodyTooLarge(limit).detail), limit=limit)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


def create_app(settings: Settings, *, ledger: Ledger | None = None,
               max_json: int = MAX_JSON, max_upload: int = MAX_UPLOAD) -> FastAPI:
    built = ledger or build_ledger(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        projections = built.projections
        projections.start()
        try:
            yield
        finally:
            projections.stop(timeout=60)  # its last batch ends before the WAL is folded
            if ledger is None:  # built here, so closed here: SQLite folds its WAL back
                close_storage()

    app = FastAPI(title="annoledger", version="1", summary="Event-sourced project versions "
                  "for a computer-vision labeling platform", docs_url=None,
                  redoc_url=None, lifespan=lifespan)
    app.state.ledger = built
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(JsonDepthLimit, max_depth=settings.max_json_depth)
    app.add_middleware(QueryTextLimit)
    app.add_middleware(BodyLimit, max_json=max_json, max_upload=max_upload)  # outermost
    api = APIRouter(prefix=API)
    for module in (projects, imports, datasets, classes, tags, items, annotation, objects,
                   versions, operations, events, tokens, media, sessions, workflow,
                   lineage):
        api.include_router(module.router)
    api.include_router(audit.router)
    app.include_router(api)
    web.install(app)  # the page and the API docs (/docs), served from this machine
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    openapi.install(app)
    return app


def create_app_from_env() -> FastAPI:
    return create_app(Settings.from_env())


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus the JSON item upload that shares its path with multipart."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             routes=app.routes)
        extra = ItemCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        found = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in extra.pop("$defs", {}).items():
            found.setdefault(name, definition)
        found["ItemCreate"] = extra
        app.openapi_schema = schema
    return app.openapi_schema
