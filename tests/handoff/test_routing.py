"""Routing: topic, municipality and language; an absent coordinator's work pair; then the least loaded."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Absence, Citizen, Consent, Coordinator, Handoff, Need, Unit
from bot.demo import REPLY_HOURS, seed
from bot.handoff.area import SERVED
from bot.handoff.routing import choose, serves, units_for

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def person(session, first: str) -> Coordinator:
    return session.scalar(select(Coordinator).where(Coordinator.first_name == first))


def away(session, first: str) -> None:
    session.add(Absence(coordinator_id=person(session, first).id, starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=3)))
    session.flush()


def give_cases(session, first: str, count: int) -> None:
    coordinator = person(session, first)
    citizen = Citizen(channel="t", external_id=f"load-{first}-{session.query(Citizen).count()}", language="fi")
    session.add(citizen)
    session.flush()
    for _ in range(count):
        need = Need(citizen_id=citizen.id, topic="home_support", language="fi")
        session.add(need)
        session.flush()
        consent = Consent(citizen_id=citizen.id, need_id=need.id, decision="given", purpose="p", text="t", text_hash="h",
                          language="fi", unit_id=coordinator.unit_id)
        session.add(consent)
        session.flush()
        session.add(Handoff(need_id=need.id, consent_id=consent.id, citizen_id=citizen.id, unit_id=coordinator.unit_id,
                            coordinator_id=coordinator.id, status="new"))
    session.flush()


def test_topic_and_municipality_pick_the_unit_and_specialist(session):
    choice = choose(session, topic="financial_support", municipality="porvoo", lang="fi", now=NOW)
    assert choice.unit.code == "porvoo"
    assert choice.coordinator.first_name in {"Mikko", "Johanna"}
    assert choose(session, topic="home_support", municipality="sipoo", lang="fi", now=NOW).unit.code == "sipoo"


def test_swedish_speaker_goes_to_a_swedish_speaking_coordinator(session):
    for _ in range(3):
        choice = choose(session, topic="home_support", municipality="porvoo", lang="sv", now=NOW)
        assert "sv" in choice.coordinator.languages
        assert choice.coordinator.first_name == "Anna"
        give_cases(session, "Anna", 1)  # load does not move a Swedish case to a Finnish-only colleague


def test_least_loaded_wins(session):
    first = choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW).coordinator.first_name
    assert first == "Sari"  # equal load: the lower id
    give_cases(session, "Sari", 2)
    assert choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW).coordinator.first_name == "Anna"


def test_absent_coordinator_is_replaced_by_the_work_pair(session):
    away(session, "Mikko")
    give_cases(session, "Johanna", 5)  # even when the pair is busier, the pair covers
    away(session, "Johanna")
    choice = choose(session, topic="financial_support", municipality="porvoo", lang="fi", now=NOW)
    assert choice.coordinator is None  # both of the pair away and nobody else does money matters in Porvoo
    session.query(Absence).filter(Absence.coordinator_id == person(session, "Johanna").id).delete()
    session.expire_all()
    choice = choose(session, topic="financial_support", municipality="porvoo", lang="fi", now=NOW)
    assert choice.coordinator.first_name == "Johanna"


def test_pair_takes_a_topic_outside_their_own_list(session):
    sari = person(session, "Sari")
    pair = person(session, "Mikko")
    sari.pair_id = pair.id  # pair with a colleague of other topics
    person(session, "Anna").active = False
    away(session, "Sari")
    choice = choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW)
    assert choice.coordinator.first_name == "Mikko"
    assert choice.via_pair is True


def test_absence_in_the_past_or_future_does_not_count(session):
    sari = person(session, "Sari")
    session.add(Absence(coordinator_id=sari.id, starts_at=NOW - timedelta(days=9), ends_at=NOW - timedelta(days=2)))
    session.add(Absence(coordinator_id=sari.id, starts_at=NOW + timedelta(days=2), ends_at=None))
    session.flush()
    assert choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW).coordinator.first_name == "Sari"


def test_nobody_free_gives_the_unit(session):
    for name in ("Pirjo", "Henrik"):
        person(session, name).active = False
    choice = choose(session, topic="home_support", municipality="loviisa", lang="fi", now=NOW)
    assert choice.unit.code == "loviisa"
    assert choice.coordinator is None


@pytest.mark.parametrize("municipality", ["helsinki", "other", "vantaa"])
def test_a_municipality_no_unit_serves_gets_no_coordinator(session, municipality: str):
    """A Helsinki mother is not proposed to a Porvoo coordinator: she is told where to turn (bot/handoff/area.py)."""
    assert choose(session, topic="home_support", municipality=municipality, lang="fi", now=NOW) is None
    assert units_for(session, municipality=municipality, lang="fi") == []
    assert not serves(session, municipality=municipality)


def test_every_municipality_of_the_county_is_served(session):
    for municipality in SERVED:
        assert serves(session, municipality=municipality), municipality
        assert choose(session, topic="home_support", municipality=municipality, lang="sv", now=NOW) is not None
    assert "other" not in session.scalar(select(Unit).where(Unit.code == "porvoo")).municipalities


def test_without_a_municipality_every_unit_is_a_candidate(session):
    assert len(units_for(session, municipality=None, lang="fi")) == 3
    assert not serves(session, municipality=None)


def test_a_demo_database_made_before_stops_serving_other(session):
    porvoo = session.scalar(select(Unit).where(Unit.code == "porvoo"))
    porvoo.municipalities, porvoo.reply_hours = [*porvoo.municipalities, "other"], {}
    session.flush()
    seed(session)
    assert "other" not in porvoo.municipalities and porvoo.reply_hours == REPLY_HOURS
