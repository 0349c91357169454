"""A real local SMTP server (aiosmtpd) for the e-mail tests, services that send to it, and a consented case."""
from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.db.models import Citizen, Coordinator, Need, Unit
from bot.demo import seed
from bot.handoff import consent as consent_rules
from bot.handoff.outbox import notify_handoff_created
from bot.handoff.service import create_handoff
from bot.services import Services, build
from tests.conftest import make_settings

SENDER = "lahitori@hyvinvointialue.example"
CONSOLE = "https://lahitori.hyvinvointialue.example"
WORDS = "Äiti kaatui eilen eikä pärjää yksin"
PHONE = "+358401234567"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return body.get_content()


@dataclass
class MailServer:
    """An aiosmtpd handler: keeps what it accepts; refuses the addresses in `refuse` (550); with `slow`, keeps the
    message but answers only after that many seconds (a client that waits less is left in doubt)."""

    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    slow: float = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.slow:  # kept, but the answer comes late
            await asyncio.sleep(self.slow)
        return "250 Message accepted for delivery"


@contextmanager
def mail_server() -> Iterator[MailServer]:
    handler = MailServer(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@contextmanager
def mail_services(db_url: str, classifier: Any, clock: Any, *, port: int | None, **extra: object) -> Iterator[Services]:
    """Services as `lahitori web` builds them (no Telegram token) that e-mail through 127.0.0.1:`port` (None: no
    SMTP_HOST), on the seeded demo database."""
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": f"Lähitori <{SENDER}>",
            "SMTP_STARTTLS": False} if port is not None else {}
    settings = make_settings(db_url, CONSOLE_URL=CONSOLE, OUTBOX_INTERVAL=0.05, **smtp, **extra)
    services = build(settings, classifier=classifier, clock=clock)
    with services.sessions.begin() as session:
        seed(session)
    try:
        yield services
    finally:
        services.close()


def set_people(services: Services, **changes: dict[str, Any]) -> None:
    """Change coordinators by first name: set_people(services, Sari={"email": "..."})."""
    with services.sessions.begin() as session:
        for first, values in changes.items():
            person = session.scalars(select(Coordinator).where(Coordinator.first_name == first)).one()
            for name, value in values.items():
                setattr(person, name, value)


def set_unit(services: Services, code: str, **values: Any) -> None:
    with services.sessions.begin() as session:
        unit = session.scalars(select(Unit).where(Unit.code == code)).one()
        for name, value in values.items():
            setattr(unit, name, value)


def new_case(services: Services, *, to: str = "Sari", lang: str = "fi", number: int = 1) -> int:
    """A consented phone case to `to` (naming their pair), notified as the citizen flow notifies it; its id."""
    now = services.clock()
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id=f"mail-citizen-{number}", language=lang, created_at=now,
                          last_seen_at=now)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic="home_support", description=WORDS, for_whom="close_one",
                    municipality="porvoo", urgency="soon", contact_preference="phone", phone=PHONE, language=lang,
                    created_at=now)
        session.add(need)
        session.flush()
        named = session.scalars(select(Coordinator).where(Coordinator.first_name == to)).one()
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text=f"Annan luvan ({number}).", decision="given",
            lang=lang, unit_id=named.unit_id, coordinator_id=named.id, pair_id=named.pair_id, now=now)
        handoff, _created = create_handoff(session, need=need, consent=consent, now=now)
        notify_handoff_created(session, handoff)
        return handoff.id
