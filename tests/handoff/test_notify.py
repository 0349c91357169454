"""Who hears of a case on which channel: Telegram where linked and the unit allows it, e-mail without client data
for what calls for action, the unit's readers by e-mail when it has no group to tell. Both databases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Absence, Handoff, Outbox, Unit
from bot.handoff import relay, staff
from bot.handoff.crisis_alert import alert_staff
from bot.handoff.escalation import escalate_due
from bot.handoff.outbox import notify_handoff_created
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)  # a Tuesday morning: the demo units are open
WORDS = "Äiti kaatui eilen eikä pärjää yksin"
PHONE = "+358401234567"


def rows(session, **where) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(channel, recipient, kind) of the queued rows, oldest first."""
    session.expire_all()
    query = select(Outbox).order_by(Outbox.id).filter_by(**where)
    return [(row.channel, row.recipient, row.kind) for row in session.scalars(query)]


def emails(session, kind: str | None = None) -> list[Outbox]:  # noqa: ANN001
    session.expire_all()
    query = select(Outbox).where(Outbox.channel == "email").order_by(Outbox.id)
    return list(session.scalars(query.where(Outbox.kind == kind) if kind else query))


@pytest.fixture
def porvoo(session) -> Unit:  # noqa: ANN001
    return session.scalar(select(Unit).where(Unit.code == "porvoo"))


@pytest.fixture
def staffed(session, person, porvoo):  # noqa: ANN001
    """Sari has Telegram and e-mail, Anna e-mail only, Mikko Telegram only; Porvoo has a staff group."""
    sari, anna, mikko = person("Sari"), person("Anna"), person("Mikko")
    sari.telegram_chat_id, sari.email = "1001", "sari.laine@hyvinvointialue.example"
    anna.email = "anna.lindholm@hyvinvointialue.example"
    mikko.telegram_chat_id = "1003"
    porvoo.staff_chat_id = "-100200"
    session.commit()
    return porvoo


def telegram_off(session, unit: Unit) -> None:  # noqa: ANN001
    unit.staff_telegram = False
    session.commit()


def test_a_new_case_is_carded_in_telegram_and_e_mailed_without_client_data(session, make_case, staffed, person):
    case = make_case(at=NOW, on_handoff=notify_handoff_created)  # to Sari, naming Anna
    assert rows(session) == [("telegram", "1001", "handoff_new"), ("email", f"coordinator:{person('Sari').id}",
                                                                    "handoff_new"),
                             ("telegram", "-100200", "handoff_new")]
    (mail,) = emails(session)
    assert mail.payload == {"handoff_id": case.id, "lang": "fi", "to": "sari.laine@hyvinvointialue.example"}
    assert mail.handoff_id == case.id and mail.dedupe_key.endswith(":email")


def test_a_unit_with_telegram_off_gets_no_card_anywhere_in_telegram(session, make_case, staffed, person):
    telegram_off(session, staffed)
    make_case(at=NOW, on_handoff=notify_handoff_created)
    assert rows(session) == [("email", f"coordinator:{person('Sari').id}", "handoff_new")]


def test_the_citizens_words_go_by_e_mail_only_when_the_unit_keeps_telegram_out(session, make_case, staffed, person):
    telegram_off(session, staffed)
    case = make_case(at=NOW, phone=None)
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    session.commit()
    relay.pass_on(session, session.get(Handoff, case.id), kind="relay_in", action="relayed", text="Apua kiitos",
                  now=NOW)
    relay.pass_on(session, session.get(Handoff, case.id), kind="case_addition", action="added",
                  text="Ja isäkin on sairas", now=NOW)
    session.commit()
    assert [row for row in rows(session) if row[2] in ("relay_in", "case_addition")] == [
        ("email", f"coordinator:{person('Sari').id}", "relay_in")]  # the addition waits in the console
    assert not [row for row in rows(session, channel="telegram") if row[2] != "case_claimed"]
    assert "Apua" not in str(emails(session, "relay_in")[0].payload)


