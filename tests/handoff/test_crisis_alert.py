"""A crisis answer is shown to the unit's staff group while the unit is open: no words, no identity; in the staff's
language; nothing outside opening hours or without a staff group."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Outbox, Unit
from bot.handoff.crisis_alert import alert_staff

HKI = ZoneInfo("Europe/Helsinki")
OPEN = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)  # a Tuesday morning
NIGHT = datetime(2026, 11, 24, 22, 0, tzinfo=HKI)
HOLIDAY = datetime(2026, 12, 24, 11, 0, tzinfo=HKI)  # Christmas Eve, a Thursday


@pytest.fixture
def grouped(services):
    with services.sessions.begin() as session:
        for unit in session.scalars(select(Unit)):
            unit.staff_chat_id = f"-100{unit.id}"
    return services


def alert(services, at: datetime, *, citizen_id: int = 7, lang: str = "fi") -> bool:
    with services.sessions.begin() as session:
        return alert_staff(session, citizen_id=citizen_id, help_kind="suicidal", lang=lang, now=at,
                           tz="Europe/Helsinki")


def rows(services) -> list[Outbox]:
    with services.sessions() as session:
        found = session.scalars(select(Outbox).where(Outbox.kind == "crisis_alert")).all()
        session.expunge_all()
        return list(found)


def test_an_alert_goes_to_the_staff_group_while_the_unit_is_open(grouped):
    assert alert(grouped, OPEN)
    (row,) = rows(grouped)
    assert row.recipient.startswith("-100") and row.payload["help"] == "suicidal"
    assert "7" not in row.dedupe_key.split(":")[1:2]  # no citizen id in the key, which outlives an erasure


@pytest.mark.parametrize("at", [NIGHT, HOLIDAY])
def test_no_alert_outside_opening_hours(grouped, at):
    assert not alert(grouped, at)
    assert rows(grouped) == []


def test_no_alert_without_a_staff_group(services):
    assert not alert(services, OPEN)
    assert rows(services) == []


@pytest.mark.parametrize(("lang", "expected"), [("fi", "Botti antoi juuri hätäohjeet"),
                                                 ("sv", "Boten gav just nödanvisningar")])
def test_the_alert_reads_in_the_staff_language_without_the_citizens_words(grouped, lang, expected):
    from bot.channels.telegram_outbox import OutboxSender
    from bot.channels.telegram_staff import StaffDesk

    alert(grouped, OPEN, lang="sv")
    (row,) = rows(grouped)
    row.payload = {**row.payload, "lang": lang}
    ((text, _keyboard),) = OutboxSender(grouped, None, StaffDesk(grouped)).render(row)  # type: ignore[arg-type]
    assert expected in text and "10.00" in text  # Helsinki time, Finland's format in both languages
    assert ("ruotsi" if lang == "fi" else "svenska") in text  # the citizen's language, for answering the phone
