"""The staff console on a seeded database (SQLite and PostgreSQL): services with a frozen clock, accounts for
demo coordinators, cases made as the citizen flow makes them, and a Starlette TestClient."""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Citizen, Coordinator, Handoff, Need, Unit
from bot.db.session import make_sessionmaker
from bot.demo import seed
from bot.handoff import consent as consent_rules
from bot.handoff.service import create_handoff
from bot.services import Services, build
from bot.web import accounts
from bot.web.app import create_app
from tests.conftest import make_settings
from tests.handoff.conftest import FrozenClock, helsinki

with warnings.catch_warnings():  # Starlette 1.10 asks for httpx2 in its test client; httpx is what the project pins
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

NOW = helsinki(2026, 11, 24, 10, 0)  # a Tuesday: the demo units are open
PASSWORD = "correct horse battery staple"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def services(db_url: str, keyword_classifier, clock: FrozenClock) -> Iterator[Services]:
    built = build(make_settings(db_url), classifier=keyword_classifier, clock=clock)
    with make_sessionmaker(built.db).begin() as session:
        seed(session)
        for username, role, who, lang in (("sari", "staff", "Sari Laine", "fi"), ("anna", "staff", "Anna", "sv"),
                                          ("pirjo", "staff", "Pirjo", "fi"), ("boss", "admin", None, "fi")):
            accounts.add(session, username=username, password=PASSWORD, role=role, coordinator=who, language=lang,
                         now=NOW)
    yield built
    built.close()


def coordinator(services: Services, first: str) -> Coordinator:
    with services.sessions() as session:
        return session.scalars(select(Coordinator).where(Coordinator.first_name == first)).one()


_numbers = itertools.count(1)


def make_case(services: Services, *, at: datetime = NOW, to: str | None = "Sari", unit: str = "porvoo",
              lang: str = "fi", description: str = "Äiti kaatui eilen eikä pärjää yksin", contact: str = "chat",
              external_id: str | None = None) -> Handoff:
    """A consented case as the citizen flow makes it: to `to` and their pair, or to the unit only."""
    number = next(_numbers)
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id=external_id or f"web-citizen-{number}", language=lang,
                          created_at=at, last_seen_at=at)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic="home_support", description=description, for_whom="close_one",
                    municipality="Porvoo", urgency="soon", contact_preference=contact,
                    phone="+358401234567" if contact == "phone" else None, language=lang, created_at=at)
        session.add(need)
        session.flush()
        named = session.scalars(select(Coordinator).where(Coordinator.first_name == to)).one() if to else None
        unit_id = named.unit_id if named else session.scalar(select(Unit.id).where(Unit.code == unit))
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text=f"Annan luvan välittää tarpeeni ({number}).",
            decision="given", lang=lang, unit_id=unit_id, coordinator_id=named.id if named else None,
            pair_id=named.pair_id if named else None, now=at)
        handoff, _created = create_handoff(session, need=need, consent=consent, now=at)
        handoff.expected_contact_at = at + timedelta(days=1)  # the engine's promise (bot/handoff/hours.py)
        return handoff


@pytest.fixture
def app(services: Services):
    return create_app(services, secure_cookie=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD):
    """Open the login page (its CSRF cookie and field), then post the form; the response, not followed."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


Login = Callable[..., object]
