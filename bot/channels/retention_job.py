"""The retention purge inside `lahitori run`: looked at every hour, run once a day, by one instance.

Each look takes the periodic jobs' lock (`job_lock`, a PostgreSQL transaction advisory lock; SQLite has one
instance and queues behind the turns on the writer lock) and runs the purge only when none was recorded in the
last day (the audit event `retention_purged`, which `lahitori purge` writes too). So two instances never purge at
once, and a restart does not purge again the same day.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.channels.background import Background
from bot.channels.telegram_inbox import job_lock
from bot.db.session import writer_lock
from bot.handoff.audit import record
from bot.handoff.retention import PURGED, Periods, purge, purged_since
from bot.services import Services

logger = logging.getLogger(__name__)

JOB = "retention"
DAY = timedelta(hours=24) - timedelta(minutes=5)  # a look just short of a day after the last purge still runs
LOOK_EVERY = 3600.0  # seconds
FIRST_LOOK = 60.0  # seconds after the start: the bot answers first


class RetentionJob(Background):
    """Runs `purge` once a day in the bot's event loop (the database work in a thread)."""

    task_name = "lahitori-retention"

    def __init__(self, services: Services, *, every: float = LOOK_EVERY, first: float = FIRST_LOOK) -> None:
        self.services, self.every, self.first = services, every, first
        self._serial = writer_lock(services.settings.database_url)

    async def run(self) -> None:
        await asyncio.sleep(self.first)
        while True:
            try:
                await asyncio.to_thread(self.run_once)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the next look tries again
                logger.error("retention purge failed: %s", type(error).__name__)
            await asyncio.sleep(self.every)

    def run_once(self) -> dict[str, int] | None:
        """Purge if this instance holds the job and no purge ran in the last day; the counts, or None."""
        settings, now = self.services.settings, self.services.clock()
        with self._serial, self.services.sessions.begin() as session:
            if not job_lock(session, JOB) or purged_since(session, now - DAY):
                return None
            counts = purge(session, now=now, periods=Periods.from_settings(settings))
            record(session, actor="system", action=PURGED, details=counts, at=now)
        return counts
