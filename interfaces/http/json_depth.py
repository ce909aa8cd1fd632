"""One bound on how deeply a JSON request body may nest, checked before it is parsed; and
no NUL in any of its strings.

Parsers and validators recurse once per level: 100,000 nested ``[`` exhaust Python's stack
in ``json.loads`` (a crash), and even a depth that parses costs every later walk of the
value. :class:`JsonDepthLimit` reads each JSON body (already bounded in size by the body
limit), refuses one nested deeper than ``max_depth`` with a 400 problem naming ``body``,
and hands the same bytes on; a route that inflates its own body (lineage's gzip) calls
:func:`check_depth` on what it inflated.

The check runs at C speed on the bytes: strings are blanked out (brackets inside them are
text), the remaining brackets are kept, innermost ``()`` pairs are removed pass after pass
(each pass lowers the depth by one) while that shrinks the text much, and the depth of what
is left is read from its runs of ``(`` and ``)``.
"""

from __future__ import annotations

import re

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.http import errors

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_RUNS = re.compile(rb"\(+|\)+")


def nesting_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether the JSON text ``body`` opens more than ``max_depth`` arrays or objects inside
    one another (an unclosed run of openers counts: parsers recurse before they notice)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    if b'"' in body:
        body = _STRING.sub(b"", body)
    brackets = body.translate(_BRACKETS, _NOT_BRACKETS)
    if b"(" * (max_depth + 1) in brackets:
        return True
    passes = 0  # each pass removes every innermost pair: the depth drops by exactly one
    while passes < max_depth and b"()" in brackets:
        shorter = brackets.replace(b"()", b"")
        passes += 1
        gained, brackets = len(brackets) - len(shorter), shorter
        if gained * 16 < len(brackets):
            break  # few pairs per pass: walking the runs left is cheaper
    depth = peak = 0
    for run in _RUNS.finditer(brackets):
        size = run.end() - run.start()
        if brackets[run.start()] == 0x28:  # "("
            depth += size
            peak = max(peak, depth)
        else:
            depth = max(0, depth - size)
    return peak + passes > max_depth


def too_deep(max_depth: int) -> errors.Problem:
    """The refusal of a body nested deeper than ``max_depth``."""
    detail = f"body: JSON nested deeper than {max_depth} levels"
    return errors.Problem(400, detail, slug="too-deep", field="body", max_depth=max_depth,
                          errors=[{"field": "body", "message": detail[6:]}])


_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def holds_nul(body: bytes) -> bool:
    """Whether a JSON text has a string holding NUL (``\\u0000``, not an escaped
    backslash before ``u0000``). No name, id or text of ours may hold one, and PostgreSQL
    cannot store it: refused at the edge, it never reaches an event or a read model."""
    return b"\\u0000" in body and _NUL.search(body) is not None


NUL_DETAIL = "body: a JSON string holds NUL (\\u0000), which no field accepts"


def nul_problem() -> errors.Problem:
    return errors.Problem(422, NUL_DETAIL, slug="validation", field="body")


def check_depth(request: Request, body: bytes) -> None:
    """Refuse ``body`` (400) when it nests deeper than the app's configured bound, or when
    one of its strings holds NUL."""
    max_depth = request.app.state.settings.max_json_depth
    if nesting_exceeds(body, max_depth):
        raise too_deep(max_depth)
    if holds_nul(body):
        raise nul_problem()


def _is_json(scope: Scope) -> bool:
    """A body FastAPI parses as JSON: declared JSON (or ``+json``), or no type at all."""
    headers = dict(scope["headers"])
    if headers.get(b"content-encoding", b"identity").strip().lower() != b"identity":
        return False
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return kind in (b"", b"application/json") or (kind.startswith(b"application/")
                                                   and kind.endswith(b"+json"))


class JsonDepthLimit:
    """400 for a JSON body nested deeper than ``max_depth``, before any route parses it."""

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app, self.max_depth = app, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except HTTPException as exc:  # the body limit, seen while reading
            response = errors.problem(Request(scope), exc.status_code, str(exc.detail))
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        refusal = (too_deep(self.max_depth) if nesting_exceeds(body, self.max_depth)
                   else nul_problem() if holds_nul(body) else None)
        if refusal is not None:
            response = errors.problem(Request(scope), refusal.status, refusal.detail,
                                      **refusal.extra)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
