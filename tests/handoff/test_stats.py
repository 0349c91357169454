"""Statistics without people: counted when it happens (need, handoff, contacted, crisis help, feedback), by the
county's local day, and left whole by erasure and retention. Both databases."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import StatCount
from bot.handoff import stats
from bot.handoff.retention import Periods, purge
from tests.handoff.test_erasure import delete_everything, whole_case, with_staff

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
        (DAY, "contacted", "transport_service", "fi"): 1,
        (DAY, "crisis_help", "", "fi"): 1,
        (DAY, "feedback_4", "transport_service", "fi"): 1,
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
