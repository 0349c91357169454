"""Store first, confirm after: every incoming update is written to `inbound_update` before Telegram is told it
arrived, and its turn runs from there, in order per chat, across processes (the store: bot/db/inbound.py).

python-telegram-bot hands every update to `application.update_queue.put` before it confirms it: the Updater puts
each fetched update there before it asks getUpdates for the next offset (which is what confirms them), and the
webhook handler puts it there before it answers 200. `DurableQueue.put` stores the update durably (retrying while
the database is away: the poller then waits and confirms nothing, a webhook post is held and Telegram posts it
again after its timeout) and only then returns. The update then never enters PTB's own fetcher: `Inbox` runs it.

Per chat, one pump at a time runs the chat's stored updates in the order they were stored (`id`), each through
`application.process_update` (the channel's handlers). A citizen's turn settles its row in its own transaction
(`inbound.settle`): the row keeps the turn's replies (`replying`) until the channel has sent them, then goes. Rows
of other updates (staff, stickers) go after their handling, their update id noted as processed (a staff action
notes it in its own transaction). A crash
between a turn's commit and its replies leaves a `replying` row, whose replies the pump sends (the turn is not run
again); a crash before the commit runs the turn again. Storing and deleting are batched on a thread of their own
(telegram_inbox_writes.py: deletions ride along with the next store's transaction, a commit fewer an update). On
one instance (SQLite) a chat's queue is read from the store once, and after a restart or a sweep; the rows stored
since are known in memory.

On PostgreSQL a pump holds the chat's advisory lock (session level, on one connection of this process), so two
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
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from telegram import Bot, Update

from bot.channels.telegram_inbox_writes import InboxWrites
from bot.db.inbound import ChatGate, Done, InboundStore, Waiting, decode_replies, job_lock
from bot.dialogue.models import Reply

__all__ = ["BURST", "NOTE_EVERY", "RATE", "Bucket", "ChatGate", "DurableQueue", "InboundStore", "Inbox", "Waiting",
           "chat_key", "job_lock"]

logger = logging.getLogger(__name__)

SWEEP_EVERY = 2.0  # seconds between looks for stored updates nobody runs
LOCK_RETRY = 0.05  # seconds between tries for a chat another instance holds
MAX_CHATS = 64  # chats whose updates run at the same time in this process
BURST, RATE = 20.0, 1.0  # a chat's turns: a burst of 20, then one a second
NOTE_EVERY = 120.0  # seconds: at most one flood note a chat in this long


def chat_key(update: Update) -> str:
    """Whose order the update keeps: its chat, else its sender (a callback query without a message)."""
    if update.effective_chat is not None:
        return str(update.effective_chat.id)
    if update.effective_user is not None:
        return str(update.effective_user.id)
    return "-"


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


Process = Callable[[Update], Awaitable[object]]
Received = Callable[[Update, str], Awaitable[bool]]  # the crisis guard on receipt: True when help is on its way
Record = Callable[[str, list[Update]], Callable[[Session], None]]  # what records updates that get no turn
Note = Callable[[str, list[Update]], Awaitable[object]]  # tells the citizen, after the record's commit
# Sends a turn's kept replies: (bot, chat, replies, the turn answered a crisis, its help went out on receipt).
Resend = Callable[[Bot | None, str, list[Reply], bool, bool], Awaitable[object]]


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
        self.resend: Resend | None = None
        self.can_coalesce: Callable[[Update], bool] = lambda _update: False
        self.answered: set[int] = set()  # update ids being run whose crisis help went out on receipt
        self.running: set[int] = set()  # update ids being run from their stored row: their turns settle it
        self.settled: dict[int, bool] = {}  # update id -> its turn deleted the row (True) or kept its replies
        self.on_done: Callable[[int], object] | None = None  # tests: an update's handling finished
        self._pumps: dict[str, asyncio.Task] = {}
        self._cache: dict[int, Update] = {}  # update id -> the object received here (saves decrypting it again)
        self._buckets: dict[str, Bucket] = {}
        self._dirty: set[str] = set()  # chats with an update stored since their pump last looked
        # One instance (SQLite): a chat's rows are known here once its stored rows have been read (`_read`): those
        # stored since (`_known`) need no query; the sweep marks a chat to be read again (`_unknown`).
        self._known: dict[str, list[Waiting]] = {}
        self._read: set[str] = set()
        self._unknown: set[str] = set()
        # Update ids taken here (run, sent or recorded) whose row's deletion is not committed yet: never taken twice,
        # whichever way a row was found (SQLite reuses the row ids of deleted rows, so the update id tells).
        self._taken_ids: set[int] = set()
        self.writes = InboxWrites(store, deleted=lambda rows: self._taken_ids.difference_update(
            row.update_id for row in rows))
        self._slots = asyncio.Semaphore(MAX_CHATS)
        self._sweeper: asyncio.Task | None = None
        self._stopping = False
        self.received = self.handled = self.coalesced = self.resent = 0

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
        row_id = await self.writes.put({"source": self.source, "update_id": update.update_id, "chat": chat,
                                          "payload": payload, "crisis_answered": answered})
        self.received += 1
        if row_id is not None:
            self._cache[update.update_id] = update
            if not self.gate.shared and chat in self._read:
                self._known.setdefault(chat, []).append(Waiting(row_id, update.update_id, answered))
        self.kick(chat)

    async def _look(self, chat: str) -> list[Waiting]:
        """The chat's rows waiting to be run, oldest first: from the store, or (one instance, the chat read before)
        those stored here since."""
        if self.gate.shared or chat not in self._read or chat in self._unknown:
            if len(self._read) > 100_000:
                self._read.clear()
            self._unknown.discard(chat)
            self._read.add(chat)
            self._known.pop(chat, None)
            rows = await self._waiting(chat)
        else:
            rows = self._known.pop(chat, [])
        return [row for row in rows if row.update_id not in self._taken_ids]

    async def _waiting(self, chat: str) -> list[Waiting]:
        # The update ids taken as the query starts: a deletion committed while it runs leaves `_taken_ids`, but the
        # query may still see its row.
        taken = set(self._taken_ids)
        rows = await asyncio.to_thread(self.store.waiting, chat)
        return [row for row in rows if row.update_id not in taken and row.update_id not in self._taken_ids]

    # running

    def start(self) -> None:
        self._stopping = False
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="lahitori-inbox-sweep")

    async def stop(self) -> None:
        """Stop taking stored updates; the ones being handled finish (what is left waits for the next start)."""
        self._stopping = True
        await self.writes.stop()  # what was received is stored before it stops
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        pumps = list(self._pumps.values())
        if pumps:
            await asyncio.wait(pumps, timeout=30)
        await self.writes.stop()
        await asyncio.to_thread(self.gate.close)
        self.writes.close()

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
                    self._unknown.add(chat)
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
                            await self.writes.finished()
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
        """Holding the chat: send the replies its turns kept, and run its stored updates, oldest first, until none
        is left."""
        bucket = self._buckets.setdefault(chat, Bucket(self.burst, self.rate, self.burst))
        waiting: list[Waiting] = []
        looked = False
        while not self._stopping:
            if not waiting and (not looked or chat in self._dirty):
                # Read when the last batch is done and something was stored here since (a row another instance
                # stores is run by that instance's pump, which waits for this chat's lock).
                self._dirty.discard(chat)
                waiting = await self._look(chat)
                looked = True
            if not waiting:
                if bucket.full():
                    self._buckets.pop(chat, None)
                return
            if waiting[0].replying:  # a turn committed, its replies not sent: they go now, the turn is not run
                await self._send_kept(chat, waiting.pop(0))
                continue
            if not bucket.take():
                self._dirty.discard(chat)
                merged = {row.id: row for row in [*waiting, *await self._look(chat)]}  # all that waits, to coalesce
                waiting = [merged[row_id] for row_id in sorted(merged)]
                if not waiting or waiting[0].replying:
                    continue
                if (len(waiting) > 1 and self.record_received is not None
                        and not any(row.replying for row in waiting)):
                    loaded = await self._load(waiting[:-1])
                    updates = [update for update in loaded if update is not None]
                    if len(updates) == len(loaded) and all(self.can_coalesce(update) for update in updates):
                        await self._coalesce(chat, waiting[:-1], updates)
                        waiting = waiting[-1:]
                        continue
                await asyncio.sleep(bucket.wait())
                bucket.take()
            await self._run(waiting.pop(0))

    async def _run(self, row: Waiting) -> None:
        self._taken_ids.add(row.update_id)
        update = (await self._load([row]))[0]
        if update is None:
            self._taken_ids.discard(row.update_id)
            return  # run and deleted meanwhile (by another instance), or erased
        if row.crisis_answered:
            self.answered.add(row.update_id)
        self.running.add(row.update_id)
        try:
            assert self.process is not None
            await self.process(update)
        finally:
            self.answered.discard(row.update_id)
            self.running.discard(row.update_id)
        deleted = self.settled.pop(row.update_id, None)
        if deleted is True:  # by the turn's own transaction
            self._taken_ids.discard(row.update_id)
        else:
            self.writes.finish(Done(row.id, self.source, row.update_id, noted=deleted is False))
        self._cache.pop(row.update_id, None)
        self.handled += 1
        if self.on_done is not None:
            self.on_done(row.update_id)

    async def _send_kept(self, chat: str, row: Waiting) -> None:
        """The replies a turn kept and did not get to send (a crash, a restart): send them, then the row goes."""
        self._taken_ids.add(row.update_id)
        stored = await asyncio.to_thread(self.store.payloads, [row.id])
        if row.id in stored and self.resend is not None:
            replies, crisis = decode_replies(stored[row.id][1])
            logger.info("sending the kept replies of an update handled before a restart")
            try:
                await self.resend(self.bot, chat, replies, crisis, row.crisis_answered)
            except Exception as error:  # noqa: BLE001 - the row goes: a second try could repeat what went
                logger.error("kept replies not sent: %s", type(error).__name__)
        self.writes.finish(Done(row.id, self.source, row.update_id, noted=True))
        self.resent += 1
        if self.on_done is not None:
            self.on_done(row.update_id)

    async def kept_replies(self, update_id: int) -> tuple[list[Reply], bool] | None:
        """The replies this update's turn kept, when the turn committed but its result never came back (a worker
        that died after its commit); None when the turn did not commit."""
        payload = await asyncio.to_thread(self.store.kept, self.source, update_id)
        return decode_replies(payload) if payload is not None else None

    async def _coalesce(self, chat: str, rows: list[Waiting], updates: list[Update]) -> None:
        """Record these updates as received, without a turn, and tell the citizen once."""
        assert self.record_received is not None
        self._taken_ids.update(row.update_id for row in rows)
        record = self.record_received(chat, updates)
        try:
            await self.writes.finish_now([Done(row.id, self.source, row.update_id) for row in rows], record)
        finally:
            self._taken_ids.difference_update(row.update_id for row in rows)
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
