"""The staff side's background work, with or without Telegram: every minute the escalation of unclaimed cases, the
units' follow-up questions after closed cases (bot/handoff/follow_up.py) and the forgetting of ids kept only for a
while, and every OUTBOX_INTERVAL seconds the e-mail notifications (when SMTP_HOST
is set). `lahitori run` (the Telegram bot) and `lahitori web` (the console) each start one; on PostgreSQL the
periodic jobs take `job_lock`, so two instances never escalate at once, and the e-mail dispatcher leases its rows.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.background import Background
from bot.channels.email_outbox import EmailSender
from bot.conversation import forget_old_updates
from bot.db.inbound import job_lock
from bot.db.models import Outbox
from bot.db.session import writer_lock
from bot.handoff import follow_up
from bot.handoff.dispatch import Dispatcher
from bot.handoff.escalation import escalate_due
from bot.handoff.notify import EMAIL
from bot.handoff.outbox import forget_unretractable
from bot.services import Services

logger = logging.getLogger(__name__)

ESCALATE_EVERY = 60.0  # seconds


class StaffJobs(Background):
    """Runs in the event loop of `lahitori run` or `lahitori web` (the database work and SMTP in threads)."""

    task_name = "lahitori-staff-jobs"

    def __init__(self, services: Services, *, interval: float | None = None, every: float = ESCALATE_EVERY) -> None:
        settings = services.settings
        self.services, self.every = services, every
        self.interval = interval if interval is not None else settings.outbox_interval
        self._serial = writer_lock(settings.database_url)  # on SQLite, writers queue with the turns
        self.mail: Dispatcher | None = None  # without SMTP_HOST e-mail rows wait, untouched, for an instance with it
        if settings.smtp_host:
            self.mail = Dispatcher(services.sessions, send=EmailSender(settings, services.i18n),
                                   clock=services.clock, channels={EMAIL})

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        periodic_at = loop.time()
        if self.mail is None:
            await self.guarded(asyncio.to_thread(self.warn_unsent), "e-mail check")
        while True:
            if self.mail is not None:
                await self.guarded(self.send_mail(), "e-mail")
            if loop.time() >= periodic_at:
                periodic_at = loop.time() + self.every  # a failed round waits for the next, not the next second
                await self.guarded(asyncio.to_thread(self.escalate), "escalation")
                await self.guarded(asyncio.to_thread(self.follow_up), "follow-up")
                await self.guarded(asyncio.to_thread(self.forget_old), "forgetting")
            await asyncio.sleep(self.interval)

    @staticmethod
    async def guarded(work: Awaitable[object], what: str) -> None:
        """Run one job's round; the loop outlives a database or SMTP hiccup (the next round tries again)."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - logged by type only: no content of any row
            logger.error("staff jobs: %s round failed: %s", what, type(error).__name__)

    async def send_mail(self) -> None:
        assert self.mail is not None
        while True:  # a full batch means more may be due
            report = await self.mail.run_once()
            if report.rows < self.mail.batch_size:
                return

    def escalate(self) -> list[int]:
        """Escalate the unclaimed cases whose time has come (one instance at a time); their ids."""
        settings = self.services.settings
        with self._serial, self.services.sessions.begin() as session:
            if not job_lock(session, "escalate"):  # another instance is at it
                return []
            return escalate_due(session, now=self.services.clock(), tz=settings.timezone,
                                claim_timeout=timedelta(hours=settings.claim_timeout_hours))

    def follow_up(self) -> int:
        """Queue the follow-up questions that are due (one instance at a time); how many."""
        with self._serial, self.services.sessions.begin() as session:
            if not job_lock(session, "follow_up"):
                return 0
            return follow_up.send_due(session, now=self.services.clock())

    def forget_old(self) -> None:
        """What is kept only for a while: update ids (redeliveries) and staff message ids (retraction)."""
        now = self.services.clock()
        with self._serial, self.services.sessions.begin() as session:
            if not job_lock(session, "forget"):  # another instance is at it
                return
            forget_old_updates(session, now)
            forget_unretractable(session, now)

    def warn_unsent(self) -> int:
        """Say once, at the start, that e-mails wait because SMTP_HOST is not set; how many wait."""
        with self.services.sessions() as session:
            waiting = session.scalar(select(func.count()).select_from(Outbox).where(
                Outbox.channel == EMAIL, Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))) or 0
        if waiting:
            logger.warning("%d staff e-mail(s) wait: SMTP_HOST is not set, so this instance sends no e-mail", waiting)
        return waiting
