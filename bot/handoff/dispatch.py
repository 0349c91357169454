"""Delivering the outbox: the Dispatcher leases due rows, sends them piece by piece through a channel, and records
each piece's result at once.

Leases. A dispatcher takes due rows of the channels it sends (`channels`: Telegram's worker "telegram", the staff
jobs "email") in one short transaction, pushing `next_attempt_at` LEASE into the future (FOR UPDATE SKIP LOCKED on
PostgreSQL; on SQLite the update is conditional), so other dispatchers pass them over. While it holds rows it renews
their lease every RENEW_EVERY seconds, whatever a send is doing; a dispatcher that dies stops renewing, and its rows
are due again LEASE later: seconds, not minutes.

Sends. The Bot API has no idempotency key, so a send whose answer never came may have arrived. Before a row's send
its `sending_at` is set (in a transaction of its own); each piece's result (its message id, kept at once for the
kinds whose messages a withdrawal must delete, and the count of pieces delivered) is recorded in its own short
transaction right after the send, and the last one marks the row sent. A row leased with `sending_at` still set
was being sent when its sender died (or the send timed out): its next piece is sent again marked as a possible
repeat (the channel adds a line saying so), and the pieces delivered before it are not sent again. So a message
reaches its reader at least once, at most twice, and a second copy says it may be one; every copy's id is kept.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import warnings
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Outbox

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=6)  # how long leased rows are invisible to other dispatchers without a renewal
RENEW_EVERY = 2.0  # seconds between renewals of the rows a dispatcher holds


class PermanentSendError(Exception):
    """The channel can never deliver this row (the user blocked the bot, the chat is gone): no retry."""


class SendInDoubt(Exception):
    """The send may have reached the recipient (its answer did not come): the next try is marked as a repeat."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delay between attempts: base, 2·base, 4·base ... never more than cap."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        return min(self.cap, self.base * 2 ** min(max(attempts - 1, 0), 30))


BACKOFF = Backoff()


