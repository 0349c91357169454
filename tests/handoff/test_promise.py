"""The contact promise a citizen gets with their case: the unit's reply time for the urgency, said as a day and a
part of the day, how the contact comes, and their own wish about the time. Transcripts and the storage actions."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.db.models import Citizen, Handoff, Unit
from bot.dialogue.ports import OutOfArea
from bot.handoff.service import StoreActions
from bot.i18n import I18n
from tests.auxil.chat import Chat
from tests.handoff.conftest import FrozenClock, helsinki

FRIDAY_AFTERNOON = helsinki(2026, 12, 4, 14, 0)  # an hour before the demo units close for the weekend

# What a citizen presses and writes to hand an urgent transport-service need to Porvoo's lähitori by phone.
WAY = {
    "fi": {"need": "mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin", "want": "Kyllä, haluan yhteydenoton",
           "describe": "Isä on 84-vuotias eikä pysty enää kävelemään pysäkille.", "whom": "Läheistäni",
           "town": "Porvoo", "urgency": "parin päivän sisällä", "contact": "Soittamalla", "skip": "Ohita",
           "confirm": "Kyllä, oikein", "consent": "Kyllä, saa välittää", "phone_question": "Mihin numeroon"},
    "sv": {"need": "pappa behöver färdtjänst, han kan inte åka buss längre", "want": "Ja, jag vill bli kontaktad",
           "describe": "Han är 84 och klarar inte att gå till busshållplatsen.", "whom": "En närstående",
           "town": "Borgå", "urgency": "inom ett par dagar", "contact": "Per telefon", "skip": "Hoppa över",
           "confirm": "Ja, det stämmer", "consent": "Ja, det får skickas", "phone_question": "Till vilket nummer"},
}
ANSWERS = ("whom", "town", "urgency", "contact", "skip", "confirm", "consent")


@pytest.fixture
def embedded_classifier(keyword_classifier):
    """The keyword classifier: these transcripts are about the promise, not about understanding."""
    return keyword_classifier


def drive_to_handoff(chat: Chat, way: dict[str, str]) -> None:
    """Answer whatever the bot asks until the case is made (it may skip what it understood from the words)."""
    for _ in range(12):
        if "handoff_created" in chat.last.events:
            return
        if way["phone_question"] in chat.text:
            chat.say("040 123 4567")
            continue
        labels = [button.label.lower() for button in chat.buttons]
        key = next((k for k in ANSWERS if any(way[k].lower() in label for label in labels)), None)
        assert key is not None, f"an unexpected question: {chat.text}"
        chat.press(way[key])
    raise AssertionError(f"no case was made: {chat.text}")


@pytest.mark.parametrize(("lang", "handoff_text", "mycase_text"), [
    ("fi", "Hän ottaa sinuun yhteyttä viimeistään maanantaina 7.12.",
     "Seuraavaksi: sinuun otetaan yhteyttä viimeistään maanantaina 7.12."),
    ("sv", "senast måndag 7.12.", "Härnäst: du blir kontaktad senast måndag 7.12."),
])
def test_an_urgent_case_on_friday_afternoon_is_promised_by_monday(chat, services, lang: str, handoff_text: str,
                                                                   mycase_text: str):
    services.clock = FrozenClock(FRIDAY_AFTERNOON)
    way = WAY[lang]
    chat.start(lang)
    chat.say(way["need"])
    chat.press(way["want"])
    chat.say(way["describe"])
    drive_to_handoff(chat, way)
    assert handoff_text in chat.text
    promised = chat.text
    chat.say("/mycase")
    assert mycase_text in chat.text and "7.12.." not in chat.text
    assert "7.12.." not in promised  # the date's own period ends the sentence (the engine's fmt: I18n.tidy)


# The storage actions the engine calls ---------------------------------------------------------------------------

@pytest.fixture
def i18n() -> I18n:
    return I18n(PROJECT_ROOT / "locales")


def actions_for(session: Session, i18n: I18n, now: datetime, lang: str = "fi") -> StoreActions:
    citizen = Citizen(channel="test", external_id=f"promise-{session.query(Citizen).count()}", language=lang)
    session.add(citizen)
    session.flush()
    return StoreActions(session, citizen=citizen, i18n=i18n, tz="Europe/Helsinki", now=now,
                        topic_title=lambda topic, lang: topic)


def hand_off(actions: StoreActions, lang: str = "fi", **slots: str | None):
    need = {"topic": "transport_service", "description": "Isä ei pääse kauppaan", "for_whom": "close_one",
            "municipality": "porvoo", "urgency": "urgent", "contact_preference": "phone", "phone": "040 123 4567",
            **slots}
    need_id = actions.record_need(slots=need, lang=lang)
    proposal = actions.propose(need_id=need_id, lang=lang)
    consent_id = actions.record_consent(need_id=need_id, proposal=proposal.as_slot(), text="consent", decision="given",
                                        lang=lang)
    return actions.create_handoff(need_id=need_id, consent_id=consent_id, lang=lang)


def test_the_handoff_says_when_and_how(session: Session, i18n: I18n):
    info = hand_off(actions_for(session, i18n, FRIDAY_AFTERNOON))
    assert (info.when, info.how, info.contact_time_note) == (
        "viimeistään maanantaina 7.12.", "Sinulle soitetaan numeroon, jonka annoit.", "")
    handoff = session.get(Handoff, info.handoff_id)
    assert handoff.expected_contact_at == helsinki(2026, 12, 7, 15, 0)  # what escalation and the staff card see


def test_no_hurry_is_promised_later(session: Session, i18n: I18n):
    info = hand_off(actions_for(session, i18n, helsinki(2026, 11, 24, 10, 0), "sv"), "sv", urgency="no_hurry",
                    contact_preference="chat", phone=None)
    assert (info.when, info.how) == ("senast tisdag 8.12.", "Svaret kommer här i chatten.")


def test_a_visit_is_agreed_on_first_and_the_wish_about_the_time_is_heard(session: Session, i18n: I18n):
    info = hand_off(actions_for(session, i18n, helsinki(2026, 11, 24, 20, 0)), contact_preference="visit", phone=None,
                    contact_time="arkisin klo 16 jälkeen")
    assert info.when == "viimeistään huomenna"
    assert info.how == "Silloin sovitte yhdessä ajan, jolloin tulet käymään lähitorilla."
    assert info.contact_time_note == "Palveluohjaaja ottaa huomioon toiveesi ajasta: arkisin klo 16 jälkeen."


def test_a_unit_answers_in_its_own_reply_time(session: Session, i18n: I18n):
    session.scalar(select(Unit).where(Unit.code == "sipoo")).reply_hours = {"urgent": 1}
    info = hand_off(actions_for(session, i18n, helsinki(2026, 11, 24, 10, 0)), municipality="sipoo")
    assert info.unit.name == "Sipoon lähitori (demo)" and info.when == "tänään aamupäivän aikana"


def test_asking_again_repeats_the_promise_given(session: Session, i18n: I18n):
    actions = actions_for(session, i18n, FRIDAY_AFTERNOON)
    first = hand_off(actions)
    handoff = session.get(Handoff, first.handoff_id)
    actions.now = helsinki(2026, 12, 7, 10, 0)  # Monday morning: the same deadline, seen from then
    again = actions.create_handoff(need_id=handoff.need_id, consent_id=handoff.consent_id, lang="fi")
    assert again.created is False and again.when == "viimeistään tänään iltapäivällä"
    assert session.get(Handoff, first.handoff_id).expected_contact_at == helsinki(2026, 12, 7, 15, 0)


def test_case_view_says_the_promise_as_a_day(session: Session, i18n: I18n):
    actions = actions_for(session, i18n, FRIDAY_AFTERNOON)
    hand_off(actions)
    view = actions.case_view(lang="fi")
    assert "Seuraavaksi: sinuun otetaan yhteyttä viimeistään maanantaina 7.12." in view
    assert any(line.startswith("Annoit 4.12.2026 luvan") for line in view)  # the date in Finland's format
    assert any(line.startswith("Du gav 4.12.2026 lov") for line in actions.case_view(lang="sv"))


# Out of area -------------------------------------------------------------------------------------------------

def test_nobody_is_proposed_for_a_municipality_no_unit_serves(session: Session, i18n: I18n):
    actions = actions_for(session, i18n, FRIDAY_AFTERNOON)
    need_id = actions.record_need(slots={"topic": "home_support", "municipality": "helsinki"}, lang="fi")
    with pytest.raises(OutOfArea):
        actions.propose(need_id=need_id, lang="fi")
    assert "Helsingin kaupungin" in actions.where_to_turn(area="helsinki", lang="fi")
    assert actions.where_to_turn(area="porvoo", lang="fi") == ""
    assert "ditt eget välfärdsområde" in actions.where_to_turn(area=None, lang="sv")
    # The county's own phone still answers anyone: the first unit's contact, never a coordinator.
    assert actions.unit_contact(municipality="helsinki", lang="fi").phone == "040 000 1001"
