"""benchmarks/seed_year.py at a small size: the counts it promises, rows the domain's rules accept, and a console
that opens them (SQLite and PostgreSQL)."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from benchmarks.seed_year import Sizes, seed_year
from bot.db.models import (
    AuditEvent,
    Citizen,
    Consent,
    Conversation,
    Handoff,
    MessageLog,
    Need,
    StaffAccount,
    StatCount,
)
from bot.handoff.consent import text_hash, usable
from bot.services import Services, build
from bot.web import inbox
from bot.web.app import create_app
from tests.conftest import make_settings
from tests.handoff.conftest import FrozenClock, helsinki

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

NOW = helsinki(2026, 11, 24, 10, 0)
SIZES = Sizes(conversations=300, cases=60, lines=3000)
PASSWORD = "a year, only for tests"


@pytest.fixture
def seeded(db_url: str, keyword_classifier) -> Iterator[Services]:
    services = build(make_settings(db_url), classifier=keyword_classifier, clock=FrozenClock(NOW))
    seed_year(services.sessions, SIZES, seed_value=7, now=NOW, password=PASSWORD)
    yield services
    services.close()


def rows(services: Services, model: type, *where: object) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_it_makes_the_sizes_asked_for(seeded: Services) -> None:
    assert rows(seeded, Citizen) == rows(seeded, Conversation) == 300
    assert rows(seeded, Handoff) == 60
    assert rows(seeded, MessageLog) == 3000
    assert rows(seeded, Need) == rows(seeded, Consent) == 60 + 60 // 4  # cases, and needs declined
    open_cases = rows(seeded, Handoff, Handoff.status.in_(("new", "claimed", "contacted")))
    assert open_cases == 1  # 2 % of 60, at least one
    assert rows(seeded, Handoff, Handoff.status.in_(("closed", "cancelled"))) == 59
    assert rows(seeded, StaffAccount) == 9  # the eight demo coordinators and admin


def test_every_case_rests_on_a_consent_the_domain_accepts(seeded: Services) -> None:
    with seeded.sessions() as session:
        for handoff in session.scalars(select(Handoff)):
            consent, need = handoff.consent, handoff.need
            assert consent.text_hash == text_hash(consent.text)
            assert need.citizen_id == consent.citizen_id == handoff.citizen_id
            if handoff.status == "cancelled":
                assert consent.withdrawn_at is not None and need.status == "withdrawn"
            else:
                assert usable(consent, need_id=need.id) and need.status == "handed_off"
            assert NOW - timedelta(days=366) < handoff.created_at < NOW
            if handoff.closed_at is not None and handoff.claimed_at is not None:
                assert handoff.created_at < handoff.claimed_at < handoff.closed_at < NOW
            if handoff.coordinator_id and consent.coordinator_id:  # a named case stays with the two people named
                assert handoff.coordinator_id in (consent.coordinator_id, consent.pair_id)
        created = session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "handoff_created"))
        assert created == 60
        counted = session.scalar(select(func.sum(StatCount.count)).where(StatCount.metric == "handoff"))
        assert counted == 60
        line = session.scalars(select(MessageLog).where(MessageLog.sender == "citizen").limit(1)).one()
        assert line.text.endswith(".")  # decrypts under the app's key


def test_the_same_seed_gives_the_same_year(sqlite_url: str, tmp_path, keyword_classifier) -> None:
    def year(url: str) -> list[tuple]:
        services = build(make_settings(url), classifier=keyword_classifier, clock=FrozenClock(NOW))
        seed_year(services.sessions, Sizes(80, 20, 500), seed_value=3, now=NOW, password=PASSWORD)
        with services.sessions() as session:
            made = [(h.status, h.created_at, h.need.topic, h.need.description) for h in
                    session.scalars(select(Handoff).order_by(Handoff.id))]
        services.close()
        return made

    other = f"sqlite:///{tmp_path / 'other.db'}"
    from bot.db.session import upgrade

    upgrade(other)
    assert year(sqlite_url) == year(other)


def test_the_console_opens_the_seeded_year_for_a_coordinator(seeded: Services) -> None:
    with seeded.sessions() as session:
        sari = session.scalars(select(StaffAccount).where(StaffAccount.username == "sari")).one()
        mine = [h for h in session.scalars(select(Handoff).order_by(Handoff.id)) if inbox.may_see(session, sari, h)]
        closed = next(h.id for h in mine if h.status == "closed" and h.claimed_at is not None)
        said = session.scalars(select(MessageLog.text).where(MessageLog.handoff_id == closed)
                               .order_by(MessageLog.id).limit(1)).one()
        described = session.get_one(Handoff, closed).need.description
    assert mine, "the seed gives Sari's unit cases she may open"
    with TestClient(create_app(seeded, secure_cookie=False), base_url="http://127.0.0.1") as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed = client.post("/login", data={"username": "sari", "password": PASSWORD, "csrf_token": token},
                             follow_redirects=False)
        assert signed.status_code == 303
        assert client.get("/cases").status_code == 200
        case = client.get(f"/cases/{closed}")
        assert case.status_code == 200
        assert described in case.text
        messages = client.get(f"/cases/{closed}/transcript")
        assert messages.status_code == 200
        assert said in messages.text
