"""A unit's staff group: asked for by a coordinator, approved by an administrator; until then it gets nothing (no
card, no escalation, no crisis alert); revoked or left, what is queued to it is not sent."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEvent, Outbox, Unit
from bot.handoff import staff, staff_group
from bot.handoff.crisis_alert import alert_staff
from bot.handoff.escalation import escalate_due
from bot.handoff.outbox import notify_handoff_created
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)  # a Tuesday morning: the demo units are open
GROUP, OTHER = "-100777", "-100888"


def porvoo(session) -> Unit:  # noqa: ANN001
    return session.scalar(select(Unit).where(Unit.code == "porvoo"))


def to(session, chat: str) -> list[str]:  # noqa: ANN001
    """The kinds of what is queued to `chat`."""
    return list(session.scalars(select(Outbox.kind).where(Outbox.recipient == chat).order_by(Outbox.id)))


def audit(session, action: str) -> list[AuditEvent]:  # noqa: ANN001
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def everything_for_the_group(session, make_case) -> None:  # noqa: ANN001
    """A unit case (full card to the group), a crisis, and the case left unclaimed past the escalation."""
    case = make_case(at=NOW, coordinator=None, phone=None, on_handoff=notify_handoff_created)
    alert_staff(session, citizen_id=case.citizen_id, help_kind="suicidal", lang="fi", now=NOW, tz="Europe/Helsinki")
    escalate_due(session, now=NOW + timedelta(days=3), claim_timeout=timedelta(hours=2), tz="Europe/Helsinki")
    session.commit()


def test_a_requested_group_waits_for_approval_and_gets_nothing(session, person, make_case):
    unit = staff_group.request_unit_group(session, coordinator_id=person("Sari").id, chat_id=int(GROUP), now=NOW)
    session.commit()
    assert (unit.staff_chat_id, unit.staff_chat_pending) == (None, GROUP)
    [asked] = audit(session, "unit_group_requested")
    assert asked.actor == f"coordinator:{person('Sari').id}" and asked.details["unit_id"] == unit.id

    everything_for_the_group(session, make_case)
    assert to(session, GROUP) == []
    assert session.scalars(select(Outbox.kind)).all() == [], "nobody linked, no approved group: nothing queued"


def test_after_approval_the_group_gets_cards_escalations_and_crisis_alerts(session, person, make_case):
    staff_group.request_unit_group(session, coordinator_id=person("Sari").id, chat_id=GROUP, now=NOW)
    unit = staff_group.approve_unit_group(session, unit_id=porvoo(session).id, now=NOW)
    session.commit()
    assert (unit.staff_chat_id, unit.staff_chat_pending) == (GROUP, None)
    [approved] = audit(session, "unit_group_approved")
    assert approved.actor == "admin" and approved.details == {"unit_id": unit.id, "replaced": False}

    everything_for_the_group(session, make_case)
    assert set(to(session, GROUP)) == {"handoff_new", "crisis_alert", "handoff_escalated"}
    with pytest.raises(staff.NoPendingGroup):
        staff_group.approve_unit_group(session, unit_id=unit.id, now=NOW)


def test_a_new_request_does_not_move_the_cards_until_approved_and_then_replaces_the_old_group(session, person,
                                                                                           make_case):
    unit = porvoo(session)
    unit.staff_chat_id = GROUP
    session.commit()
    staff_group.request_unit_group(session, coordinator_id=person("Anna").id, chat_id=OTHER, now=NOW)
    make_case(at=NOW, coordinator=None, phone=None, on_handoff=notify_handoff_created)
    assert (to(session, GROUP), to(session, OTHER)) == (["handoff_new"], [])

    staff_group.approve_unit_group(session, unit_id=unit.id, now=NOW)
    session.commit()
    assert to(session, GROUP) == [], "what was queued to the replaced group is not sent"
    assert audit(session, "unit_group_approved")[0].details["replaced"] is True
    make_case(at=NOW, coordinator=None, phone=None, on_handoff=notify_handoff_created)
    assert (to(session, GROUP), to(session, OTHER)) == ([], ["handoff_new"])

    # /unitgroup again in the approved group changes nothing and asks nothing.
    assert staff_group.request_unit_group(session, coordinator_id=person("Anna").id, chat_id=OTHER,
                                          now=NOW).staff_chat_pending is None


def test_revoke_stops_the_group_and_turns_down_a_waiting_request(session, person, make_case):
    unit = porvoo(session)
    unit.staff_chat_id = GROUP
    session.commit()
    make_case(at=NOW, coordinator=None, phone=None, on_handoff=notify_handoff_created)
    staff_group.request_unit_group(session, coordinator_id=person("Sari").id, chat_id=OTHER, now=NOW)
    assert staff_group.revoke_unit_group(session, unit_id=unit.id, now=NOW) == (GROUP, OTHER)
    session.commit()
    assert (unit.staff_chat_id, unit.staff_chat_pending) == (None, None)
    assert to(session, GROUP) == [], "the queued card is not sent"
    [revoked] = audit(session, "unit_group_revoked")
    assert revoked.actor == "admin" and revoked.details == {"unit_id": unit.id, "was_approved": True,
                                                            "was_pending": True, "unsent_dropped": 1}
    with pytest.raises(staff.NoUnitGroup):
        staff_group.revoke_unit_group(session, unit_id=unit.id, now=NOW)
    everything_for_the_group(session, make_case)
    assert to(session, GROUP) == to(session, OTHER) == []


def test_a_coordinator_takes_the_cases_out_of_a_group_without_an_administrator(session, person, make_case):
    unit = porvoo(session)
    unit.staff_chat_id, unit.staff_chat_pending = GROUP, OTHER
    session.commit()
    make_case(at=NOW, coordinator=None, phone=None, on_handoff=notify_handoff_created)
    staff_group.leave_unit_group(session, coordinator_id=person("Sari").id, chat_id=GROUP, now=NOW)
    staff_group.leave_unit_group(session, coordinator_id=person("Sari").id, chat_id=OTHER, now=NOW)
    session.commit()
    assert (unit.staff_chat_id, unit.staff_chat_pending, to(session, GROUP)) == (None, None, [])
    assert [(e.details["was_approved"], e.details["was_pending"]) for e in audit(session, "unit_group_removed")] == [
        (True, False), (False, True)]


def test_an_inactive_coordinator_cannot_ask_for_a_group(session, person):
    person("Mikko").active = False
    session.commit()
    with pytest.raises(staff.CoordinatorInactive):
        staff_group.request_unit_group(session, coordinator_id=person("Mikko").id, chat_id=GROUP, now=NOW)
    assert porvoo(session).staff_chat_pending is None


def test_the_list_shows_each_unit_with_its_groups_and_who_asked(session, person):
    staff_group.request_unit_group(session, coordinator_id=person("Sari").id, chat_id=GROUP, now=NOW)
    session.commit()
    rows = {row.unit.code: row for row in staff_group.unit_groups(session)}
    assert (rows["porvoo"].pending, rows["porvoo"].approved, rows["porvoo"].asked_by.first_name) == (GROUP, None,
                                                                                                    "Sari")
    assert rows["porvoo"].asked_at == NOW
    assert all(row.pending is None and row.asked_by is None for code, row in rows.items() if code != "porvoo")