def test_a_lively_chat_is_one_e_mail_an_hour_but_every_word_goes_to_telegram(session, make_case, staffed, person):
    case = make_case(at=NOW, phone=None)
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    for minutes, text in ((1, "Hei"), (2, "Oletko siellä?"), (70, "Vielä yksi asia")):
        relay.pass_on(session, session.get(Handoff, case.id), kind="relay_in", action="relayed", text=text,
                      now=NOW + timedelta(minutes=minutes))
    session.commit()
    assert len(rows(session, channel="telegram", kind="relay_in")) == 3
    assert len(emails(session, "relay_in")) == 2


def test_a_crisis_alert_never_goes_to_a_unit_that_keeps_telegram_out(session, make_case, staffed):
    case = make_case(at=NOW)
    assert alert_staff(session, citizen_id=case.citizen_id, help_kind="suicidal", lang="fi", now=NOW,
                       tz="Europe/Helsinki")
    session.rollback()
    telegram_off(session, staffed)
    assert not alert_staff(session, citizen_id=case.citizen_id, help_kind="suicidal", lang="fi", now=NOW,
                           tz="Europe/Helsinki")
    session.commit()
    assert rows(session, kind="crisis_alert") == []


def test_a_swedish_coordinator_is_e_mailed_in_swedish(session, make_case, person):
    person("Henrik").email = "henrik.sjoberg@hyvinvointialue.example"
    session.commit()
    make_case(at=NOW, coordinator="Henrik", lang="sv", on_handoff=notify_handoff_created)
    (mail,) = emails(session)
    assert mail.payload["lang"] == "sv"


def test_an_unassigned_case_escalates_by_e_mail_to_the_units_readers_who_are_here(session, make_case, staffed, person):
    telegram_off(session, staffed)
    person("Johanna").email = "johanna@hyvinvointialue.example"
    case = make_case(at=NOW, coordinator=None, phone=None)  # to the unit: the consent names nobody
    session.add(Absence(coordinator_id=person("Johanna").id, starts_at=NOW, ends_at=None))
    session.commit()
    escalate_due(session, now=NOW + timedelta(hours=2), claim_timeout=timedelta(hours=2), tz="Europe/Helsinki")
    session.commit()
    # Level 1 has no pair to ask (nobody was assigned): the unit's readers with an address, Johanna being away.
    sari, anna = person("Sari"), person("Anna")
    assert {row.recipient for row in emails(session, "handoff_escalated")} == {f"coordinator:{sari.id}",
                                                                               f"coordinator:{anna.id}"}
    assert rows(session, channel="telegram") == []
    assert session.get(Handoff, case.id).escalation_level == 1


def test_escalation_to_the_unit_e_mails_only_the_people_the_consent_names(session, make_case, staffed, person):
    staffed.staff_chat_id = None  # no group: the unit is told by e-mail
    person("Johanna").email = "johanna@hyvinvointialue.example"
    session.commit()
    case = make_case(at=NOW)  # to Sari, naming Anna
    escalate_due(session, now=NOW + timedelta(hours=4), claim_timeout=timedelta(hours=2), tz="Europe/Helsinki")
    session.commit()
    sari, anna = person("Sari"), person("Anna")
    keys = {row.dedupe_key: row.recipient for row in emails(session, "handoff_escalated")}
    assert keys == {f"escalated:{case.id}:1:c{anna.id}:email": f"coordinator:{anna.id}",
                    f"escalated:{case.id}:2:unit:c{sari.id}:email": f"coordinator:{sari.id}",
                    f"escalated:{case.id}:2:unit:c{anna.id}:email": f"coordinator:{anna.id}"}  # never Johanna


def test_the_same_notification_is_queued_once_per_channel(session, make_case, staffed):
    case = make_case(at=NOW, on_handoff=notify_handoff_created)
    notify_handoff_created(session, session.get(Handoff, case.id))  # a second call (a retried turn)
    session.commit()
    assert len(rows(session, kind="handoff_new")) == 3
