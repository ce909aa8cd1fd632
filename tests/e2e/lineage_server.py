"""The HTTP API on a free loopback port (uvicorn in a thread), for real HTTP clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class LoseResponses:
    """Process the first ``n`` lineage posts, then answer 503 as if the reply got lost."""

    def __init__(self, app: ASGIApp, n: int) -> None:
        self.app, self.left, self.lost = app, n, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lose = (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].endswith("/lineage") and self.left > 0)
        if not lose:
            await self.app(scope, receive, send)
            return
        self.left -= 1
        self.lost += 1

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})

        await self.app(scope, receive, swallow)


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
