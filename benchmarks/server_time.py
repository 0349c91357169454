"""Server time of the console's requests, for the benchmark scripts (console_bench.py, stats_bench.py)."""
from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTime:
    """ASGI middleware: the milliseconds each HTTP request spent in the app, request start to last body byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.last = app, 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last = 1000 * (time.perf_counter() - started)

        await self.app(scope, receive, timed_send)
