"""The follow-up question after a closed case (a unit's choice), on SQLite and PostgreSQL: sent once, only when the
unit asks and the citizen consented, in their language; the answer counted once and not kept with the case; and the
answer button in a real conversation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Citizen, Handoff, Outbox, StatCount, Unit
from bot.handoff import follow_up, staff
from bot.handoff.consent import withdraw_all
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)


def closed(session, person, make_case, *, lang: str = "fi", at=NOW) -> Handoff:  # noqa: ANN001
    case = make_case(at=at, coordinator="Sari", lang=lang)
    sari = person("Sari").id
    staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=at)
    staff.close(session, handoff_id=case.id, coordinator_id=sari, now=at, outcome="guidance")
    session.commit()
    return case


def asks_after(session, days: int | None) -> None:  # noqa: ANN001
    session.scalars(select(Unit).where(Unit.code == "porvoo")).one().follow_up_days = days
    session.commit()


def test_sent_once_after_the_units_days_in_the_citizens_language(session, person, make_case):
    fi, sv = closed(session, person, make_case), closed(session, person, make_case, lang="sv")
    assert follow_up.send_due(session, now=NOW + timedelta(days=30)) == 0  # the unit does not ask
    asks_after(session, 14)
    assert follow_up.send_due(session, now=NOW + timedelta(days=13)) == 0
    assert follow_up.send_due(session, now=NOW + timedelta(days=14, minutes=1)) == 2
    assert follow_up.send_due(session, now=NOW + timedelta(days=20)) == 0  # once
    session.commit()
    rows = session.scalars(select(Outbox).where(Outbox.kind == follow_up.KIND).order_by(Outbox.id)).all()
    assert [(row.recipient, row.payload["lang"], row.payload["case"]) for row in rows] == [
        (session.get(Citizen, case.citizen_id).external_id, lang, case.id) for case, lang in ((fi, "fi"), (sv, "sv"))]


def test_no_question_without_consent_to_contact(session, person, make_case):
    asks_after(session, 7)
    case = closed(session, person, make_case)
    withdraw_all(session, citizen_id=case.citizen_id, now=NOW + timedelta(days=1))
    session.commit()
    follow_up.send_due(session, now=NOW + timedelta(days=8))
    session.commit()
    assert session.scalars(select(Outbox).where(Outbox.kind == follow_up.KIND)).all() == []
    session.expire_all()
    assert session.get(Handoff, case.id).follow_up_sent_at is not None  # looked at once, never again


def test_the_answer_is_counted_once_and_only_by_the_citizen_of_the_case(session, person, make_case):
    asks_after(session, 7)
    case, other = closed(session, person, make_case), closed(session, person, make_case)
    follow_up.send_due(session, now=NOW + timedelta(days=8))
    later = NOW + timedelta(days=9)
    assert not follow_up.answer(session, citizen_id=other.citizen_id, handoff_id=case.id, answer="yes", now=later)
    assert follow_up.answer(session, citizen_id=case.citizen_id, handoff_id=case.id, answer="partly", now=later)
    assert not follow_up.answer(session, citizen_id=case.citizen_id, handoff_id=case.id, answer="yes", now=later)
    session.commit()
    counts = {(row.metric, row.unit, row.topic): row.count for row in session.scalars(
        select(StatCount).where(StatCount.metric.like("follow_up_%")))}
    assert counts == {("follow_up_partly", "porvoo", "home_support"): 1}
    assert follow_up.parse("fu:12:no") == (12, "no") and follow_up.parse("fu:12:maybe") is None


def test_the_answer_button_in_a_conversation(chat, services):
    from tests.dialogue.test_conversations import reach_consent_fi

    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    with services.sessions.begin() as session:
        case = session.scalars(select(Handoff)).one()
        sari = case.coordinator_id
        staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=services.clock())
        staff.close(session, handoff_id=case.id, coordinator_id=sari, now=services.clock(), outcome="phone")
        case.unit.follow_up_days = 7
    with services.sessions.begin() as session:
        assert follow_up.send_due(session, now=services.clock() + timedelta(days=8)) == 1
        case_id = session.scalars(select(Handoff.id)).one()
    chat.press_payload(f"fu:{case_id}:no")
    assert "olemme pahoillamme" in chat.text and "katsomme asiaa uudelleen" in chat.text
    chat.press_payload(f"fu:{case_id}:yes")
    assert "on jo otettu huomioon" in chat.text


def test_the_question_as_telegram_shows_it_in_swedish(session, person, make_case, services):
    from bot.channels.telegram_outbox import OutboxSender

    asks_after(session, 7)
    closed(session, person, make_case, lang="sv")
    follow_up.send_due(session, now=NOW + timedelta(days=8))
    session.commit()
    row = session.scalars(select(Outbox).where(Outbox.kind == follow_up.KIND)).one()
    [(text, markup)] = OutboxSender(services, bot=None, desk=None).render(row)  # type: ignore[arg-type]
    assert text.startswith("Vi hjälpte dig för en tid sedan med ärende #1. Fick du den hjälp du behövde?")
    buttons = [(b.text, b.callback_data) for row_ in markup.inline_keyboard for b in row_]
    assert buttons == [("Ja", "fu:1:yes"), ("Delvis", "fu:1:partly"), ("Nej", "fu:1:no")]
