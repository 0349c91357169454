"""Staff e-mail through a real local SMTP server (aiosmtpd): the case number and the link, never client data; the
coordinator's language; a refused address fails the row, a server that is down is tried again, a send whose answer
never came goes again marked as a possible second copy. Both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.email_outbox import EmailSender
from bot.channels.telegram_outbox import REPEAT
from bot.db.models import Outbox
from bot.handoff.dispatch import Dispatcher
from bot.handoff.notify import EMAIL
from tests.auxil.mail import CONSOLE, PHONE, SENDER, WORDS, free_port, mail_server, mail_services, new_case, set_people
from tests.handoff.conftest import FrozenClock, helsinki

NOW = helsinki(2026, 11, 24, 10, 0)
SARI = "sari.laine@hyvinvointialue.example"
HENRIK = "henrik.sjoberg@hyvinvointialue.example"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def server():
    with mail_server() as handler:
        yield handler


@pytest.fixture
def services(db_url, keyword_classifier, clock, server):
    with mail_services(db_url, keyword_classifier, clock, port=server.port) as built:
        set_people(built, Sari={"email": SARI, "telegram_chat_id": "1001"}, Henrik={"email": HENRIK})
        yield built


def mailer(services, **options) -> Dispatcher:  # noqa: ANN001
    return Dispatcher(services.sessions, send=EmailSender(services.settings, services.i18n), clock=services.clock,
                      channels={EMAIL}, **options)


def email_rows(services) -> list[Outbox]:  # noqa: ANN001
    with services.sessions() as session:
        found = list(session.scalars(select(Outbox).where(Outbox.channel == EMAIL).order_by(Outbox.id)))
        session.expunge_all()
        return found


async def test_a_new_case_is_one_e_mail_with_its_number_and_link_and_no_client_data(services, server):
    case = new_case(services)
    report = await mailer(services).run_once()
    assert (report.sent, report.rows) == (1, 1)  # the Telegram card is not this dispatcher's
    (mail,) = server.messages
    assert mail.recipients == [SARI] and mail.sender == SENDER
    assert mail.subject == f"Lähitori: uusi asia #{case} odottaa"
    assert f"Uusi asia #{case} odottaa lähitorin työpöydällä." in mail.text
    assert f"{CONSOLE}/cases/{case}" in mail.text
    assert "ei tarkoituksella ole asiakastietoja" in mail.text
    shown = mail.raw.decode("utf-8", "replace") + mail.subject + mail.text
    for secret in (WORDS, "Äiti", PHONE, "401234567", "home_support", "Kotona", "mail-citizen-1"):
        assert secret not in shown
    assert mail.message["Auto-Submitted"] == "auto-generated"
    (row,) = email_rows(services)
    assert row.sent_at is not None and row.payload is None  # sent: the address goes with the payload


async def test_a_swedish_coordinator_gets_swedish(services, server):
    case = new_case(services, to="Henrik", lang="sv")
    await mailer(services).run_once()
    (mail,) = server.messages
    assert mail.recipients == [HENRIK]
    assert mail.subject == f"Närtorget: nytt ärende #{case} väntar"
    assert f"Ett nytt ärende #{case} väntar i närtorgets arbetsvy." in mail.text
    assert "inga klientuppgifter" in mail.text and f"{CONSOLE}/cases/{case}" in mail.text
    # the whole sentence, dot and all: lines go as SMTP wants them (CRLF), so a line's leading dot is not doubled
    assert "Det här är ett automatiskt meddelande från närtorgets bot. Svara inte på det." in mail.text
    assert mail.message["Content-Language"] == "sv"


async def test_an_address_the_server_refuses_fails_the_row_for_good(services, server):
    server.refuse.add(SARI)
    new_case(services)
    report = await mailer(services).run_once()
    assert (report.failed, report.retried) == (1, 0)
    (row,) = email_rows(services)
    assert row.failed_at is not None and row.last_error == "RecipientRefused" and row.payload is None
    assert server.messages == []


async def test_a_server_that_is_down_is_tried_again(db_url, keyword_classifier, clock):
    down = free_port()  # nobody listens here
    with mail_services(db_url, keyword_classifier, clock, port=down) as services:
        set_people(services, Sari={"email": SARI})
        new_case(services)
        report = await mailer(services).run_once()
        assert (report.retried, report.failed) == (1, 0)
        (row,) = email_rows(services)
        assert row.failed_at is None and row.sent_at is None and row.attempts == 1
        assert row.last_error == "ConnectionRefusedError" and row.next_attempt_at > clock()
        assert row.payload is not None  # kept for the next try

        with mail_server() as server:  # the server is back, on the port the settings name
            services.settings.smtp_port = server.port
            clock.advance(minutes=1)
            assert (await mailer(services).run_once()).sent == 1
            assert [mail.recipients for mail in server.messages] == [[SARI]]


async def test_a_send_whose_answer_never_came_goes_again_marked_as_a_possible_copy(db_url, keyword_classifier, clock,
                                                                                   server):
    server.slow = 1.5  # the server answers the message after the client gave up waiting
    with mail_services(db_url, keyword_classifier, clock, port=server.port, SMTP_TIMEOUT=0.3) as services:
        set_people(services, Sari={"email": SARI})
        case = new_case(services)
        report = await mailer(services).run_once()
        assert report.retried == 1
        (row,) = email_rows(services)
        assert row.sending_at is not None and row.last_error == "SendInDoubt"
        server.slow = 0
        clock.advance(minutes=1)
        assert (await mailer(services).run_once()).repeated == 1
    first, second = server.messages  # the first arrived after all: two copies, the second saying it may be one
    assert services.i18n.gettext("fi", REPEAT) not in first.text
    assert second.text.startswith(services.i18n.gettext("fi", REPEAT))
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert f"/cases/{case}" in second.text


async def test_each_dispatcher_leases_only_its_own_channels_rows(services, server):
    new_case(services)  # a Telegram card to Sari, and her e-mail
    telegram = Dispatcher(services.sessions, send=lambda row: None, clock=services.clock, channels={"telegram"})
    assert [row.channel for row in telegram.lease_due()] == ["telegram"]
    assert [row.channel for row in mailer(services, lease=telegram.lease).lease_due()] == [EMAIL]
