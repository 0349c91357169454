"""Store first, confirm after: every incoming update is written to `inbound_update` before Telegram is told it
arrived, and its turn runs from there, in order per chat, across processes.

python-telegram-bot hands every update to `application.update_queue.put` before it confirms it: the Updater puts
each fetched update there before it asks getUpdates for the next offset (which is what confirms them), and the
webhook handler puts it there before it answers 200. `DurableQueue.put` stores the update durably (retrying while
the database is away: the poller then waits and confirms nothing, a webhook post is held and Telegram posts it
again after its timeout) and only then returns. The update then never enters PTB's own fetcher: `Inbox` runs it.

Per chat, one pump at a time runs the chat's stored updates in the order they were stored (`id`), each through
`application.process_update` (the channel's handlers), then deletes the row and notes the update id as processed
(`processed_update`) in one transaction. The turn runner's own update id row makes a turn once-only, so a crash
between a turn's commit and the row's deletion only runs the turn again as a duplicate, which does nothing. On
PostgreSQL a pump holds the chat's advisory lock (session level, on one connection of this process), so two
instances never run one chat's updates at the same time and a later update waits for an earlier one stored by the
other instance; a process that dies releases its locks with its connection. A sweep every few seconds (and at
start) finds stored updates nobody is running: those of a crashed instance, or of this process before a restart.

Floods: a chat's turns are limited by a token bucket (every kind of update counts). When a chat has more waiting
than its bucket allows, the waiting updates but the newest are recorded as received (the citizen's words in the
transcript, an audit event with the count) without a turn, and the citizen gets one short note; the newest runs
as a turn. Every text has already passed the crisis guard on receipt (`on_receive`), so nothing urgent waits.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update

from bot.db.models import InboundUpdate, ProcessedUpdate
from bot.db.session import commit_without_waiting_for_disk, writer_lock

logger = logging.getLogger(__name__)

LOCK_SPACE = 0x1A5  # first key of this bot's PostgreSQL advisory locks on chats (the second: hashtext(chat))
JOB_SPACE = 0x1A6  # first key of the periodic jobs' advisory locks
SWEEP_EVERY = 2.0  # seconds between looks for stored updates nobody runs
LOCK_RETRY = 0.05  # seconds between tries for a chat another instance holds
STORE_RETRY, STORE_RETRY_MAX = 0.2, 5.0  # while the database is away, receiving waits (and confirms nothing)
MAX_CHATS = 64  # chats whose updates run at the same time in this process
MAX_BATCH = 100  # updates stored in one transaction at most
BURST, RATE = 20.0, 1.0  # a chat's turns: a burst of 20, then one a second
NOTE_EVERY = 120.0  # seconds: at most one flood note a chat in this long


def chat_key(update: Update) -> str:
    """Whose order the update keeps: its chat, else its sender (a callback query without a message)."""
    if update.effective_chat is not None:
        return str(update.effective_chat.id)
    if update.effective_user is not None:
        return str(update.effective_user.id)
    return "-"


def job_lock(session: Session, job: str) -> bool:
    """Whether this transaction may run the periodic `job`: on PostgreSQL one instance at a time (a transaction
    advisory lock, released at commit); SQLite has one instance."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:job))"),
                                {"space": JOB_SPACE, "job": job}).scalar())


# The store ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Waiting:
    id: int
    update_id: int
    crisis_answered: bool


