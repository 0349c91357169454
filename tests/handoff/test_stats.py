"""Statistics without people: counted when it happens (need, handoff, contacted, crisis help, feedback), by the
county's local day, and left whole by erasure and retention. Both databases."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import StatCount
from bot.handoff import staff, stats
from bot.handoff.retention import Periods, purge
from tests.auxil.chat import Chat
from tests.handoff.test_erasure import delete_everything, whole_case, with_staff
from tests.handoff.test_relay import WAY, hand_off

DAY = date(2026, 11, 24)  # the clock fixture's Tuesday


@pytest.fixture
def embedded_classifier(keyword_classifier):
    return keyword_classifier


@pytest.fixture
def bot(services, clock):
    return with_staff(services, clock)


def figures(services) -> dict[tuple, int]:
    with services.sessions() as session:
        return stats.figures(session)


def test_counting_adds_one_per_key_on_both_databases(session):
    for _ in range(3):
        stats.count(session, metric="need", day=DAY, topic="home_support", language="fi")
    stats.count(session, metric="need", day=DAY, topic="home_support", language="sv")
    stats.count(session, metric="crisis_help", day=DAY, language="fi")
    stats.count(session, metric="need", day=DAY + timedelta(days=1), topic="home_support", language="fi")
    session.commit()
    assert stats.figures(session) == {(DAY, "need", "home_support", "fi"): 3, (DAY, "need", "home_support", "sv"): 1,
                                      (DAY, "crisis_help", "", "fi"): 1,
                                      (DAY + timedelta(days=1), "need", "home_support", "fi"): 1}
    assert stats.figures(session, since=DAY + timedelta(days=1)) == {
        (DAY + timedelta(days=1), "need", "home_support", "fi"): 1}
    with pytest.raises(ValueError, match="unknown metric"):
        stats.count(session, metric="citizen_7", day=DAY)
    assert [c.name for c in StatCount.__table__.columns] == ["id", "day", "metric", "topic", "language", "municipality",
                                                             "channel", "unit", "bucket", "count"]


def test_the_day_is_the_countys_local_date():
    assert stats.local_day(datetime(2026, 11, 24, 22, 30, tzinfo=UTC)) == date(2026, 11, 25)  # 00.30 in Helsinki
    assert stats.local_day(datetime(2026, 11, 24, 21, 30, tzinfo=UTC)) == date(2026, 11, 24)
    assert stats.local_day(datetime(2026, 11, 24, 22, 30, tzinfo=UTC), "UTC") == date(2026, 11, 24)


def test_a_whole_case_is_counted_and_erasure_and_retention_leave_the_counts(bot, clock):
    chat, _first, _second = whole_case(bot)
    counted = figures(bot)
    assert counted == {
        (DAY, "need", "transport_service", "fi"): 2,  # the chat case and the phone case
        (DAY, "handoff", "transport_service", "fi"): 2,
        (DAY, "claimed", "transport_service", "fi"): 1,
        (DAY, "contacted", "transport_service", "fi"): 1,
        (DAY, "contact_promise", "transport_service", "fi"): 1,
        (DAY, "crisis_help", "", "fi"): 1,
        (DAY, "feedback_4", "transport_service", "fi"): 1,
    }
    with bot.sessions() as session:  # every key: coarse codes only, nothing that leads to the person
        keyed = {row[1:-1]: row[-1] for row in stats.rows(session)}
    topic = ("transport_service", "fi")
    assert keyed == {
        ("need", *topic, "porvoo", "telegram", "", ""): 2,
        ("handoff", *topic, "porvoo", "telegram", "porvoo", ""): 2,
        ("claimed", *topic, "", "", "porvoo", "<1h"): 1,  # claimed and contacted at once on the frozen clock
        ("contacted", *topic, "", "", "porvoo", "<1h"): 1,
        ("contact_promise", *topic, "", "", "porvoo", "on_time"): 1,
        ("crisis_help", "", "fi", "", "telegram", "", "suicidal"): 1,
        ("feedback_4", *topic, "", "telegram", "porvoo", ""): 1,
    }
    delete_everything(chat, update_id=9001)
    assert figures(bot) == counted
    for days in (40, 200, 800):
        with bot.sessions.begin() as session:
            purge(session, now=clock() + timedelta(days=days), periods=Periods())
    assert figures(bot) == counted


def test_the_crisis_help_is_counted_once_per_help_given_and_not_for_an_acknowledged_call(chat, services):
    chat.start("fi")
    chat.say("en jaksa enää elää, haluan kuolla")
    chat.say("soitin jo 112, ambulanssi on tulossa")
    with services.sessions() as session:
        assert [(row.metric, row.topic, row.count) for row in session.scalars(select(StatCount))] == [
            ("crisis_help", "", 1)]


def test_a_matter_ended_with_the_card_alone_is_counted_once_and_a_declined_consent_as_declined(bot):
    alone = Chat(bot, user="card-only", channel="telegram")
    alone.start("fi")
    alone.say(WAY["fi"]["need"])  # the transport service's card, and the offer of contact
    alone.press("tämä riitti")
    assert "Oliko tästä keskustelusta sinulle apua" in alone.text
    alone.press("5")
    alone.press("Ohita")
    declined = Chat(bot, user="declines", channel="telegram")
    hand_off(declined, "sv", consent=False)
    declined.press("Nej")
    declined.press("Nej tack, det var allt")  # to the feedback question: not a card-only matter, a need was recorded
    with bot.sessions() as session:
        keyed = {row[1:-1]: row[-1] for row in stats.rows(session) if row[1] != "feedback_5"}
    assert keyed == {
        ("guidance_only", "transport_service", "fi", "", "telegram", "", ""): 1,
        ("need", "transport_service", "sv", "porvoo", "telegram", "", ""): 1,
        ("consent_declined", "transport_service", "sv", "porvoo", "telegram", "porvoo", ""): 1,
    }


def test_waits_fall_in_bands_of_working_hours_and_the_promise_is_compared():
    assert [stats.band(timedelta(minutes=m)) for m in (0, 59, 60, 239, 240, 479, 480, 1439, 1440, 4319, 4320)] == [
        "<1h", "<1h", "1-4h", "1-4h", "4-8h", "4-8h", "8-24h", "8-24h", "24-72h", "24-72h", ">72h"]


def test_a_claim_after_a_weekend_waits_only_the_working_hours(session, make_case, person):
    friday = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 14.00 in Helsinki: an hour before Porvoo closes at 15
    case = make_case(at=friday)
    monday = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # 9.30 on Monday: 67.5 hours later, 1.5 working hours
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=monday)
    session.commit()
    assert {row[-2] for row in stats.rows(session) if row[1] == "claimed"} == {"1-4h"}
