"""Consent rules: nothing reaches a coordinator without a recorded yes to the exact text; one handoff per need."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.models import Citizen, Handoff, Need, Unit
from bot.handoff.consent import ConsentError, record_decision, text_hash, withdraw_all
from bot.handoff.service import create_handoff

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def need(session) -> Need:
    citizen = Citizen(channel="t", external_id="c1", language="fi")
    session.add(citizen)
    session.flush()
    need = Need(citizen_id=citizen.id, topic="home_support", language="fi", description="apua kotiin")
    session.add(need)
    session.flush()
    return need


def decide(session, need: Need, decision: str, *, citizen_id: int | None = None):
    unit = session.scalar(select(Unit).where(Unit.code == "porvoo"))
    return record_decision(session, citizen_id=citizen_id or need.citizen_id, need_id=need.id, text="Saako välittää?",
                           decision=decision, lang="fi", unit_id=unit.id, coordinator_id=None, pair_id=None, now=NOW)


def handoffs(session) -> int:
    return session.scalar(select(func.count()).select_from(Handoff))


def test_a_yes_creates_exactly_one_handoff(session, need):
    consent = decide(session, need, "given")
    assert consent.text_hash == text_hash("Saako välittää?")
    first, created = create_handoff(session, need=need, consent=consent, now=NOW)
    again, created_again = create_handoff(session, need=need, consent=consent, now=NOW)
    assert created and not created_again and first.id == again.id
    assert handoffs(session) == 1


def test_the_database_refuses_a_second_handoff_for_a_need(session, need):
    consent = decide(session, need, "given")
    create_handoff(session, need=need, consent=consent, now=NOW)
    session.add(Handoff(need_id=need.id, consent_id=consent.id, citizen_id=need.citizen_id, unit_id=consent.unit_id,
                        status="new"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        session.flush()


def test_a_no_allows_no_handoff(session, need):
    consent = decide(session, need, "declined")
    with pytest.raises(ConsentError):
        create_handoff(session, need=need, consent=consent, now=NOW)
    assert handoffs(session) == 0


def test_a_withdrawn_consent_allows_no_handoff(session, need):
    consent = decide(session, need, "given")
    assert withdraw_all(session, citizen_id=need.citizen_id, now=NOW) == 1
    with pytest.raises(ConsentError):
        create_handoff(session, need=need, consent=consent, now=NOW)


def test_a_consent_is_for_one_need_only(session, need):
    consent = decide(session, need, "given")
    other = Need(citizen_id=need.citizen_id, topic="digital_support", language="fi")
    session.add(other)
    session.flush()
    with pytest.raises(ConsentError):
        create_handoff(session, need=other, consent=consent, now=NOW)


def test_nobody_can_consent_for_another_citizens_need(session, need):
    stranger = Citizen(channel="t", external_id="c2", language="fi")
    session.add(stranger)
    session.flush()
    with pytest.raises(ConsentError):
        decide(session, need, "given", citizen_id=stranger.id)


def test_withdrawal_cancels_the_open_handoff(session, need):
    consent = decide(session, need, "given")
    handoff, _ = create_handoff(session, need=need, consent=consent, now=NOW)
    withdraw_all(session, citizen_id=need.citizen_id, now=NOW)
    assert handoff.status == "cancelled" and handoff.cancelled_at == NOW
    assert consent.withdrawn_at == NOW