class InboundStore:
    """Synchronous database work of the inbox (called in threads)."""

    def __init__(self, sessions: sessionmaker[Session], url: str, clock: Callable[[], datetime]) -> None:
        self.sessions, self.clock = sessions, clock
        self._serial = writer_lock(url)  # SQLite: queue with the turns' transactions instead of in busy waits
        self._postgresql = url.startswith("postgresql")
        insert = postgresql.insert if self._postgresql else sqlite.insert
        # Built once, run with a list of rows (executemany; RETURNING rows come back through SQLAlchemy's
        # insertmanyvalues): a statement built per call costs more to compile than to run.
        self._store = (insert(InboundUpdate).on_conflict_do_nothing(index_elements=["source", "update_id"])
                       .returning(InboundUpdate.source, InboundUpdate.update_id, sort_by_parameter_order=True))
        self._mark = insert(ProcessedUpdate).on_conflict_do_nothing(index_elements=["channel", "update_id"])
        self._delete = delete(InboundUpdate).where(InboundUpdate.id.in_(bindparam("ids", expanding=True)))
        self._waiting = (select(InboundUpdate.id, InboundUpdate.update_id, InboundUpdate.crisis_answered)
                         .where(InboundUpdate.chat == bindparam("chat")).order_by(InboundUpdate.id))

    def store(self, *, source: str, update_id: int, chat: str, payload: str, crisis_answered: bool) -> bool:
        """Write the update durably (it records something beyond a dialogue step: the commit waits for the disk);
        False when it was stored already (a redelivery of an update still waiting)."""
        return self.store_many([{"source": source, "update_id": update_id, "chat": chat, "payload": payload,
                                 "crisis_answered": crisis_answered}])[0]

    def store_many(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Several updates in one transaction (one commit, one wait for the disk): for each, whether it was new."""
        now = self.clock()
        with self._serial, self.sessions.begin() as session:
            result = session.connection().execute(self._store, [{**row, "received_at": now} for row in rows])
            new = {(source, update_id) for source, update_id in result}
        return [(row["source"], row["update_id"]) in new for row in rows]

    def chats(self) -> list[str]:
        with self.sessions() as session:
            return list(session.scalars(select(InboundUpdate.chat).distinct()))

    def waiting(self, chat: str) -> list[Waiting]:
        with self.sessions() as session:
            rows = session.connection().execute(self._waiting, {"chat": chat}).all()
        return [Waiting(*row) for row in rows]

    def count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(InboundUpdate)) or 0

    def payloads(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """id -> (source, payload)."""
        with self.sessions() as session:
            rows = session.execute(select(InboundUpdate.id, InboundUpdate.source, InboundUpdate.payload)
                                   .where(InboundUpdate.id.in_(ids))).all()
        return {row_id: (source, payload) for row_id, source, payload in rows}

    def finish(self, rows: list[tuple[int, str, int]], *,
               record: Callable[[Session], None] | None = None) -> None:
        """Delete the handled rows (id, source, update id) and note their update ids as processed, in one
        transaction (with `record`'s writes). A delete lost in a crash only runs the update again, as a duplicate:
        on PostgreSQL it need not wait for the disk when it writes nothing else."""
        now = self.clock()
        marks = [{"channel": source, "update_id": update_id, "processed_at": now} for _id, source, update_id in rows]
        with self._serial, self.sessions.begin() as session:
            connection = session.connection()
            connection.execute(self._delete, {"ids": [row[0] for row in rows]})
            connection.execute(self._mark, marks)
            if record is not None:
                record(session)
            if self._postgresql:
                commit_without_waiting_for_disk(session)


class ChatGate:
    """Per-chat exclusivity across processes: PostgreSQL session advisory locks, all held on one connection of this
    process (released by the server if the process dies); on SQLite (one instance) the in-process pump suffices."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._mutex = threading.Lock()
        self._connection: Any = None

    def _run(self, sql: str, chat: str) -> bool:
        with self._mutex:
            for attempt in range(2):
                try:
                    if self._connection is None:
                        self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                    return bool(self._connection.execute(text(sql), {"space": LOCK_SPACE, "chat": chat}).scalar())
                except SQLAlchemyError:
                    with contextlib.suppress(SQLAlchemyError):
                        if self._connection is not None:
                            self._connection.invalidate()
                    self._connection = None
                    if attempt:
                        raise
                    logger.error("the chat lock connection was lost; reconnecting (locks held on it are gone)")
        return False

    def take(self, chat: str) -> bool:
        return not self.shared or self._run("SELECT pg_try_advisory_lock(:space, hashtext(:chat))", chat)

    def give_back(self, chat: str) -> None:
        if self.shared:
            self._run("SELECT pg_advisory_unlock(:space, hashtext(:chat))", chat)

    def close(self) -> None:
        with self._mutex:
            if self._connection is not None:
                with contextlib.suppress(SQLAlchemyError):
                    self._connection.invalidate()  # really closed, not pooled: the server releases its locks
                    self._connection.close()
                self._connection = None


# Limits ---------------------------------------------------------------------------------------------------------

@dataclass
class Bucket:
    """A chat's turns: `burst` at once, then `rate` a second."""

    burst: float = BURST
    rate: float = RATE
    tokens: float = BURST
    at: float = field(default_factory=time.monotonic)

    def _fill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def take(self) -> bool:
        self._fill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def full(self) -> bool:
        self._fill()
        return self.tokens >= self.burst

    def wait(self) -> float:
        """Seconds until the next token."""
        self._fill()
        return max(0.0, (1 - self.tokens) / self.rate)


# The inbox ------------------------------------------------------------------------------------------------------

Process = Callable[[Update], Awaitable[object]]
Received = Callable[[Update, str], Awaitable[bool]]  # the crisis guard on receipt: True when help is on its way
Record = Callable[[str, list[Update]], Callable[[Session], None]]  # what records updates that get no turn
Note = Callable[[str, list[Update]], Awaitable[object]]  # tells the citizen, after the record's commit


class Inbox:
    """Receives (stores) updates and runs them from the store; see the module's docstring."""

    def __init__(self, store: InboundStore, gate: ChatGate, *, source: str, bot: Bot | None = None,
                 burst: float = BURST, rate: float = RATE) -> None:
        self.store, self.gate, self.source, self.bot = store, gate, source, bot
        self.burst, self.rate = burst, rate
        self.process: Process | None = None  # application.process_update
        self.on_receive: Received | None = None
        self.record_received: Record | None = None
        self.flood_note: Note | None = None
        self.can_coalesce: Callable[[Update], bool] = lambda _update: False
        self.answered: set[int] = set()  # update ids being run whose crisis help went out on receipt
        self.on_done: Callable[[int], object] | None = None  # tests: an update's handling finished
        self._pumps: dict[str, asyncio.Task] = {}
        self._cache: dict[int, Update] = {}  # update id -> the object received here (saves decrypting it again)
        self._buckets: dict[str, Bucket] = {}
        self._dirty: set[str] = set()  # chats with an update stored since their pump last looked
        self._writes: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []  # received, to be stored
        self._writer: asyncio.Task | None = None
        self._handled: list[tuple[int, str, int]] = []  # (row id, source, update id) run, to be deleted
        self._deleting: set[int] = set()  # row ids run here whose deletion is not committed yet
        self._finisher: asyncio.Task | None = None
        # The inbox's writes queue on SQLite's writer lock behind the turns: one thread of their own, so that they
        # never hold the threads of the default executor (the staff desk, reads) while they wait.
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lahitori-inbox")
        self._slots = asyncio.Semaphore(MAX_CHATS)
        self._sweeper: asyncio.Task | None = None
        self._stopping = False
        self.received = self.handled = self.coalesced = 0

    # receiving

    async def receive(self, update: Update) -> None:
        """Store the update durably, then start its chat's pump; returns only once it is stored."""
        chat = chat_key(update)
        answered = False
        if self.on_receive is not None:
            try:
                answered = await self.on_receive(update, chat)
            except Exception as error:  # noqa: BLE001 - the update must still be stored
                logger.error("crisis guard on receipt failed: %s", type(error).__name__)
        payload = json.dumps(update.to_dict(), ensure_ascii=False, separators=(",", ":"))
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._writes.append(({"source": self.source, "update_id": update.update_id, "chat": chat, "payload": payload,
                              "crisis_answered": answered}, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="lahitori-inbox-write")
        stored = await done
        self.received += 1
        if stored:
            self._cache[update.update_id] = update
        self.kick(chat)

    async def _write(self) -> None:
        """Store what has come in, in one transaction, then what came in meanwhile (group commit: under load many
        updates share one commit and one wait for the disk). While the database is away, retry: nothing stored is
        confirmed, so Telegram keeps (and resends) what waits."""
        delay = STORE_RETRY
        while self._writes:
            batch, self._writes = self._writes[:MAX_BATCH], self._writes[MAX_BATCH:]
            try:
                results = await asyncio.get_running_loop().run_in_executor(
                    self._db, self.store.store_many, [row for row, _done in batch])
            except SQLAlchemyError as error:
                logger.error("%d update(s) could not be stored (%s); not confirming them, trying again in %.1f s",
                             len(batch), type(error).__name__, delay)
                self._writes = batch + self._writes
                await asyncio.sleep(delay)
                delay = min(delay * 2, STORE_RETRY_MAX)
                continue
            delay = STORE_RETRY
            for (_row, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    def _finish(self, row: tuple[int, str, int]) -> None:
        """Delete a run row (and note its update id) soon, together with others: a deletion lost in a crash only
        runs the update again as a duplicate, and until then `_waiting` leaves the row out."""
        self._handled.append(row)
        self._deleting.add(row[0])
        if self._finisher is None or self._finisher.done():
            self._finisher = asyncio.get_running_loop().create_task(self._finish_all(), name="lahitori-inbox-done")

    async def _finish_all(self) -> None:
        while self._handled:
            batch, self._handled = self._handled, []
            try:
                await asyncio.get_running_loop().run_in_executor(self._db, self.store.finish, batch)
            except SQLAlchemyError as error:
                logger.error("handled updates not deleted yet (%s); trying again", type(error).__name__)
                self._handled = batch + self._handled
                await asyncio.sleep(STORE_RETRY)
                continue
            self._deleting.difference_update(row_id for row_id, _source, _update_id in batch)

    async def _finished(self) -> None:
        """Until every run row's deletion is committed (before another instance may take the chat)."""
        while self._finisher is not None and not self._finisher.done():
            await asyncio.shield(self._finisher)

    async def _waiting(self, chat: str) -> list[Waiting]:
        # The ids being deleted as the query starts: a deletion committed while it runs leaves `_deleting`, but the
        # query may still see its row.
        deleting = set(self._deleting)
        rows = await asyncio.to_thread(self.store.waiting, chat)
        return [row for row in rows if row.id not in deleting and row.id not in self._deleting]

    # running

    def start(self) -> None:
        self._stopping = False
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="lahitori-inbox-sweep")

    async def stop(self) -> None:
        """Stop taking stored updates; the ones being handled finish (what is left waits for the next start)."""
        self._stopping = True
        if self._writer is not None and not self._writer.done():  # what was received is stored before it stops
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._writer), 10)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        pumps = list(self._pumps.values())
        if pumps:
            await asyncio.wait(pumps, timeout=30)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._finished(), 10)
        await asyncio.to_thread(self.gate.close)
        self._db.shutdown(wait=False)

    def kick(self, chat: str) -> None:
        if self._stopping:
            return
        self._dirty.add(chat)
        task = self._pumps.get(chat)
        if task is None or task.done():
            self._pumps[chat] = asyncio.get_running_loop().create_task(self._pump(chat), name=f"lahitori-chat-{chat}")

    async def _sweep(self) -> None:
        while True:
            try:
                for chat in await asyncio.to_thread(self.store.chats):
                    self.kick(chat)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the sweep must outlive a database hiccup
                logger.error("inbox sweep failed: %s", type(error).__name__)
            await asyncio.sleep(SWEEP_EVERY)

    async def _pump(self, chat: str) -> None:
        try:
            async with self._slots:
                while not self._stopping:
                    self._dirty.discard(chat)
                    if self.gate.shared and not await asyncio.to_thread(self.gate.take, chat):
                        if not await self._waiting(chat):
                            return  # the instance holding the chat has run what there was
                        await asyncio.sleep(LOCK_RETRY)  # another instance runs this chat: wait for it
                        continue
                    try:
                        await self._run_chat(chat)
                    finally:
                        if self.gate.shared:
                            await self._finished()
                            await asyncio.to_thread(self.gate.give_back, chat)
                    if chat not in self._dirty:
                        return  # else an update came after the last look: look again
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the sweep starts the chat again
            logger.error("chat pump failed: %s", type(error).__name__)
        finally:
            if self._pumps.get(chat) is asyncio.current_task():
                del self._pumps[chat]

    async def _run_chat(self, chat: str) -> None:
        """Holding the chat: run its stored updates, oldest first, until none is left."""
        bucket = self._buckets.setdefault(chat, Bucket(self.burst, self.rate, self.burst))
        waiting: list[Waiting] = []
        looked = False
        while not self._stopping:
            if not waiting and (not looked or chat in self._dirty):
                # Read when the last batch is done and something was stored here since (a row another instance
                # stores is run by that instance's pump, which waits for this chat's lock).
                self._dirty.discard(chat)
                waiting = await self._waiting(chat)
                looked = True
            if not waiting:
                if bucket.full():
                    self._buckets.pop(chat, None)
                return
            if not bucket.take():
                waiting = await self._waiting(chat)  # all that waits, to coalesce
                if len(waiting) > 1 and self.record_received is not None:
                    loaded = await self._load(waiting[:-1])
                    updates = [update for update in loaded if update is not None]
                    if len(updates) == len(loaded) and all(self.can_coalesce(update) for update in updates):
                        await self._coalesce(chat, waiting[:-1], updates)
                        waiting = waiting[-1:]
                        continue
                await asyncio.sleep(bucket.wait())
                bucket.take()
            first = waiting.pop(0)
            update = (await self._load([first]))[0]
            if update is None:
                continue  # run and deleted meanwhile (by another instance)
            if first.crisis_answered:
                self.answered.add(first.update_id)
            try:
                assert self.process is not None
                await self.process(update)
            finally:
                self.answered.discard(first.update_id)
            self._finish((first.id, self.source, first.update_id))
            self._cache.pop(first.update_id, None)
            self.handled += 1
            if self.on_done is not None:
                self.on_done(first.update_id)

    async def _coalesce(self, chat: str, rows: list[Waiting], updates: list[Update]) -> None:
        """Record these updates as received, without a turn, and tell the citizen once."""
        assert self.record_received is not None
        record = self.record_received(chat, updates)
        await asyncio.get_running_loop().run_in_executor(
            self._db, lambda: self.store.finish([(row.id, self.source, row.update_id) for row in rows], record=record))
        if self.flood_note is not None:
            try:
                await self.flood_note(chat, updates)
            except Exception as error:  # noqa: BLE001 - recorded; the note is a courtesy
                logger.error("flood note not sent: %s", type(error).__name__)
        for row in rows:
            self._cache.pop(row.update_id, None)
        self.coalesced += len(rows)
        if self.on_done is not None:
            for row in rows:
                self.on_done(row.update_id)

    async def _load(self, rows: list[Waiting]) -> list[Update | None]:
        """The updates of these rows: from memory when received here, else from their stored payload (None when
        the row is gone)."""
        missing = [row.id for row in rows if row.update_id not in self._cache]
        stored = await asyncio.to_thread(self.store.payloads, missing) if missing else {}
        updates: list[Update | None] = []
        for row in rows:
            if row.update_id in self._cache:
                updates.append(self._cache[row.update_id])
            elif row.id in stored:
                updates.append(Update.de_json(json.loads(stored[row.id][1]), self.bot))
            else:
                updates.append(None)
        return updates


class DurableQueue(asyncio.Queue):
    """python-telegram-bot's update queue: an Update put here is stored by the inbox (and run from there) before
    `put` returns; anything else (PTB's stop signal) goes into the queue as before."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: Inbox | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.inbox is not None:
            await self.inbox.receive(item)
            return
        await super().put(item)
