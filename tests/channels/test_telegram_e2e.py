"""The real python-telegram-bot loop against the emulated Bot API: what a citizen really sees, in fi and sv."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db.models import Citizen, Handoff, MessageLog, ProcessedUpdate
from tests.channels.conftest import BACKENDS

pytestmark = [pytest.mark.e2e, BACKENDS]  # the real bot loop on SQLite and on PostgreSQL

# (language, chat id, topic, description, for whom, municipality, urgency, contact by chat, skip, confirm,
#  consent yes, consent no, coordinator, unit phone)
FI = dict(lang="fi", chat=5001, topic="Kotona pärjääminen", want="Kyllä, haluan yhteydenoton",
          describe="Kerro omin sanoin",
          need="Äitini (82 v.) tarvitsee apua kotona: siivous & kauppa-asiat <eivät enää onnistu>.",
          for_whom="Läheistäni", municipality="Porvoo", urgency="Lähiviikkoina",
          contact="Kirjoittamalla tähän keskusteluun", skip="Ohita", confirm="Kyllä, oikein",
          consent_yes="Kyllä, saa välittää", consent_no="Ei, en halua", coordinator="Sari",
          unit="Porvoon lähitori", phone="040 000 1001", handed="Asiasi on nyt välitetty",
          stale="Tuo painike oli aiemmasta viestistä", offer="Haluatko, että palveluohjaaja")
SV = dict(lang="sv", chat=5002, topic="Att klara sig hemma", want="Ja, jag vill bli kontaktad",
          describe="Berätta med egna ord",
          need="Min mamma (82 år) behöver hjälp hemma: städning & butiksärenden <går inte längre>.",
          for_whom="En närstående", municipality="Lovisa", urgency="Inom de närmaste veckorna",
          contact="Genom att skriva här i chatten", skip="Hoppa över", confirm="Ja, det stämmer",
          consent_yes="Ja, det får skickas", consent_no="Nej, jag vill inte", coordinator="Henrik",
          unit="Närtorget i Lovisa", phone="040 000 1002", handed="Ditt ärende har nu skickats",
          stale="Den knappen hörde till ett tidigare meddelande", offer="Vill du att en servicehandledare")
SCRIPTS = pytest.mark.parametrize("script", [FI, SV], ids=["fi", "sv"])


def texts(sent) -> str:  # noqa: ANN001
    return "\n".join(message.text for message in sent)


async def walk_to_consent(citizen, s: dict) -> list:  # noqa: ANN001
    """/start, topic button, free-text need, the intake buttons, skip contact time, confirm the summary."""
    sent = await citizen.send("/start")
    assert any(s["topic"] == label for label, _ in sent[-1].buttons)
    sent = await citizen.press(s["topic"])
    assert s["offer"] in sent[-1].text
    sent = await citizen.press(s["want"])
    assert s["describe"] in texts(sent) and sent[-1].buttons == []
    sent = await citizen.send(s["need"])
    assert len(sent) == 1 and sent[0].buttons, "the need is recorded and the next question asked"
    for label in ("for_whom", "municipality", "urgency", "contact"):
        sent = await citizen.press(s[label])
    assert [label for label, _ in sent[-1].buttons] == [s["skip"]]
    summary = await citizen.press(s["skip"])
    assert s["need"] in summary[-1].text, "the summary repeats the citizen's words as plain text"
    assert "&lt;" in summary[-1].raw and "&amp;" in summary[-1].raw and summary[-1].parse_mode == "HTML"
    consent = await citizen.press(s["confirm"])
    assert s["coordinator"] in consent[-1].text
    return consent


@SCRIPTS
async def test_consent_yes_hands_the_case_to_a_named_coordinator(script, citizen_factory, channel_services):
    citizen = citizen_factory(script["chat"], script["lang"])
    await walk_to_consent(citizen, script)
    sent = await citizen.press(script["consent_yes"])
    assert script["handed"] in sent[0].text and script["coordinator"] in sent[0].text and script["unit"] in sent[0].text
    with channel_services.sessions() as session:
        handoff = session.scalar(select(Handoff))
        assert handoff is not None and handoff.coordinator.first_name == script["coordinator"]
        assert session.scalar(select(Citizen.language)) == script["lang"]


@SCRIPTS
async def test_consent_no_gives_the_lahitori_phone(script, citizen_factory, channel_services):
    citizen = citizen_factory(script["chat"], script["lang"])
    await walk_to_consent(citizen, script)
    sent = await citizen.press(script["consent_no"])
    assert script["phone"] in sent[0].text
    with channel_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 0


async def test_redelivered_update_is_answered_once(citizen_factory, running_bot, channel_services):
    citizen = citizen_factory(5003, "fi")
    await citizen.send("/start")
    await citizen.press(FI["topic"])
    await citizen.press(FI["want"])
    first = await citizen.send(FI["need"])
    update_id = running_bot.front.delivered_ids[running_bot.token][-1]
    again = await citizen.redeliver(update_id)
    assert len(first) == 1 and again == []
    assert running_bot.done.count(update_id) == 2, "the update really reached the handler twice"
    with channel_services.sessions() as session:
        inbound = session.scalars(select(MessageLog.text).where(MessageLog.direction == "in")).all()
        assert inbound.count(FI["need"]) == 1
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)
                              .where(ProcessedUpdate.update_id == update_id)) == 1


@SCRIPTS
async def test_old_button_gets_the_stale_note_and_skips_nothing(script, citizen_factory, running_bot):
    citizen = citizen_factory(script["chat"] + 10, script["lang"])
    menu = (await citizen.send("/start"))[-1]
    await citizen.press(script["topic"])
    sent = await citizen.press(script["topic"], keyboard=menu.buttons, message_id=menu.message_id)
    assert script["stale"] in sent[0].text
    assert script["offer"] in sent[-1].text and script["want"] in [label for label, _ in sent[-1].buttons]
    sent = await citizen.press(script["want"])  # the current step still works
    assert script["describe"] in texts(sent)
    assert running_bot.front.sent("answerCallbackQuery"), "every button press is answered"


async def test_commands_are_registered_in_finnish_and_swedish(running_bot):
    commands = running_bot.front.commands[running_bot.token]
    assert set(commands) == {None, "fi", "sv"}
    start = {code: next(c["description"] for c in listed if c["command"] == "start") for code, listed in commands.items()}
    assert start == {None: "Aloita alusta", "fi": "Aloita alusta", "sv": "Börja om"}
    assert {c["command"] for c in commands["sv"]} == {"start", "language", "help", "mydata", "delete", "human", "mycase"}


async def test_nothing_of_the_profile_is_stored(citizen_factory, channel_services):
    citizen = citizen_factory(5004, "sv")
    await citizen.send("/start")
    with channel_services.sessions() as session:
        row = session.scalars(select(Citizen)).one()
        assert (row.channel, row.external_id, row.language) == ("telegram", "5004", "sv")
        assert "Testi" not in repr([getattr(row, c.key) for c in Citizen.__table__.columns])


SCENARIOS = ("test_consent_yes_hands_the_case_to_a_named_coordinator", "test_consent_no_gives_the_lahitori_phone",
             "test_redelivered_update_is_answered_once", "test_old_button_gets_the_stale_note_and_skips_nothing")


def scenarios() -> dict:
    """The citizen scenarios, for a module that serves the bot another way (its own `running_bot` fixture) to
    collect them again: `globals().update(scenarios())`."""
    return {name: globals()[name] for name in SCENARIOS}
