"""Escalation of unclaimed cases in working time: the work pair after two working hours, then the unit's group."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEvent, Handoff, Outbox, Unit
from bot.handoff import staff
from bot.handoff.escalation import escalate_due
from tests.handoff.conftest import helsinki


@pytest.fixture
def linked(session, person):  # noqa: ANN001
    """Sari and Anna have linked their chats; Porvoo's staff group chat is set."""
    person("Sari").telegram_chat_id, person("Anna").telegram_chat_id = "1001", "1002"
    session.scalar(select(Unit).where(Unit.code == "porvoo")).staff_chat_id = "-100200"
    session.commit()


def escalations(session) -> list[tuple[int, str, int]]:  # noqa: ANN001
    session.expire_all()
    rows = session.scalars(select(Outbox).where(Outbox.kind == "handoff_escalated").order_by(Outbox.id))
    return [(row.payload["card"]["handoff_id"], row.recipient, row.payload["level"]) for row in rows]


def levels(session) -> list[int]:  # noqa: ANN001
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "handoff_escalated").order_by(AuditEvent.id))
    return [event.details["level"] for event in events]


def run(session, at) -> list[int]:  # noqa: ANN001
    escalated = escalate_due(session, now=at, claim_timeout=timedelta(hours=2), tz="Europe/Helsinki")
    session.commit()
    return escalated


def test_pair_after_two_working_hours_then_the_unit_group(session, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0))  # Tuesday, to Sari
    assert run(session, helsinki(2026, 11, 24, 11, 59)) == []
    assert escalations(session) == []

    assert run(session, helsinki(2026, 11, 24, 12, 0)) == [case.id]
    assert session.get(Handoff, case.id).escalation_level == 1
    assert escalations(session) == [(case.id, "1002", 1)]  # Anna, Sari's work pair
    anna_card = session.scalar(select(Outbox).where(Outbox.recipient == "1002")).payload["card"]
    assert anna_card["description"] == "Äiti kaatui eilen eikä pärjää yksin"  # the consent names Anna

    assert run(session, helsinki(2026, 11, 24, 13, 30)) == []  # never the same level twice
    assert run(session, helsinki(2026, 11, 24, 14, 0)) == [case.id]
    assert escalations(session)[-1] == (case.id, "-100200", 2)
    group_card = session.scalar(select(Outbox).where(Outbox.recipient == "-100200")).payload["card"]
    assert group_card["restricted"] is True and "description" not in group_card
    assert run(session, helsinki(2026, 11, 30, 14, 0)) == []
    assert levels(session) == [1, 2]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "handoff_escalated")).first()
    assert (event.actor, event.at, event.handoff_id) == ("system", helsinki(2026, 11, 24, 12, 0), case.id)


def test_a_friday_afternoon_case_waits_for_monday_working_hours(session, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 27, 15, 30))  # Friday, after closing at 15
    for day, hour in ((27, 18), (28, 12), (29, 23), (30, 9), (30, 10)):
        assert run(session, helsinki(2026, 11, day, hour, 59)) == [], (day, hour)
    assert run(session, helsinki(2026, 11, 30, 11, 0)) == [case.id]  # Monday 9-11 are the two working hours
    assert run(session, helsinki(2026, 11, 30, 12, 59)) == []
    assert run(session, helsinki(2026, 11, 30, 13, 0)) == [case.id]
    assert levels(session) == [1, 2]


def test_christmas_holidays_do_not_count(session, make_case, linked):
    make_case(at=helsinki(2026, 12, 23, 15, 0))  # Wednesday 15:00, one hour before closing
    assert run(session, helsinki(2026, 12, 28, 9, 59)) == []  # 24th-26th are holidays, 27th a Sunday
    assert len(run(session, helsinki(2026, 12, 28, 10, 0))) == 1


def test_claimed_cases_never_escalate(session, person, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0))
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=helsinki(2026, 11, 24, 11, 0))
    session.commit()
    assert run(session, helsinki(2026, 12, 24, 10, 0)) == []
    assert escalations(session) == [] and session.get(Handoff, case.id).escalation_level == 0


def test_a_late_run_takes_both_steps_once(session, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0))
    assert run(session, helsinki(2026, 11, 25, 10, 0)) == [case.id]
    assert levels(session) == [1, 2]
    assert [r[1] for r in escalations(session)] == ["1002", "-100200"]


def test_an_away_pair_is_skipped_for_the_unit_group(session, person, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0))
    staff.set_away(session, coordinator_id=person("Anna").id, until=None, now=helsinki(2026, 11, 24, 11, 0))
    session.commit()
    run(session, helsinki(2026, 11, 24, 12, 0))
    assert escalations(session) == [(case.id, "-100200", 1)]


def test_a_unit_case_escalates_to_the_group_with_the_card(session, make_case, linked):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0), coordinator=None, unit="porvoo")
    run(session, helsinki(2026, 11, 24, 12, 0))
    assert escalations(session) == [(case.id, "-100200", 1)]
    card = session.scalar(select(Outbox).where(Outbox.kind == "handoff_escalated")).payload["card"]
    assert card["description"] == "Äiti kaatui eilen eikä pärjää yksin"  # a unit consent allows the unit


def test_nobody_to_reach_still_counts_the_level(session, make_case):
    case = make_case(at=helsinki(2026, 11, 24, 10, 0), coordinator="Pirjo")  # Loviisa: nobody linked, no group
    assert run(session, helsinki(2026, 11, 24, 12, 0)) == [case.id]
    assert escalations(session) == [] and levels(session) == [1]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "handoff_escalated"))
    assert event.details == {"level": 1, "notified": []}
