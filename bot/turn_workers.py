"""Where turns run: in threads of the bot's process, or in TURN_WORKERS child processes.

With workers, the bot's process only receives updates and sends replies; each turn (NLU, engine, one database
transaction) runs in a worker, so the bot uses more than one core and the turns do not compete with the event
loop for the interpreter lock.

Order is kept the same way in both: one bot process receives every update (Telegram delivers to one webhook or
one getUpdates caller), and it holds the chat's lock until the turn's result is back, so a chat's updates run one
after another whichever worker takes them. Exactly-once is the database's (ProcessedUpdate), as before; a turn is
one transaction, so a worker that dies mid-turn leaves nothing half-written, and the citizen is asked to write again.

The pipe to a worker is a Unix socket carrying length-prefixed pickles of trusted, local objects: the turn's
keyword arguments one way, the TurnResult (or the error's class name, never its message) the other.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import multiprocessing.util
import pickle
import signal
import socket
import struct
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot import logs
from bot.config import ConfigError, Settings
from bot.conversation import TurnResult, TurnRunner
from nlu.types import Classifier, Prediction

logger = logging.getLogger(__name__)

FRAME = struct.Struct("!I")
READY = "ready"
START_TIMEOUT = 120.0  # loading the flows and the NLU model; training it first is done by the bot process
RESTART_DELAY, MAX_RESTART_DELAY = 1.0, 60.0
STOP_TIMEOUT = 10.0


class TurnFailed(Exception):
    """A worker could not complete the turn; the message names the error's class only."""


