"""Telegram webhook path on loopback: POST updates to the bot's webhook, time the replies at a fake Bot API.

    python benchmarks/telegram_bench.py [--workers N] [--updates 2000] [--chats 50] [--db URL]
                                        [--http aiohttp|httpx] [--fake-nlu]

The bot is the real Application of bot/channels/telegram.py with the webhook server python-telegram-bot
starts (`updater.start_webhook`, the same call `lahitori run` makes through `run_webhook`), its options
from `telegram_cli.webhook_options`, and its turns in `--workers` processes as TURN_WORKERS gives them. The
Telegram side runs in a child process on one asyncio loop: the fake Bot API (a minimal keep-alive HTTP server)
answers at once and notes when each reply arrives, and the citizens post the updates (a minimal keep-alive
client each, so the load generator takes little of the CPU being measured). Every chat is a citizen walking the
Finnish intake to a handoff again and again; a chat sends its next update only when its previous one has been
handled, so each reply belongs to one update. Latency: from the POST of an update to the fake API receiving its
first reply (and, second figure, to the update being fully handled, all replies sent). CPU time is counted per
process: the bot, its turn workers, and the Telegram side; and the bot process's own database work an update
(commits and statements: storing updates first, reading a chat's queue, deleting what was handled), which does
not move with the machine's load as the times do.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, func, select  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import TypeHandler  # noqa: E402

from benchmarks.proc import cpu_seconds, machine_speed, reference_ms  # noqa: E402
from bot.channels.telegram import ALLOWED_UPDATES, build_application  # noqa: E402
from bot.channels.telegram_cli import webhook_options  # noqa: E402
from bot.config import PROJECT_ROOT, load_settings  # noqa: E402
from bot.crypto import new_key  # noqa: E402
from bot.db.models import Handoff  # noqa: E402
from bot.db.session import upgrade  # noqa: E402
from bot.demo import seed  # noqa: E402
from bot.services import build  # noqa: E402
from nlu.types import Prediction  # noqa: E402

TOKEN = "424242:" + "B" * 35
SECRET = "bench-secret_42"
SCRIPT = [  # one Finnish conversation to a handoff: (kind, value); buttons by index on the latest keyboard
    ("text", "/start"), ("button", 0), ("button", 0),
    ("text", "Äitini tarvitsee apua kotona, siivous ja kauppa-asiat eivät enää onnistu."),
    ("button", 1), ("button", 0), ("button", 1), ("button", 1), ("button", 0), ("button", 0), ("button", 0),
    ("button", 1),
]


class FakeNLU:
    def predict(self, text: str) -> Prediction:
        return Prediction.nothing(backend="fake")


# The Telegram side: a child process, so its HTTP work does not share the bot's interpreter --------------------

def api_result(path: str, body: bytes, chat_keyboards: dict[int, list[str]]) -> tuple[int | None, bytes]:
    """The answer to one Bot API call, and the chat a sendMessage went to."""
    method, chat = path.rsplit("/", 1)[-1], None
    params = dict(parse_qsl(body.decode()))
    result: object = True
    if method == "getMe":
        result = {"id": 424242, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
    elif method == "sendMessage":
        chat = int(params["chat_id"])
        rows = json.loads(params.get("reply_markup", "{}")).get("inline_keyboard", [])
        if rows:
            chat_keyboards[chat] = [button["callback_data"] for row in rows for button in row]
        result = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
                  "text": params.get("text", "")}
    return chat, json.dumps({"ok": True, "result": result}).encode()


async def fake_bot_api(arrivals: dict[int, list[float]], keyboards: dict[int, list[str]]) -> asyncio.Server:
    """A minimal HTTP/1.1 keep-alive server on asyncio: answers every Bot API call at once and notes when each
    sendMessage arrived (no threads, so the answers do not wait for a lock)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                arrived = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
                length = next((int(line.split(":", 1)[1]) for line in head[1:]
                               if line.lower().startswith("content-length:")), 0)
                chat, payload = api_result(head[0].split(" ")[1], await reader.readexactly(length), keyboards)
                if chat is not None:
                    arrivals.setdefault(chat, []).append(arrived)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(payload), payload))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the bot closed the connection, or the benchmark is over
        finally:
            writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0, backlog=512)


