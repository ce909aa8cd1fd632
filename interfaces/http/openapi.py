"""The OpenAPI document told the whole truth about errors: every status an operation can
answer, each with the RFC 9457 problem body.

Statuses are derived from what a route depends on, so a new route is documented by
declaring its dependencies as usual:

    a bearer token                      401
    a role check (any access alias)     403
    a project in the path               404 (also one the token may not read)
    another id in the path              404
    any parameter or body               422
    a request body                      400 (unparsable), 413 (too large)
    If-Match                            412 (stale), 428 (absent); the header is required
    a change (POST, PUT, PATCH, DELETE) 409 (a name taken, a resource in use, a
                                        concurrent change)

``EXTRA`` adds what a single route raises beyond these (a workflow node not found, an
unsupported content type); ``NEVER_CONFLICTS`` removes 409 from changes that record no
event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from domain.token import READ
from interfaces.http import deps
from interfaces.http.errors import PROBLEM
from interfaces.http.schemas import ProblemPublic

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemPublic"}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IF_MATCH = "If-Match"

DESCRIPTIONS = {
    400: "The body cannot be parsed (malformed JSON, multipart or gzip, or nested too deep)",
    401: "No valid bearer token",
    403: "The token's role or project does not cover this",
    404: "Not found (the project, the resource named in the path or a reference given)",
    409: "Conflicts with the current state (a name taken, a resource in use, a concurrent "
         "change)",
    412: "If-Match names a version that is no longer current (the problem names the ETag)",
    413: "The body exceeds the size limit",
    415: "The body's content type is not accepted",
    422: "Invalid input (the problem names the field)",
    428: "Changes need If-Match with the ETag last read",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    412: {"ETag": {"description": "The current version", "schema": {"type": "string"}}},
}

# (method, path under the app) -> statuses the route raises itself.
EXTRA: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/v1/projects/{project}/items"): frozenset({400, 413, 415}),
    ("POST", "/api/v1/projects/{project}/versions"): frozenset({412}),
    ("POST", "/api/v1/tokens"): frozenset({404}),
    ("POST", "/api/v1/sessions"): frozenset({404}),
    ("GET", "/api/v1/audit"): frozenset({404}),
    ("POST", "/api/v1/lineage"): frozenset({400, 404, 413, 422}),
    ("GET", "/api/v1/lineage"): frozenset({404}),
    ("GET", "/api/v1/workflow/upstream"): frozenset({404}),
    ("GET", "/api/v1/workflow/downstream"): frozenset({404}),
    ("GET", "/api/v1/workflow/provenance"): frozenset({404}),
    ("GET", "/api/v1/workflow/trained-on"): frozenset({404}),
    ("GET", "/api/v1/workflow/svg"): frozenset({404}),
}
NEVER_CONFLICTS = frozenset({("POST", "/api/v1/media")})


def _calls(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _calls(sub)


def _code(call: Callable[..., Any] | None) -> object:
    return getattr(call, "__code__", None)


def route_statuses(route: RouteContext, method: str, has_body: bool) -> set[int]:
    """The error statuses a route can answer, from its dependencies and its table entry."""
    path = route.path_format or ""
    dependant: Dependant = route.dependant
    project_code = _code(deps.project_access(READ))
    global_code = _code(deps.global_access(READ))
    found: set[int] = set()
    parameters = False
    for dep in (dependant, *_calls(dependant)):
        call, code = dep.call, _code(dep.call)
        if call is deps.current_principal:
            found.add(401)
        if code in (project_code, global_code):
            found.add(403)
        if code is project_code:
            found.add(404)
        if call is deps.expected_version:
            found |= {412, 428}
        if dep.path_params:
            found.add(404)
        parameters = parameters or bool(dep.path_params or dep.query_params
                                        or dep.header_params or dep.cookie_params)
    if has_body:
        found |= {400, 413, 422}
    if parameters:
        found.add(422)
    if method in WRITES and (method, path) not in NEVER_CONFLICTS:
        found.add(409)
    return found | EXTRA.get((method, path), frozenset())


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description or DESCRIPTIONS[status],
                                "content": {PROBLEM: {"schema": PROBLEM_REF}}}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def document(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """Rewrite each operation's error responses and its If-Match header in ``schema``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("ProblemPublic", problem)
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            statuses = route_statuses(route, method, "requestBody" in operation)
            for key in [k for k in responses if k[:1] == "4"]:
                if int(key) not in statuses:
                    del responses[key]
            for status in sorted(statuses):
                declared = responses.get(str(status), {}).get("description")
                responses[str(status)] = problem_response(status, declared)
            if 428 in statuses:
                _require_if_match(operation)
    return schema


def _require_if_match(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "header" and parameter.get("name") == IF_MATCH:
            parameter["required"] = True
            parameter["schema"] = {"type": "string",
                                   "description": parameter.get("description", "")}


def install(app: FastAPI) -> None:
    """Document the app's errors in its OpenAPI schema, built once on first request."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "problems_documented", False) and app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = document(generate(), app)
        app.state.problems_documented = True
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
