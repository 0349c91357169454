"""The console served by uvicorn: alone (`lahitori web`, with the staff jobs in its lifespan), or in the process of
the Telegram bot (`lahitori run` with WEB_PORT) or of the terminal chat (`lahitori chat --console`).

The socket is bound before anything starts, so a port in use is one line naming WEB_PORT. Beside the bot the
server leaves the signals to python-telegram-bot and runs as a task of its loop; beside the chat it runs in a
thread with its own loop, and the chat's terminal stays the chat's (no access log, warnings only).
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.applications import Starlette

from bot.config import ConfigError
from bot.services import Services
from bot.web.app import create_app

logger = logging.getLogger(__name__)

GRACE = 5  # seconds open requests (a live inbox's event stream never ends by itself) get when stopping
START_WITHIN = 30.0  # seconds the server may take to start (the lifespan starts the staff jobs)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; ConfigError (one line naming WEB_PORT or WEB_HOST) when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
    try:
        sock.bind((host, port))
    except socket.gaierror:
        sock.close()
        raise ConfigError(f"configuration error: WEB_HOST: {host!r} is not an address of this machine") from None
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"configuration error: WEB_PORT: port {port} on {host} is in use by another program "
                              "(choose another WEB_PORT, or stop the one listening there)") from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise ConfigError(f"configuration error: WEB_PORT: no permission to listen on port {port} "
                              "(use a port above 1023 behind a proxy)") from None
        raise ConfigError(f"configuration error: WEB_HOST: cannot listen on {host}:{port} "
                          f"({error.strerror or type(error).__name__})") from None
    sock.listen(128)
    return sock


def console_app(services: Services, *, jobs: bool) -> Starlette:
    """The console; with `jobs`, its lifespan runs the staff jobs (escalation, staff e-mail), as the bot would."""
    app = create_app(services)
    if jobs:
        from bot.channels.staff_jobs import StaffJobs

        staff_jobs = StaffJobs(services)  # made now: a setting it refuses is one line before serving

        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            staff_jobs.start()
            try:
                yield
            finally:
                await staff_jobs.stop()

        app.router.lifespan_context = lifespan
    return app


class _HostedServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the process it runs in (the bot's loop, the chat)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Console:
    """uvicorn serving the console on a bound socket: `serve()` alone, or `start()`/`stop()` in a running loop,
    or `start_thread()`/`stop_thread()` beside synchronous code."""

    def __init__(self, services: Services, sock: socket.socket, *, jobs: bool, signals: bool = False) -> None:
        config = uvicorn.Config(console_app(services, jobs=jobs), log_config=None, log_level="warning",
                                access_log=False, proxy_headers=False, lifespan="on", timeout_graceful_shutdown=GRACE)
        self.server = uvicorn.Server(config) if signals else _HostedServer(config)
        self.sock = sock
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    async def serve(self) -> None:
        """Serve until stopped (by a signal, when made with `signals`)."""
        await self.server.serve(sockets=[self.sock])

    async def start(self) -> None:
        """Serve as a task of the running loop; returns once the console answers."""
        self._task = asyncio.get_running_loop().create_task(self.serve(), name="lahitori-console")
        while not self.server.started:
            if self._task.done():
                self._task.result()  # its exception, if it has one
                raise RuntimeError("the staff console did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is not None:
            self.server.should_exit = True
            await self._task
            self._task = None

    def start_thread(self) -> None:
        """Serve in a thread with its own loop; returns once the console answers."""
        self._thread = threading.Thread(target=asyncio.run, args=(self.serve(),), name="lahitori-console",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_WITHIN
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            raise ConfigError("the staff console did not start (run with -v to see why)")

    def stop_thread(self) -> None:
        if self._thread is not None:
            self.server.should_exit = True
            self._thread.join(GRACE + 5)
            self._thread = None
