"""A tiny loopback load balancer for the tests (aiohttp): POSTs go round robin to the backends, and a backend that
refuses the connection or fails (a killed instance) is skipped for the next one, as an operator's balancer with
health checks does. 502 when every backend failed."""
from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web


class LoadBalancer:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.url = ""
        self.served: dict[str, int] = {backend: 0 for backend in backends}
        self._next = itertools.cycle(range(len(backends)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self, port: int) -> str:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_route("POST", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {key: value for key, value in request.headers.items()
                   if key.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        first = next(self._next)
        for step in range(len(self.backends)):
            backend = self.backends[(first + step) % len(self.backends)]
            try:
                async with self._session.post(backend + request.path, data=body, headers=headers) as response:
                    if response.status >= 500:
                        continue
                    self.served[backend] += 1
                    return web.Response(status=response.status, body=await response.read())
            except (aiohttp.ClientError, TimeoutError):
                continue
        return web.Response(status=502)
