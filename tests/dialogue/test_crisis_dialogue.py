"""Transcripts, fi and sv: the right help for the situation at once from any step, no alarm on everyday words,
help numbers given when asked, "I already called 112" acknowledged, and staff shown a crisis while the unit is open."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.db.models import AuditEvent, Outbox, Unit
from bot.demo import seed
from bot.db.session import make_sessionmaker
from tests.auxil.chat import Chat

POISON = "0800 147 111"
CRISIS_LINE_FI, CRISIS_LINE_SV = "09 2525 0111", "09 2525 0112"


def alarms(services) -> int:
    with services.sessions() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.action == "crisis_detected")).all())


def at_for_whom(chat: Chat, lang: str) -> None:
    chat.start(lang)
    chat.say("kuljetuspalvelu" if lang == "fi" else "färdtjänst")
    chat.press("Kyllä, haluan yhteydenoton" if lang == "fi" else "Ja, jag vill bli kontaktad")
    chat.say("Isä on 84 eikä pysty kävelemään pysäkille." if lang == "fi"
             else "Pappa är 84 och klarar int att gå till busshållplatsen.")


@pytest.mark.parametrize("answer", ["isäni", "isä", "äitini", "mieheni", "vaimoni", "itse", "itselle", "mummo",
                                    "Minua itseäni", "pappa", "1", "isä tarvitsee taksin"])
def test_short_answers_at_a_button_step_raise_no_alarm_fi(chat, services, answer):
    at_for_whom(chat, "fi")
    chat.say(answer)
    assert "112" not in chat.text
    assert alarms(services) == 0


@pytest.mark.parametrize("answer", ["min man", "Mig själv", "pappa", "mamma", "mommo", "2"])
def test_short_answers_at_a_button_step_raise_no_alarm_sv(chat, services, answer):
    at_for_whom(chat, "sv")
    chat.say(answer)
    assert "112" not in chat.text
    assert alarms(services) == 0


@pytest.mark.parametrize("message", [
    "kuljetuspalvelu",
    "isä tarvitsee taksin",
    "Mamma bor ensam i Lovisa och har ramlat två gånger.",
    "ei mulla mitään itsetuhoisia ajatuksia, oon vaan tosi väsynyt",
    "kuolen nälkään kun ruoka-apua ei saa mistään",
    "det här tar livet av mig, alla blanketter till FPA",
    "mieheni juo liikaa ja olen huolissani hänestä, mistä saisin apua",
])
def test_everyday_first_messages_raise_no_alarm(chat, services, message):
    chat.start("fi")
    chat.say(message)
    assert alarms(services) == 0
    assert "hätänumeroon" not in chat.text and "nödnumret" not in chat.text  # (a card may name 112 itself)


def test_a_poisoning_gets_the_poison_information_centre_not_the_suicide_line(chat, services):
    chat.start("fi")
    chat.say("lapsi joi pesuainetta")
    assert POISON in chat.text and CRISIS_LINE_FI not in chat.text
    assert alarms(services) == 1


def test_chest_pain_gets_112_and_no_crisis_line(chat):
    chat.start("sv")
    chat.say("pappa har jätteont i bröstet och det strålar ut i armen")
    assert "112" in chat.text and CRISIS_LINE_SV not in chat.text


def test_suicidal_thoughts_get_112_and_the_crisis_line_from_any_step(chat):
    at_for_whom(chat, "fi")
    chat.say("en jaksa enää elää")
    assert "112" in chat.text and CRISIS_LINE_FI in chat.text
    assert "Olen yhä tässä" not in chat.text  # nobody is implied to be present


def test_a_farewell_without_the_obvious_words_is_caught(chat):
    chat.start("fi")
    chat.say("kiitos kaikesta, olen laittanut asiat järjestykseen ja antanut kissan naapurille. en ole enää huomenna täällä")
    assert "112" in chat.text and CRISIS_LINE_FI in chat.text


@pytest.mark.parametrize(("lang", "question", "number"), [
    ("fi", "mikä on kriisipuhelimen numero", CRISIS_LINE_FI),
    ("fi", "tarviin kriisipuhelimen numeron", CRISIS_LINE_FI),
    ("fi", "myrkytystietokeskuksen numero?", POISON),
    ("sv", "vad är numret till kristelefonen", CRISIS_LINE_SV),
])
def test_a_question_for_a_help_number_is_answered_with_it(chat, services, lang, question, number):
    chat.start(lang)
    chat.say(question)
    assert number in chat.text
    assert "En ihan ymmärtänyt" not in chat.text and "DIGITUKI" not in chat.text.upper()
    assert alarms(services) == 0


def test_already_called_112_is_acknowledged_and_the_need_goes_on(chat, services):
    chat.start("fi")
    chat.say("soitin jo 112, ambulanssi tulee, mutta tarvitsisin apua isälle kotiin kun se pääsee sairaalasta")
    assert "112" in chat.text
    assert CRISIS_LINE_FI not in chat.text
    assert "Haluatko, että palveluohjaaja ottaa sinuun yhteyttä" in chat.text  # the need went on to a card


@contextmanager
def with_staff_groups(settings, classifier, *, at: datetime):
    """Services whose clock stands at `at` (Helsinki time) and whose units all have a staff group chat."""
    from bot.services import build

    services = build(settings, classifier=classifier, clock=lambda: at.astimezone(UTC))
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
        session.execute(update(Unit).values(staff_chat_id="-100200"))
    try:
        yield services
    finally:
        services.close()


def test_a_crisis_in_opening_hours_is_shown_to_the_units_staff_and_the_citizen_is_told(settings, embedded_classifier):
    opened = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # a Tuesday
    with with_staff_groups(settings, embedded_classifier, at=opened) as services:
        chat = Chat(services, user="citizen-9")
        chat.start("fi")
        chat.say("haluan kuolla")
        assert "112" in chat.text and "lähitorin työntekijöille" in chat.text
        with services.sessions() as session:
            row = session.scalar(select(Outbox).where(Outbox.kind == "crisis_alert"))
            assert row is not None and row.recipient == "-100200"
            assert "kuolla" not in str(row.payload)  # no words of the citizen


def test_a_crisis_outside_opening_hours_says_nobody_is_reading_now(settings, embedded_classifier):
    night = datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("Europe/Helsinki"))
    with with_staff_groups(settings, embedded_classifier, at=night) as services:
        chat = Chat(services, user="citizen-10")
        chat.start("sv")
        chat.say("jag vill dö")
        assert "112" in chat.text and CRISIS_LINE_SV in chat.text
        with services.sessions() as session:
            assert session.scalar(select(Outbox).where(Outbox.kind == "crisis_alert")) is None
        assert "lähitorin työntekijöille" not in chat.text and "närtorgets personal" not in chat.text