class Turns(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def handle(self, **request: Any) -> TurnResult: ...


class ThreadTurns:
    """Turns in a thread of this process: tests, the terminal, and TURN_WORKERS=0."""

    def __init__(self, runner: TurnRunner) -> None:
        self.runner = runner

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def handle(self, **request: Any) -> TurnResult:
        return await asyncio.to_thread(self.runner.handle, **request)


class ClassifierInWorkers:
    """The bot process's classifier when the turns run in workers: it never classifies (the workers load the
    model), so the process does not hold one (about 35 MiB)."""

    def predict(self, text: str) -> Prediction:
        raise RuntimeError("with TURN_WORKERS the turns, and the classifier, run in the worker processes")


def prepare_model(settings: Settings) -> None:
    """Train the embedded model here if it must be (missing or older than its data), so that the workers only load
    it and do not all train and write it at once."""
    from nlu.factory import load_or_train, needs_training

    if needs_training(model_path=settings.nlu_model_path, data_dir=settings.nlu_data_dir):
        load_or_train(model_path=settings.nlu_model_path, data_dir=settings.nlu_data_dir)


# The bot's side -------------------------------------------------------------------------------------------------

@dataclass
class _Worker:
    number: int
    process: multiprocessing.process.BaseProcess
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pending: dict[int, asyncio.Future] = field(default_factory=dict)
    listener: asyncio.Task | None = None
    served: int = 0  # turns answered
    alive: bool = True  # False from the moment its pipe ends: no new turns go to it


class ProcessTurns:
    """`processes` workers, each running one turn at a time; a turn goes to the worker with the fewest waiting.
    A worker that exits is replaced; the turns it had fail with TurnFailed."""

    def __init__(self, settings: Settings, processes: int, *,
                 classifier: Callable[[], Classifier] | None = None) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.settings, self.processes, self.classifier = settings, processes, classifier
        self.workers: list[_Worker] = []
        self._ids = itertools.count(1)
        self._stopping = False
        self._restarts: set[asyncio.Task] = set()
        self._at_exit: multiprocessing.util.Finalize | None = None
        self._context = multiprocessing.get_context("spawn")  # fork would copy the loop's threads and sockets

    async def start(self) -> None:
        """Start every worker and wait until each has its database, flows and model: a worker that cannot start
        raises ConfigError with its one line."""
        self._stopping = False
        # multiprocessing's exit hook runs these finalizers before it stops and joins its children (which would wait
        # forever for workers that ignore SIGTERM): see _kill.
        self._at_exit = multiprocessing.util.Finalize(self, self._kill, exitpriority=10)
        started = await asyncio.gather(*(self._spawn(number) for number in range(self.processes)),
                                       return_exceptions=True)
        self.workers = [worker for worker in started if isinstance(worker, _Worker)]
        failed = [error for error in started if isinstance(error, BaseException)]
        if failed:
            await self.stop()
            raise failed[0]

    async def _spawn(self, number: int) -> _Worker:
        ours, theirs = socket.socketpair()
        process = self._context.Process(target=serve, name=f"lahitori-turns-{number}", daemon=True,
                                        args=(theirs, self.settings, self.classifier, logging.getLogger().level))
        process.start()
        theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        worker = _Worker(number=number, process=process, reader=reader, writer=writer)
        try:
            hello = await asyncio.wait_for(_read(reader), START_TIMEOUT)
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            hello = None
        except asyncio.CancelledError:  # stopped while starting
            writer.close()
            process.kill()
            raise
        if hello != READY:
            writer.close()
            await asyncio.to_thread(process.join, 5)
            if process.is_alive():
                process.kill()
            raise ConfigError(hello if isinstance(hello, str) else f"turn worker {number} did not start")
        worker.listener = asyncio.create_task(self._listen(worker), name=f"turn-worker-{number}")
        return worker

    async def handle(self, **request: Any) -> TurnResult:
        alive = [worker for worker in self.workers if worker.alive]
        if not alive:
            raise TurnFailed("no turn worker is running")
        worker = min(alive, key=lambda candidate: len(candidate.pending))
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        worker.pending[request_id] = future
        worker.writer.write(_frame((request_id, request)))
        try:
            return await future
        finally:
            worker.pending.pop(request_id, None)

    async def _listen(self, worker: _Worker) -> None:
        try:
            while True:
                request_id, ok, value = await _read(worker.reader)
                worker.served += 1
                future = worker.pending.get(request_id)
                if future is not None and not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(TurnFailed(value))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as error:  # noqa: BLE001 - an answer that cannot be read: this worker is done for
            logger.error("turn worker %d sent an unreadable answer (%s); stopping it", worker.number,
                         type(error).__name__)
            worker.process.kill()
        worker.alive = False
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(TurnFailed("the turn worker exited"))
        if not self._stopping:
            await asyncio.to_thread(worker.process.join, 2)
            logger.error("turn worker %d exited (code %s); starting another", worker.number, worker.process.exitcode)
            task = asyncio.get_running_loop().create_task(self._replace(worker))
            self._restarts.add(task)
            task.add_done_callback(self._restarts.discard)

    async def _replace(self, dead: _Worker) -> None:
        """Start a worker in the dead one's place; retried with growing pauses (a database that is down now may
        be back in a minute), while the other workers take the turns."""
        delay = RESTART_DELAY
        while True:
            await asyncio.sleep(delay)
            try:
                worker = await self._spawn(dead.number)
            except ConfigError as error:
                logger.error("turn worker %d could not be restarted (%s); trying again in %.0f s", dead.number,
                             error, min(delay * 2, MAX_RESTART_DELAY))
                delay = min(delay * 2, MAX_RESTART_DELAY)
                continue
            self.workers = [worker if each is dead else each for each in self.workers]
            return

    def _kill(self) -> None:
        """At interpreter exit without stop() (a crash, a caller that never stopped the bot): the workers ignore
        SIGTERM, so they are killed; a turn in hand is rolled back by the database."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()

    async def stop(self) -> None:
        """Close the pipes (a worker finishes its turn in hand, then exits) and wait for the processes."""
        self._stopping = True
        for task in list(self._restarts):
            task.cancel()
        await asyncio.gather(*self._restarts, return_exceptions=True)
        for worker in self.workers:
            worker.writer.close()
        for worker in self.workers:
            await asyncio.to_thread(worker.process.join, STOP_TIMEOUT)
            if worker.process.is_alive():
                logger.error("turn worker %d did not stop in %.0f s; killing it", worker.number, STOP_TIMEOUT)
                worker.process.kill()
            if worker.listener is not None:
                await asyncio.gather(worker.listener, return_exceptions=True)
        self.workers = []
        if self._at_exit is not None:
            self._at_exit.cancel()


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(data)) + data


async def _read(reader: asyncio.StreamReader) -> Any:
    (length,) = FRAME.unpack(await reader.readexactly(FRAME.size))
    return pickle.loads(await reader.readexactly(length))


# The worker's side ----------------------------------------------------------------------------------------------

def serve(sock: socket.socket, settings: Settings, classifier: Callable[[], Classifier] | None, log_level: int) -> None:
    """A worker process: build the services, answer READY (or the one line saying why not), then run turns one at
    a time until the bot closes the pipe."""
    from bot.db.session import NotMigrated
    from bot.flowspec.registry import FlowsInvalid
    from bot.services import build

    for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl+C and systemd signal the whole process group: the bot
        signal.signal(stop, signal.SIG_IGN)        # finishes its turns, then closes the pipe, and the worker exits
    logs.configure(log_level)
    stream = sock.makefile("rwb")
    try:
        services = build(settings, classifier=classifier() if classifier is not None else None)
    except (ConfigError, NotMigrated, FlowsInvalid, ValueError) as error:
        _send(stream, str(error).splitlines()[0] if str(error) else type(error).__name__)
        return
    runner = TurnRunner(services)
    _send(stream, READY)
    try:
        while header := stream.read(FRAME.size):
            (length,) = FRAME.unpack(header)
            body = stream.read(length)
            if len(header) < FRAME.size or len(body) < length:
                break  # the bot went away mid-request
            request_id, request = pickle.loads(body)
            reply: tuple[Any, bool, TurnResult | str]  # the turn's result, or the name of the error
            try:
                reply = (request_id, True, runner.handle(**request))
            except Exception as error:  # noqa: BLE001 - reported to the bot, which tells the citizen
                where = traceback.extract_tb(error.__traceback__)[-1]
                logger.error("turn failed: %s at %s:%s", type(error).__name__, Path(where.filename).name, where.lineno)
                reply = (request_id, False, type(error).__name__)
            _send(stream, reply)
    except (BrokenPipeError, ConnectionError):
        pass  # the bot has gone
    finally:
        services.close()


def _send(stream: Any, value: object) -> None:
    stream.write(_frame(value))
    stream.flush()
