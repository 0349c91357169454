"""Staff side: who may act on a case, the case's states, away and back (linking: test_staff_link.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEvent, Handoff, Outbox
from bot.handoff import consent as consent_rules
from bot.handoff import staff
from bot.handoff.routing import choose
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)


def audit(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def outbox(session, kind: str) -> list[Outbox]:
    return list(session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def refused(session, error: type[staff.StaffError], call, **kwargs):  # noqa: ANN001
    """Call inside the transaction, catch, commit: the way the staff UI must call (the refusal stays audited)."""
    with pytest.raises(error) as caught:
        call(session, **kwargs)
    session.commit()
    return caught.value


# Who may act on a case ---------------------------------------------------------------------------------------

def test_the_assignee_claims_and_the_citizen_is_told_who_in_their_language(session, person, make_case):
    case = make_case(at=NOW, coordinator="Anna", lang="sv")
    claimed = staff.claim(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=NOW + timedelta(minutes=9))
    session.commit()
    assert (claimed.status, claimed.claimed_at, claimed.coordinator_id) == ("claimed", NOW + timedelta(minutes=9),
                                                                            person("Anna").id)
    [message] = outbox(session, "case_claimed")
    assert (message.channel, message.recipient) == ("telegram", "citizen-1")
    assert message.payload | {} == {"handoff_id": case.id, "lang": "sv", "topic": "home_support",
                                    "coordinator": "Anna", "title": "servicehandledare",
                                    "unit": "Närtorget i Borgå (demo)", "unit_phone": "040 000 1001", "chat": False}
    [event] = audit(session, "handoff_claimed")
    assert (event.actor, event.at, event.handoff_id) == (f"coordinator:{person('Anna').id}", NOW + timedelta(minutes=9),
                                                         case.id)


def test_the_work_pair_may_claim_and_becomes_the_coordinator(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=NOW)
    session.commit()
    assert case.coordinator_id == person("Anna").id
    assert audit(session, "handoff_claimed")[0].details == {"coordinator_id": person("Anna").id,
                                                            "previous_coordinator_id": person("Sari").id}
    assert outbox(session, "case_claimed")[0].payload["coordinator"] == "Anna"


def test_others_are_denied_and_the_attempt_is_audited(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    for outsider in ("Pirjo", "Mikko"):  # another unit; the same unit but not named in the consent
        for action in (staff.claim, staff.mark_contacted, staff.close, staff.give_to_pair):
            refused(session, staff.PermissionDenied, action, handoff_id=case.id, coordinator_id=person(outsider).id,
                    now=NOW)
    assert case.status == "new"
    denied = audit(session, "staff_permission_denied")
    assert [e.details["attempted"] for e in denied] == ["claim", "mark contacted", "close", "give to the pair"] * 2
    assert {e.actor for e in denied} == {f"coordinator:{person('Pirjo').id}", f"coordinator:{person('Mikko').id}"}
    assert outbox(session, "case_claimed") == []


def test_a_unit_case_is_open_to_the_unit_only(session, person, make_case):
    case = make_case(at=NOW, coordinator=None, unit="loviisa")
    refused(session, staff.PermissionDenied, staff.claim, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Henrik").id, now=NOW)
    session.commit()
    assert case.coordinator_id == person("Henrik").id
    staff.mark_contacted(session, handoff_id=case.id, coordinator_id=person("Pirjo").id, now=NOW)  # Henrik's pair


def test_an_inactive_coordinator_may_not_act(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    person("Sari").active = False
    session.commit()
    refused(session, staff.PermissionDenied, staff.claim, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    refused(session, staff.CaseNotFound, staff.claim, handoff_id=999, coordinator_id=person("Anna").id, now=NOW)


# The case's states -------------------------------------------------------------------------------------------

def test_claim_contacted_close_keeps_the_history(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    sari = person("Sari").id
    times = [NOW + timedelta(hours=h) for h in (1, 2, 30)]
    staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=times[0])
    staff.mark_contacted(session, handoff_id=case.id, coordinator_id=sari, now=times[1])
    staff.close(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=times[2])  # the pair closes it
    session.commit()
    case = session.get(Handoff, case.id)
    assert (case.status, case.claimed_at, case.contacted_at, case.closed_at) == ("closed", *times)
    history = list(session.scalars(select(AuditEvent).where(AuditEvent.handoff_id == case.id).order_by(AuditEvent.id)))
    assert [(e.action, e.at) for e in history] == [("handoff_created", NOW), ("handoff_claimed", times[0]),
                                                   ("handoff_contacted", times[1]), ("handoff_closed", times[2])]
    assert history[-1].actor == f"coordinator:{person('Anna').id}"
    [feedback] = outbox(session, "case_closed_feedback")
    assert feedback.payload["lang"] == "fi" and feedback.payload["coordinator"] == "Sari"
    assert feedback.payload["unit"] == "Porvoon lähitori (demo)"


def test_invalid_transitions_are_refused(session, person, make_case):
    sari, anna = person("Sari").id, person("Anna").id
    case = make_case(at=NOW, coordinator="Sari")
    refused(session, staff.InvalidTransition, staff.mark_contacted, handoff_id=case.id, coordinator_id=sari, now=NOW)
    refused(session, staff.InvalidTransition, staff.close, handoff_id=case.id, coordinator_id=sari, now=NOW)
    staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=NOW)
    error = refused(session, staff.InvalidTransition, staff.claim, handoff_id=case.id, coordinator_id=anna, now=NOW)
    assert "already claimed by Sari" in str(error)
    staff.close(session, handoff_id=case.id, coordinator_id=sari, now=NOW)
    refused(session, staff.InvalidTransition, staff.claim, handoff_id=case.id, coordinator_id=sari, now=NOW)
    refused(session, staff.InvalidTransition, staff.close, handoff_id=case.id, coordinator_id=sari, now=NOW)
    refused(session, staff.InvalidTransition, staff.give_to_pair, handoff_id=case.id, coordinator_id=sari, now=NOW)

    cancelled = make_case(at=NOW, coordinator="Sari")
    consent_rules.withdraw_all(session, citizen_id=cancelled.citizen_id, now=NOW)
    session.commit()
    for action in (staff.claim, staff.mark_contacted, staff.close):
        refused(session, staff.InvalidTransition, action, handoff_id=cancelled.id, coordinator_id=sari, now=NOW)
    assert session.get(Handoff, cancelled.id).status == "cancelled"


def test_claiming_twice_is_harmless(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    for minute in (1, 2):  # a double tap on the button
        staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW + timedelta(minutes=minute))
    session.commit()
    assert case.claimed_at == NOW + timedelta(minutes=1)
    assert len(audit(session, "handoff_claimed")) == 1 and len(outbox(session, "case_claimed")) == 1


def test_a_claim_made_meanwhile_by_the_pair_wins(session, sessions, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    stale = session.get(Handoff, case.id)  # Sari's screen still shows the case as new
    with sessions.begin() as other:
        staff.claim(other, handoff_id=case.id, coordinator_id=person("Anna").id, now=NOW)
    error = refused(session, staff.InvalidTransition, staff.claim, handoff_id=stale.id, coordinator_id=person("Sari").id,
                    now=NOW)
    assert "Anna" in str(error)


# Giving the case to the pair ---------------------------------------------------------------------------------

def test_give_to_pair_moves_the_case_and_sends_the_card(session, person, make_case):
    person("Anna").telegram_chat_id = "2002"
    case = make_case(at=NOW, coordinator="Sari")
    staff.give_to_pair(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    session.commit()
    assert (case.status, case.coordinator_id) == ("new", person("Anna").id)
    [card] = outbox(session, "handoff_given")
    assert card.recipient == "2002" and card.payload["card"]["description"] == "Äiti kaatui eilen eikä pärjää yksin"
    assert outbox(session, "case_reassigned") == []  # the citizen was not told a name yet
    [event] = audit(session, "handoff_given_to_pair")
    assert event.details == {"coordinator_id": person("Sari").id, "from_coordinator_id": person("Sari").id,
                             "to_coordinator_id": person("Anna").id}

    staff.claim(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=NOW + timedelta(minutes=1))
    staff.give_to_pair(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=NOW + timedelta(minutes=2))
    session.commit()
    assert (case.status, case.coordinator_id) == ("claimed", person("Sari").id)
    [told] = outbox(session, "case_reassigned")
    assert told.recipient == "citizen-1" and told.payload["coordinator"] == "Sari"


def test_give_to_pair_needs_a_pair_who_is_in(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    staff.set_away(session, coordinator_id=person("Anna").id, until=None, now=NOW)
    error = refused(session, staff.PairUnavailable, staff.give_to_pair, handoff_id=case.id,
                    coordinator_id=person("Sari").id, now=NOW)
    assert "Anna is away" in str(error)
    unit_case = make_case(at=NOW, coordinator=None, unit="sipoo")
    refused(session, staff.InvalidTransition, staff.give_to_pair, handoff_id=unit_case.id,
            coordinator_id=person("Leena").id, now=NOW)


# Away and back -----------------------------------------------------------------------------------------------

def test_away_and_back_steer_routing(session, person):
    def chosen() -> str:
        session.expire_all()
        return choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW).coordinator.first_name

    sari = person("Sari").id
    assert chosen() == "Sari"
    staff.set_away(session, coordinator_id=sari, until=NOW + timedelta(days=2), now=NOW - timedelta(hours=1))
    session.commit()
    assert chosen() == "Anna"
    staff.set_away(session, coordinator_id=sari, until=None, now=NOW)  # extended until further notice
    session.commit()
    assert len(person("Sari").absences) == 1 and person("Sari").absences[0].ends_at is None
    assert staff.set_back(session, coordinator_id=sari, now=NOW + timedelta(minutes=1)) == 1
    session.commit()
    later = NOW + timedelta(minutes=2)
    assert choose(session, topic="home_support", municipality="porvoo", lang="fi", now=later).coordinator.first_name == "Sari"
    assert [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "coordinator_away", "coordinator_away", "coordinator_back"]
    with pytest.raises(staff.InvalidPeriod):
        staff.set_away(session, coordinator_id=sari, until=NOW, now=NOW)
    with pytest.raises(staff.UnknownCoordinator):
        staff.set_back(session, coordinator_id=999, now=NOW)
