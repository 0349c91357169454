"""A session on a migrated database with the demo units and coordinators; staff-side helpers (clock, cases)."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import crypto
from bot.db.models import Citizen, Coordinator, Handoff, Need, Unit
from bot.db.session import make_engine, make_sessionmaker
from bot.demo import seed
from bot.handoff import consent as consent_rules
from bot.handoff.service import create_handoff
from tests.conftest import TEST_KEY


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        seed(session)
        session.commit()
        yield session
    engine.dispose()


# Staff-side helpers: a frozen clock, a sessionmaker beside `session`, people by first name and ready-made cases.

HKI = ZoneInfo("Europe/Helsinki")


def helsinki(*args: int) -> datetime:
    """A Helsinki wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=HKI).astimezone(UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(helsinki(2026, 11, 24, 10, 0))  # a Tuesday, the demo units are open


@pytest.fixture
def sessions(session: Session, db_url: str) -> Iterator[sessionmaker[Session]]:
    """Fresh sessions on the same seeded database (what the dispatcher gets); commit `session` before using them."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def person(session: Session) -> Callable[[str], Coordinator]:
    return lambda first: session.scalar(select(Coordinator).where(Coordinator.first_name == first))


@pytest.fixture
def make_case(session: Session, person: Callable[[str], Coordinator]) -> Callable[..., Handoff]:
    """A consented handoff as the citizen flow makes it: to `coordinator` and their pair, or to the unit only."""
    counter = itertools.count(1)

    def make(*, at: datetime, coordinator: str | None = "Sari", unit: str = "porvoo", lang: str = "fi",
             topic: str = "home_support", description: str = "Äiti kaatui eilen eikä pärjää yksin",
             phone: str | None = "+358401234567", on_handoff: Callable[[Session, Handoff], None] | None = None) -> Handoff:
        number = next(counter)
        citizen = Citizen(channel="telegram", external_id=f"citizen-{number}", language=lang, created_at=at,
                          last_seen_at=at)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic=topic, description=description, for_whom="close_one",
                    municipality=unit, urgency="soon", contact_preference="phone" if phone else "chat", phone=phone,
                    language=lang, created_at=at)
        session.add(need)
        session.flush()
        named = person(coordinator) if coordinator else None
        unit_id = named.unit_id if named else session.scalar(select(Unit.id).where(Unit.code == unit))
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text=f"consent text {number}", decision="given",
            lang=lang, unit_id=unit_id, coordinator_id=named.id if named else None,
            pair_id=named.pair_id if named else None, now=at)
        handoff, _created = create_handoff(session, need=need, consent=consent, now=at)
        if on_handoff is not None:
            on_handoff(session, handoff)
        session.commit()
        return handoff

    return make