def make_update(update_id: int, chat: int, kind: str, value: str) -> dict:
    user = {"id": chat, "is_bot": False, "first_name": "Bench", "language_code": "fi"}
    if kind == "button":
        return {"update_id": update_id, "callback_query": {
            "id": str(update_id), "from": user, "chat_instance": "bench", "data": value,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"}}}}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
               "from": user, "text": value}
    if value.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
    return {"update_id": update_id, "message": message}


def telegram_side(control: Connection, done: Connection, updates: int, chats: int) -> None:
    """Child process: serve the fake Bot API, then act as `chats` citizens posting `updates` in all."""
    control.send(asyncio.run(side(control, done, updates, chats)))


async def side(control: Connection, done: Connection, updates: int, chats: int) -> dict:
    arrivals: dict[int, list[float]] = {}
    keyboards: dict[int, list[str]] = {}
    server = await fake_bot_api(arrivals, keyboards)
    control.send(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    webhook = await asyncio.to_thread(control.recv)  # the bot starts meanwhile, calling the fake API
    result = await post_updates(webhook, done, arrivals, keyboards, updates, chats)
    server.close()
    return result


async def webhook_client(webhook: str) -> Callable[[bytes | None], Awaitable[None]]:
    """One keep-alive connection posting JSON to the webhook, as Telegram does: a minimal HTTP/1.1 client, so the
    load generator takes little of the CPU the bot is measured on (None closes the connection)."""
    address = urlsplit(webhook)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    head = (f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: %d\r\n\r\n").encode()

    async def post(body: bytes | None) -> None:
        if body is None:
            writer.close()
            return
        writer.write(head % len(body) + body)
        status = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        if status[0].split(b" ")[1] != b"200":
            raise RuntimeError(f"the webhook answered {status[0].decode()}")
        length = next((int(line.split(b":", 1)[1]) for line in status[1:] if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)

    return post


async def post_updates(webhook: str, done: Connection, arrivals: dict[int, list[float]],
                       keyboards: dict[int, list[str]], updates: int, chats: int) -> dict:
    loop = asyncio.get_running_loop()
    waiting: dict[int, asyncio.Future] = {}

    def read_done() -> None:  # the bot reports each handled update id through the pipe
        while (update_id := done.recv()) is not None:
            loop.call_soon_threadsafe(lambda uid=update_id: waiting[uid].set_result(time.perf_counter())
                                      if uid in waiting and not waiting[uid].done() else None)

    threading.Thread(target=read_done, daemon=True).start()
    ids = itertools.count(random.randrange(10**9, 2 * 10**9))  # fresh ids: reruns on one database are no duplicates
    chat_base = random.randrange(10**9, 2 * 10**9)
    budget = iter(range(updates))
    first_reply: list[float] = []
    complete: list[float] = []

    async def citizen(chat: int) -> None:
        post = await webhook_client(webhook)
        for step in itertools.cycle(range(len(SCRIPT))):
            if next(budget, None) is None:
                break
            kind, value = SCRIPT[step]
            if kind == "button":
                keyboard = keyboards.get(chat) or ["m0:0"]
                value = keyboard[min(int(value), len(keyboard) - 1)]
            update_id = next(ids)
            waiting[update_id] = future = loop.create_future()
            seen = len(arrivals.get(chat, []))
            posted = time.perf_counter()
            await post(json.dumps(make_update(update_id, chat, kind, value)).encode())
            handled = await asyncio.wait_for(future, timeout=60)
            del waiting[update_id]
            replies = arrivals.get(chat, [])[seen:]
            counts.setdefault(step, Counter())[len(replies)] += 1
            if replies:
                first_reply.append(replies[0] - posted)
            complete.append(handled - posted)
        await post(None)

    counts: dict[int, Counter] = {}  # script step -> how many replies its updates got
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(citizen(chat_base + n) for n in range(chats)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    odd = sum(sum(counter.values()) - max(counter.values()) for counter in counts.values())
    return dict(first_reply=first_reply, complete=complete, elapsed=elapsed, side_cpu=cpu, odd=odd,
                replies=sum(len(v) for v in arrivals.values()))


# The bot: this process ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pids: list[int]) -> list[int]:
    """Peak resident memory (VmHWM) of these processes, MiB."""
    peaks = []
    for pid in pids:
        line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
        peaks.append(int(line.split()[1]) // 1024)
    return peaks


class count_database_work:  # noqa: N801 - used like a function
    """Commits and statements on this engine (in this process) until `stop`."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.commits, self.statements = engine, 0, 0
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _commit(self, *_args: object) -> None:
        self.commits += 1

    def _statement(self, *_args: object) -> None:
        self.statements += 1

    def stop(self) -> None:
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "before_cursor_execute", self._statement)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="lahitori-tgbench-"))
    url = args.db or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    port = free_port()
    settings = load_settings(DATABASE_URL=url, DATA_KEY=new_key(), FLOWS_DIR=str(PROJECT_ROOT / "flows"),
                             TELEGRAM_TOKEN=TOKEN, WEBHOOK_URL="https://bench.invalid/tg", WEBHOOK_SECRET=SECRET,
                             WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=port)
    if args.workers is None:
        args.workers = settings.turn_workers  # the default of the database, as `lahitori run` has it
    nlu, classifier = "fake", FakeNLU()
    if args.workers:  # as `lahitori run` does: the workers load the model, the bot process holds none
        from bot.turn_workers import ClassifierInWorkers, prepare_model

        if not args.fake_nlu:
            prepare_model(settings)
            nlu = "embedded"
        classifier = ClassifierInWorkers()
    elif not args.fake_nlu:
        from bot.services import build_classifier

        classifier, nlu = build_classifier(settings), "embedded"
    services = build(settings, classifier=classifier)
    with services.sessions.begin() as session:
        seed(session)
        handoffs_before = session.scalar(select(func.count()).select_from(Handoff))

    context = multiprocessing.get_context("spawn")
    control, child_control = context.Pipe()
    done_in, done_out = context.Pipe(duplex=False)
    side = context.Process(target=telegram_side, args=(child_control, done_in, args.updates, args.chats), daemon=True)
    side.start()
    api_url = control.recv()

    request = None  # the bot's own default (aiohttp)
    if args.http == "httpx":
        from telegram.request import HTTPXRequest

        request = HTTPXRequest(connection_pool_size=256)
    turns = None  # threads of the bot's process
    if args.workers:
        from bot.turn_workers import ProcessTurns

        turns = ProcessTurns(settings, args.workers, classifier=FakeNLU if args.fake_nlu else None)
    # The bot's own capacity: the fake API has no flood limits, so neither Telegram's 30 messages a second
    # (AIORateLimiter) nor the per-chat turn limit (the inbox's bucket; every chat here writes as fast as it is
    # answered) applies. Every update is still stored before the webhook answers, and run from the store.
    app = build_application(services, token=TOKEN, base_url=f"{api_url}/bot", request=request, turns=turns,
                            max_rate=1e9, chat_burst=1e9, chat_rate=1e9)

    async def finished(update: Update, _context: object) -> None:
        done_out.send(update.update_id)

    app.add_handler(TypeHandler(Update, finished), group=99)
    options = webhook_options(settings, TOKEN)  # what `lahitori run` passes to run_webhook
    speed = [reference_ms()]
    await app.initialize()
    await app.bot_data["channel"].post_init(app)
    await app.updater.start_webhook(listen=options["listen"], port=options["port"], url_path=options["url_path"],
                                    webhook_url=options["webhook_url"], secret_token=options["secret_token"],
                                    allowed_updates=ALLOWED_UPDATES)
    await app.start()
    control.send(f"http://127.0.0.1:{port}/{options['url_path']}")
    workers = [worker.process.pid for worker in turns.workers] if turns is not None else []
    cpu, workers_cpu = time.process_time(), cpu_seconds(workers)
    database = count_database_work(services.db)  # the bot process's own (the turns' are the workers')
    loop, finished_run = asyncio.get_running_loop(), asyncio.get_running_loop().create_future()
    threading.Thread(target=lambda: loop.call_soon_threadsafe(finished_run.set_result, control.recv()),
                     daemon=True).start()  # not the default executor: that one runs the turns
    result = await finished_run
    cpu, workers_cpu = time.process_time() - cpu, cpu_seconds(workers) - workers_cpu
    database.stop()
    memory = peak_rss_mib([os.getpid(), *workers])
    done_out.send(None)
    side.join(10)
    await app.updater.stop()
    await app.stop()
    await app.bot_data["channel"].post_stop(app)  # the outbox job and the turn workers, as run_webhook does
    await app.shutdown()
    with services.sessions() as session:
        handoffs = session.scalar(select(func.count()).select_from(Handoff)) - handoffs_before
    services.close()
    speed.append(reference_ms())

    where = "sqlite (temp file)" if not args.db else services.db.url.render_as_string(hide_password=True)
    complete, first = result["complete"], result["first_reply"]
    print(f"telegram webhook benchmark: {len(complete)} updates, {args.chats} chats, {where}, nlu={nlu}, http={args.http}, "
          f"turn workers {args.workers}, "
          f"{os.cpu_count()} CPUs")
    print(f"throughput: {len(complete) / result['elapsed']:.1f} updates/s ({result['elapsed']:.2f} s)")
    ms = [value * 1000 for value in first]
    print(f"POST -> first reply at the Bot API: median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms")
    ms = [value * 1000 for value in complete]
    print(f"POST -> update fully handled:      median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms")
    per_update = lambda seconds: f"{seconds / len(complete) * 1000:.2f} ms"  # noqa: E731
    print(f"CPU per update: bot {per_update(cpu)}" + (f" + turn workers {per_update(workers_cpu)}" if workers else "")
          + f"; Telegram side (citizens and fake API) {per_update(result['side_cpu'])}")
    print(f"database work of the bot process an update (storing first, reading the chat's queue, deleting what "
          f"was handled): {database.commits / len(complete):.2f} commits, {database.statements / len(complete):.2f} "
          f"statements")
    print(f"peak memory: bot {memory[0]} MiB" + "".join(f", worker {mib} MiB" for mib in memory[1:]))
    print(f"replies sent: {result['replies']}; updates without a reply: {len(complete) - len(first)}; "
          f"handoffs created: {handoffs}; updates answered unlike the others of their step: {result['odd']}")
    print(machine_speed(*speed))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000, help="updates to send in all (default 2000)")
    parser.add_argument("--chats", type=int, default=50, help="citizens writing at the same time (default 50)")
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--http", choices=["aiohttp", "httpx"], default="aiohttp",
                        help="the Bot API client: the bot's default aiohttp, or python-telegram-bot's httpx")
    parser.add_argument("--workers", type=int,
                        help="turn worker processes, as TURN_WORKERS (default as lahitori run: 1 on SQLite, 2 on "
                             "PostgreSQL; 0: turns in threads of the bot)")
    parser.add_argument("--fake-nlu", action="store_true", help="a constant classifier instead of the embedded one")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
