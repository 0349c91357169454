"""The inbox's writes (bot/channels/telegram_inbox.py): storing received updates and deleting handled rows, on one
thread of their own, in as few transactions as the load allows.

Storing is a group commit: what came in while the last transaction ran is stored in the next, in one commit and
one wait for the disk. A handled row waits up to FINISH_AFTER for a store transaction to be deleted in (first, so a
redelivery of its update stored in the same transaction is stored anew), else it goes in a transaction of its own.
While the database is away, storing retries: nothing is confirmed to Telegram meanwhile, so it keeps (and resends)
what waits.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.inbound import Done, InboundStore

logger = logging.getLogger(__name__)

STORE_RETRY, STORE_RETRY_MAX = 0.2, 5.0  # while the database is away, receiving waits (and confirms nothing)
FINISH_AFTER = 0.02  # seconds a handled row waits for a store transaction to be deleted in
MAX_BATCH = 100  # updates stored in one transaction at most


class InboxWrites:
    def __init__(self, store: InboundStore, *, deleted: Callable[[list[Done]], object]) -> None:
        self.store, self.deleted = store, deleted  # `deleted`: told of rows whose deletion has committed
        self._writes: list[tuple[dict[str, Any], asyncio.Future[int | None]]] = []  # received, to be stored
        self._writer: asyncio.Task | None = None
        self._handled: list[Done] = []  # rows handled, to be deleted
        self.deleting: set[int] = set()  # row ids handled whose deletion is not committed yet
        self._finisher: asyncio.Task | None = None
        self._flush = asyncio.Event()  # delete the handled rows now (a chat is about to be given back)
        # The writes queue on SQLite's writer lock behind the turns: one thread of their own, so that they never hold
        # the threads of the default executor (the staff desk, reads) while they wait.
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lahitori-inbox")

    async def put(self, row: dict[str, Any]) -> int | None:
        """Store an update durably: its row id, or None when it was stored already (a redelivery still waiting)."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._writes.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="lahitori-inbox-write")
        return await done

    async def _write(self) -> None:
        delay = STORE_RETRY
        while self._writes:
            batch, self._writes = self._writes[:MAX_BATCH], self._writes[MAX_BATCH:]
            handled, self._handled = self._handled, []
            try:
                results = await asyncio.get_running_loop().run_in_executor(
                    self._db, functools.partial(self.store.store_many, [row for row, _done in batch], done=handled))
            except SQLAlchemyError as error:
                logger.error("%d update(s) could not be stored (%s); not confirming them, trying again in %.1f s",
                             len(batch), type(error).__name__, delay)
                self._writes, self._handled = batch + self._writes, handled + self._handled
                await asyncio.sleep(delay)
                delay = min(delay * 2, STORE_RETRY_MAX)
                continue
            delay = STORE_RETRY
            self._committed(handled)
            for (_row, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    def _committed(self, rows: list[Done]) -> None:
        self.deleting.difference_update(row.id for row in rows)
        if rows:
            self.deleted(rows)

    def finish(self, row: Done) -> None:
        """Delete a handled row soon, with others: a deletion lost in a crash only runs the update again as a
        duplicate (or sends a turn's replies again), and until then the inbox leaves the row out."""
        self._handled.append(row)
        self.deleting.add(row.id)
        if self._finisher is None or self._finisher.done():
            self._finisher = asyncio.get_running_loop().create_task(self._finish_all(), name="lahitori-inbox-done")

    async def _finish_all(self) -> None:
        while self._handled:
            if not self._flush.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flush.wait(), FINISH_AFTER)
            self._flush.clear()
            if self._writes and self._writer is not None and not self._writer.done():
                await asyncio.shield(self._writer)  # its next batch takes the handled rows along
                continue
            batch, self._handled = self._handled, []
            if not batch:
                continue
            try:
                await asyncio.get_running_loop().run_in_executor(self._db, self.store.finish, batch)
            except SQLAlchemyError as error:
                logger.error("handled updates not deleted yet (%s); trying again", type(error).__name__)
                self._handled = batch + self._handled
                await asyncio.sleep(STORE_RETRY)
                continue
            self._committed(batch)

    async def finished(self) -> None:
        """Until every handled row is deleted (before another instance may take the chat)."""
        while self.deleting:
            self._flush.set()
            if self._handled and (self._finisher is None or self._finisher.done()):
                self._finisher = asyncio.get_running_loop().create_task(self._finish_all(), name="lahitori-inbox-done")
            busy = [task for task in (self._writer, self._finisher) if task is not None and not task.done()]
            if not busy:
                return
            await asyncio.wait(busy, return_when=asyncio.FIRST_COMPLETED)

    async def finish_now(self, rows: list[Done], record: Callable[[Session], None]) -> None:
        """Delete these rows (and note their update ids) with `record`'s writes, in a transaction of their own."""
        await asyncio.get_running_loop().run_in_executor(self._db, lambda: self.store.finish(rows, record=record))

    async def stop(self) -> None:
        """What was received is stored, and what was handled deleted, before it stops (10 s at most each)."""
        if self._writer is not None and not self._writer.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._writer), 10)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.finished(), 10)

    def close(self) -> None:
        self._db.shutdown(wait=False)
