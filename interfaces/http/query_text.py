"""Query parameters are text: a NUL or other C0 control character in one is refused.

Such a character is never part of a name, id or filter value (the name rule refuses them),
and databases disagree about it: PostgreSQL refuses NUL in a text parameter (an error deep
in the driver), SQLite treats it as the end of a LIKE pattern (a filter that matches
everything). Refusing it once, before any route runs, gives every route the same clear
422 naming the parameter.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from interfaces.http import errors

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryTextLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"%" in raw or _CONTROL.search(raw.decode("latin-1")):
            for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True,
                                         encoding="utf-8", errors="replace"):
                if _CONTROL.search(name) or _CONTROL.search(value):
                    response = errors.problem(
                        None, 422, f"query parameter {name[:64]!r} holds a control character",
                        slug="validation", field=f"query.{name[:64]}")
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
