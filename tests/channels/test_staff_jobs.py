"""The staff jobs without Telegram, as `lahitori web` runs them: escalation and e-mail through a real local SMTP
server; Telegram's rows left to Telegram's worker; without SMTP_HOST the e-mails wait untouched. Both databases."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import func, select

from bot.channels.staff_jobs import StaffJobs
from bot.conversation import TurnRunner
from bot.db.models import Coordinator, Handoff, Outbox, ProcessedUpdate
from tests.auxil.mail import CONSOLE, WORDS, mail_server, mail_services, new_case, set_people
from tests.handoff.conftest import FrozenClock, helsinki

NOW = helsinki(2026, 11, 24, 10, 0)  # a Tuesday morning: Porvoo is open
ANNA = "anna.lindholm@hyvinvointialue.example"


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


def coordinator_id(services, first: str) -> int:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalars(select(Coordinator.id).where(Coordinator.first_name == first)).one()


def outbox(services, **where) -> list[Outbox]:  # noqa: ANN001
    with services.sessions() as session:
        found = list(session.scalars(select(Outbox).filter_by(**where).order_by(Outbox.id)))
        session.expunge_all()
        return found


async def test_a_console_without_telegram_escalates_and_e_mails_the_pair(db_url, keyword_classifier):
    clock = FrozenClock(NOW)
    with mail_server() as server, mail_services(db_url, keyword_classifier, clock, port=server.port) as services:
        assert services.settings.telegram_token is None
        set_people(services, Sari={"telegram_chat_id": "1001"}, Anna={"email": ANNA})
        case = new_case(services)  # Sari's (Telegram only), naming Anna, her pair
        clock.advance(hours=2, minutes=1)
        jobs = StaffJobs(services, interval=0.02)
        jobs.start()
        try:
            await wait_for(lambda: len(server.messages) == 1, "the escalation e-mailed to Anna")
        finally:
            await jobs.stop()
        (mail,) = server.messages
        assert mail.recipients == [ANNA]
        assert mail.subject == f"Lähitori: asia #{case} odottaa yhä"
        assert f"{CONSOLE}/cases/{case}" in mail.text and WORDS not in mail.text
        with services.sessions() as session:
            assert session.get(Handoff, case).escalation_level == 1
        (card,) = outbox(services, channel="telegram", kind="handoff_new")
        assert (card.attempts, card.sent_at) == (0, None)  # Sari's Telegram card is the Telegram worker's
        (sent,) = outbox(services, channel="email")
        assert sent.recipient == f"coordinator:{coordinator_id(services, 'Anna')}" and sent.sent_at is not None


async def test_without_smtp_host_escalation_runs_and_the_e_mails_wait(db_url, keyword_classifier, caplog):
    clock = FrozenClock(NOW)
    with mail_services(db_url, keyword_classifier, clock, port=None) as services:
        set_people(services, Anna={"email": ANNA})
        case = new_case(services)
        clock.advance(hours=2, minutes=1)
        jobs = StaffJobs(services, interval=0.02)
        assert jobs.mail is None
        with caplog.at_level(logging.WARNING, logger="bot.channels.staff_jobs"):
            jobs.start()
            try:
                await wait_for(lambda: bool(outbox(services, kind="handoff_escalated")), "the escalation queued")
            finally:
                await jobs.stop()
        (waiting,) = outbox(services, channel="email", kind="handoff_escalated")
        assert (waiting.attempts, waiting.sent_at, waiting.failed_at) == (0, None, None)
        assert waiting.handoff_id == case
    assert "SMTP_HOST is not set" in caplog.text and ANNA not in caplog.text


async def test_the_staff_jobs_forget_old_update_ids(db_url, keyword_classifier):
    clock = FrozenClock(NOW)
    with mail_services(db_url, keyword_classifier, clock, port=None) as services:
        TurnRunner(services).handle(channel="telegram", external_id="7", start=True, update_id=1,
                                    update_from="telegram:1")
        clock.advance(hours=49)

        def remembered() -> int:
            with services.sessions() as session:
                return session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0

        assert remembered() == 1
        jobs = StaffJobs(services, interval=0.02)
        jobs.start()
        jobs.start()  # once only
        try:
            await wait_for(lambda: remembered() == 0, "the old update id forgotten")
        finally:
            await jobs.stop()
        await jobs.stop()  # stopping twice is harmless
