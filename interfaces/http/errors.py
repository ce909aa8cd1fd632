"""Every error as an RFC 9457 ``application/problem+json`` body naming the field or id.

    domain ValidationError, bad request bodies  422  (``field``, ``errors``)
    NotFoundError, unknown routes               404  (``kind``, ``id``)
    ConflictError, DuplicateNameError           409
    NoChangesError                              409  (``latest_version``)
    StaleVersionError                           412  (``etag``: the current one)
    no valid bearer token                       401;  a role not covered: 403 (a project
                                                outside a token's scope: 404, as missing)
    ForbiddenError (a right the use case needs) 403  (``needs``)
    a change without If-Match                   428;  a body over the limit: 413
    a JSON body nested too deep                 400  (``field``: body, ``max_depth``)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import (
    AnnoledgerError,
    ConflictError,
    ForbiddenError,
    NoChangesError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)

PROBLEM = "application/problem+json"
log = logging.getLogger("annoledger.http")


class Problem(Exception):
    """An HTTP-level refusal (authentication, preconditions, sizes)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def etag(version: int) -> str:
    return f'"{version}"'


def problem(request: Request | None, status: int, detail: str, *,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank" if not extra.get("slug") else f"urn:annoledger:problem:"
                                                             f"{extra['slug']}",
        "title": title, "status": status, "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if k != "slug"})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def domain_problem(request: Request, exc: AnnoledgerError) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return problem(request, 422, str(exc), slug="validation", field=exc.field,
                       errors=[{"field": exc.field, "message": exc.message}])
    if isinstance(exc, NotFoundError):
        return problem(request, 404, str(exc), slug="not-found", kind=exc.kind, id=str(exc.ref))
    if isinstance(exc, ForbiddenError):
        return problem(request, 403, str(exc), slug="forbidden", needs=exc.needs or None)
    if isinstance(exc, NoChangesError):
        return problem(request, 409, str(exc), slug="no-changes", latest_version=exc.latest,
                       digest=exc.digest)
    if isinstance(exc, StaleVersionError) and isinstance(exc.actual, int):
        tag = etag(exc.actual)
        return problem(request, 412, str(exc), slug="stale", etag=tag,
                       headers={"ETag": tag}, what=exc.what)
    if isinstance(exc, ConflictError):
        return problem(request, 409, str(exc), slug="conflict")
    return problem(request, 422, str(exc), slug="refused")


def validation_problem(request: Request, errors: Sequence[Any]) -> JSONResponse:
    listed = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
              for e in errors]
    first = listed[0] if listed else {"field": "", "message": "invalid request"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return problem(request, 422, detail, slug="validation", field=first["field"],
                   errors=listed)


def install(app: FastAPI) -> None:
    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AnnoledgerError)
        return domain_problem(request, exc)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem(request, exc.status, exc.detail, headers=exc.headers, **exc.extra)

    async def on_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(request, exc.errors())

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "internal error (logged on the server)")

    app.add_exception_handler(AnnoledgerError, on_domain)
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_request)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