@dataclass(slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # dropped (a withdrawal) or delivered by another dispatcher after the lease
    repeated: int = 0  # sent again after a send in doubt, marked as a possible repeat (also counted in `sent`)

    @property
    def rows(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped


def retry_after(error: BaseException) -> timedelta | None:
    """A flood-control wait the channel asked for (python-telegram-bot's RetryAfter has one), if any."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB deprecates the int form in favour of a timedelta
        value = getattr(error, "retry_after", None)
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and value >= 0:
        return timedelta(seconds=value)
    return None


class Channel(Protocol):
    """How a row is delivered, piece by piece (a long text is several messages)."""

    def pieces(self, row: Outbox, *, repeat: int | None) -> Sequence[object]:
        """The row's pieces; `repeat`: the index of the one whose earlier send is in doubt (to be marked so)."""
        ...

    async def send_piece(self, row: Outbox, piece: object) -> int | None:
        """Send one piece; the message id, when it has one."""
        ...

    def keeps(self, row: Outbox) -> bool:
        """Whether the ids of this row's messages are kept (they carry a citizen's words)."""
        ...

    def in_doubt(self, error: BaseException) -> bool:
        """Whether a send that failed with this may still have arrived."""
        ...


Send = Callable[[Outbox], Awaitable[None] | None]


class _Whole:
    """A plain `send(row)` as a channel of one piece whose ids are not kept."""

    def __init__(self, send: Send) -> None:
        self.send = send

    def pieces(self, row: Outbox, *, repeat: int | None) -> Sequence[object]:
        return [None]

    async def send_piece(self, row: Outbox, piece: object) -> int | None:
        result = self.send(row)
        if inspect.isawaitable(result):
            await result
        return None

    def keeps(self, row: Outbox) -> bool:
        return False

    def in_doubt(self, error: BaseException) -> bool:
        return isinstance(error, SendInDoubt)


class Dispatcher:
    """Delivers due outbox rows through `send` (a Channel, or a plain function sending a whole row), retrying with
    capped exponential backoff; see the module's docstring."""

    def __init__(self, sessions: sessionmaker[Session], *, send: Send | Channel, clock: Callable[[], datetime],
                 max_attempts: int = 60, backoff: Backoff = BACKOFF, batch_size: int = 50,
                 lease: timedelta = LEASE, renew_every: float = RENEW_EVERY,
                 channels: Collection[str] | None = None) -> None:
        self.sessions, self.send, self.clock = sessions, send, clock
        # the outbox channels this dispatcher sends ("telegram", "email"); None: every row (tests, one-channel setups)
        self.channels = frozenset(channels) if channels is not None else None
        self.channel: Channel = cast(Channel, send) if hasattr(send, "send_piece") else _Whole(send)
        self.max_attempts, self.backoff, self.batch_size, self.lease = max_attempts, backoff, batch_size, lease
        self.renew_every = renew_every
        self._marks = asyncio.Lock()  # a renewal never runs between a row's last mark and its release
        self._renewed_at = clock()

    async def run_once(self) -> DispatchReport:
        """Send every row due now, oldest first; database work runs in a thread, the sends on the loop."""
        report = DispatchReport()
        rows = await asyncio.to_thread(self.lease_due)
        if not rows:
            return report
        held = {row.id for row in rows}
        self._renewed_at = self.clock()
        renewing = asyncio.get_running_loop().create_task(self._renew_while(held), name="lahitori-outbox-lease")
        try:
            for row in rows:
                if self.clock() - self._renewed_at >= timedelta(seconds=self.renew_every):
                    await self._renew(held)  # by the clock too: a send that took long (or a clock moved in tests)
                outcome = await self._deliver(row, held)
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome == "sent" and row.sending_at is not None:
                    report.repeated += 1
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        return report

    async def _renew_while(self, held: set[int]) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            await self._renew(held)

    async def _renew(self, held: set[int]) -> None:
        async with self._marks:
            if not held:
                return
            try:
                await asyncio.to_thread(self.renew, sorted(held))
            except Exception as error:  # noqa: BLE001 - the next renewal tries again
                logger.error("outbox lease not renewed: %s", type(error).__name__)
            else:
                self._renewed_at = self.clock()

    async def _deliver(self, row: Outbox, held: set[int]) -> str:
        """One row: 'sent', 'retried', 'failed' or 'skipped'."""
        try:
            repeat = row.parts_sent if row.sending_at is not None else None
            try:
                pieces = self.channel.pieces(row, repeat=repeat)
            except Exception as error:  # noqa: BLE001 - a row that cannot be rendered is retried, then given up
                return await self._failed(row, error, held, in_doubt=False)
            if not await asyncio.to_thread(self.begin, row):
                return "skipped"
            count = row.parts_sent
            if count >= len(pieces):  # nothing (left) to send
                await asyncio.to_thread(self.delivered, row, count, None)
            while count < len(pieces):
                try:
                    message_id = await self.channel.send_piece(row, pieces[count])
                except Exception as error:  # noqa: BLE001 - every channel error is classified by mark_failed
                    return await self._failed(row, error, held, in_doubt=self.channel.in_doubt(error))
                count += 1
                try:
                    await asyncio.to_thread(self.delivered, row, count, message_id, last=count == len(pieces))
                except Exception as error:  # noqa: BLE001 - it went, but that is not recorded: in doubt
                    return await self._failed(row, error, held, in_doubt=True)
            if repeat is not None:
                logger.warning("outbox %d (%s) sent again after a send in doubt, marked as a possible repeat",
                               row.id, row.kind)
            return "sent"
        finally:
            held.discard(row.id)

    async def _failed(self, row: Outbox, error: Exception, held: set[int], *, in_doubt: bool) -> str:
        async with self._marks:  # released only once no renewal can push the next attempt back to the lease
            try:
                return await asyncio.to_thread(self.mark_failed, row, error, in_doubt=in_doubt)
            finally:
                held.discard(row.id)

    def lease_due(self) -> list[Outbox]:
        """Take due rows of this dispatcher's channels for it only: each is pushed `lease` into the future before
        sending."""
        now = self.clock()
        due = (Outbox.sent_at.is_(None), Outbox.failed_at.is_(None), Outbox.next_attempt_at <= now)
        mine = () if self.channels is None else (Outbox.channel.in_(sorted(self.channels)),)
        with self.sessions() as session, session.begin():
            query = select(Outbox).where(*due, *mine).order_by(Outbox.id).limit(self.batch_size)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            leased = []
            for row in rows:
                # Conditional, so that on SQLite (no row locks) a second dispatcher cannot lease it again.
                taken = cast(CursorResult[Any], session.execute(
                    update(Outbox).where(Outbox.id == row.id, *due).values(next_attempt_at=now + self.lease)
                    .execution_options(synchronize_session=False))).rowcount
                if taken == 1:
                    leased.append(row)
            session.expunge_all()
        return leased

    def renew(self, ids: list[int]) -> None:
        """Push the lease of rows this dispatcher still holds (unsent) `lease` into the future again."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            session.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.sent_at.is_(None),
                                                 Outbox.failed_at.is_(None))
                            .values(next_attempt_at=now + self.lease).execution_options(synchronize_session=False))

    def begin(self, row: Outbox) -> bool:
        """Note that the row's send begins; False when it is no longer to be sent (dropped by a withdrawal, or sent
        by another dispatcher after this one's lease ran out)."""
        with self.sessions() as session, session.begin():
            return cast(CursorResult[Any], session.execute(
                update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))
                .values(sending_at=self.clock()).execution_options(synchronize_session=False))).rowcount == 1

    def delivered(self, row: Outbox, count: int, message_id: int | None, *, last: bool = True) -> None:
        """Record a piece that went: its message id (kept when the channel keeps this row's), the pieces delivered,
        and with the last one the row as sent (its payload goes)."""
        from bot.handoff.outbox import remember_staff_messages

        now = self.clock()
        values: dict[str, Any] = {"parts_sent": count}
        if last:
            values.update(sent_at=now, attempts=Outbox.attempts + 1, last_error=None, payload=None, sending_at=None)
        with self.sessions() as session, session.begin():
            if message_id is not None and row.handoff_id is not None and self.channel.keeps(row):
                remember_staff_messages(session, handoff_id=row.handoff_id, chat_id=row.recipient,
                                        message_ids=[message_id], now=now)
            session.execute(update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None)).values(**values)
                            .execution_options(synchronize_session=False))
        if last:
            logger.info("outbox %d (%s) sent after %d attempt(s)", row.id, row.kind, row.attempts + 1)

    def mark_sent(self, row: Outbox) -> None:
        self.delivered(row, row.parts_sent, None)

    def mark_failed(self, row: Outbox, error: Exception, *, in_doubt: bool = False) -> str:
        """Count the attempt and schedule the next one, or give up; 'retried' or 'failed'. A send that may have
        arrived keeps `sending_at`: the next try is marked as a possible repeat."""
        now = self.clock()
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": type(error).__name__[:200]}
        if not in_doubt:
            values["sending_at"] = None
        if isinstance(error, PermanentSendError) or attempts >= self.max_attempts:
            values["failed_at"], values["payload"], values["sending_at"] = now, None, None
            outcome = "failed"
            logger.error("outbox %d (%s) failed for good after %d attempt(s): %s", row.id, row.kind, attempts,
                         type(error).__name__)
        else:
            wait = retry_after(error) or self.backoff.delay(attempts)
            values["next_attempt_at"] = now + wait
            outcome = "retried"
            logger.warning("outbox %d (%s) attempt %d failed (%s); next in %ds", row.id, row.kind, attempts,
                           type(error).__name__, wait.total_seconds())
        with self.sessions() as session, session.begin():
            session.execute(update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None)).values(**values)
                            .execution_options(synchronize_session=False))
        return outcome
