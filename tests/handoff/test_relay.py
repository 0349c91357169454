"""Talking through the bot: a claimed chat case relays both ways, closing asks for a rating, the citizen can add to
the case or withdraw it, and a returning citizen goes back to the same coordinator. Both databases, fi and sv."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text

from bot.db.models import (AuditEvent, Citizen, Conversation, Coordinator, Feedback, Handoff, MessageLog, Outbox,
                           StaffMessage)
from bot.handoff import staff
from bot.handoff.outbox import Dispatcher, forget_unretractable, remember_staff_messages
from tests.auxil.chat import Chat

STAFF_CHATS = {"Sari": "9001", "Anna": "9002", "Mikko": "9003"}

# What a citizen presses and writes to hand a transport-service need to Porvoo's lähitori.
WAY = {
    "fi": dict(need="mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin", want="Kyllä, haluan yhteydenoton",
               describe="Isä on 84-vuotias eikä pysty enää kävelemään pysäkille.", whom="Läheistäni", town="Porvoo",
               when="Lähiviikkoina", chat="Kirjoittamalla", phone="Soittamalla", skip="Ohita", confirm="Kyllä, oikein",
               consent="Kyllä, saa välittää"),
    "sv": dict(need="pappa behöver färdtjänst, han kan inte åka buss längre", want="Ja, jag vill bli kontaktad",
               describe="Han är 84 och klarar inte att gå till busshållplatsen.", whom="En närstående", town="Borgå",
               when="Inom de närmaste veckorna", chat="Genom att skriva", phone="Per telefon", skip="Hoppa över",
               confirm="Ja, det stämmer", consent="Ja, det får skickas"),
}
# Who gets the case in each language, as the citizen is told: first name, title, unit.
HOLDER = {"fi": ("Sari", "palveluohjaaja", "Porvoon lähitori (demo)"),
          "sv": ("Anna", "servicehandledare", "Närtorget i Borgå (demo)")}


# Helpers -----------------------------------------------------------------------------------------------------

@pytest.fixture
def embedded_classifier(keyword_classifier):
    """The keyword classifier: relaying is about who answers, not about understanding, so these tests must not move
    when the NLU data is edited (the crisis cases here are caught by the reviewed patterns)."""
    return keyword_classifier


@pytest.fixture
def bot(services, clock):
    """The services on a frozen Tuesday morning, with Sari, Anna and Mikko's staff chats linked."""
    services.clock = clock
    with services.sessions.begin() as session:
        for first, chat_id in STAFF_CHATS.items():
            session.scalar(select(Coordinator).where(Coordinator.first_name == first)).telegram_chat_id = chat_id
    return services


def subset(payload: dict, expected: dict) -> bool:
    """The payload holds these keys with these values (and maybe more)."""
    return {key: payload.get(key) for key in expected} == expected


def hand_off(chat: Chat, lang: str = "fi", *, contact: str = "chat", town: str | None = None,
             consent: bool = True) -> int | None:
    """Drive a whole conversation from /start to a consented handoff (the case's id), or to the consent question."""
    way = WAY[lang]
    chat.start(lang)
    chat.say(way["need"])
    chat.press(way["want"])
    chat.say(way["describe"])
    if any(way["whom"] in button.label for button in chat.buttons):  # not asked when the words already told
        chat.press(way["whom"])
    chat.press(town or way["town"])
    chat.press(way["when"])
    chat.press(way[contact])
    if contact == "phone":
        chat.say("040 123 4567")
    chat.press(way["skip"])
    chat.press(way["confirm"])
    if not consent:
        return None
    chat.press(way["consent"])
    assert "handoff_created" in chat.last.events
    return newest_case(chat)


def newest_case(chat: Chat) -> int:
    with chat.services.sessions() as session:
        return session.scalar(select(Handoff.id).join(Citizen, Citizen.id == Handoff.citizen_id)
                              .where(Citizen.external_id == chat.user).order_by(Handoff.id.desc()).limit(1))


def coordinator(services, first: str) -> int:
    with services.sessions() as session:
        return session.scalar(select(Coordinator.id).where(Coordinator.first_name == first))


def act(services, action, **kwargs):  # noqa: ANN001
    """A staff action in its own transaction, as the staff desk runs it."""
    with services.sessions.begin() as session:
        return action(session, now=services.clock(), **kwargs)


def refused(services, error: type[staff.StaffError], action, **kwargs) -> staff.StaffError:  # noqa: ANN001
    """A refused staff action: caught inside the transaction and committed, so its audit stays."""
    with services.sessions() as session:
        with pytest.raises(error) as caught:
            action(session, now=services.clock(), **kwargs)
        session.commit()
    return caught.value


def outbox(services, kind: str) -> list[Outbox]:
    with services.sessions() as session:
        return list(session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def audit(services, action: str) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def transcript(services, **where) -> list[MessageLog]:
    with services.sessions() as session:
        query = select(MessageLog).order_by(MessageLog.id)
        for column, value in where.items():
            query = query.where(getattr(MessageLog, column) == value)
        return list(session.scalars(query))


def conversation(chat: Chat) -> Conversation:
    with chat.services.sessions() as session:
        return session.scalar(select(Conversation).join(Citizen, Citizen.id == Conversation.citizen_id)
                              .where(Citizen.external_id == chat.user))


def feedback(services) -> list[Feedback]:
    with services.sessions() as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def press_key(chat: Chat, key: str):  # noqa: ANN201
    """Press the latest button whose payload ends in `key` (labels of new texts may still change)."""
    matches = [b for b in chat.buttons if b.payload.endswith(f":{key}")]
    assert matches, f"no button with key {key!r} in {[b.payload for b in chat.buttons]}"
    return chat.press_payload(matches[0].payload)


def in_relay(bot, lang: str = "fi", *, user: str = "citizen-1") -> tuple[Chat, int]:
    """A citizen whose chat case the coordinator of their language has claimed."""
    chat = Chat(bot, user=user)
    case = hand_off(chat, lang)
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, HOLDER[lang][0]))
    return chat, case


# 1. Claim ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_claiming_a_chat_case_puts_the_conversation_in_relay(bot, lang):
    chat = Chat(bot, user="citizen-1")
    case = hand_off(chat, lang)
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("bot", None)
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, HOLDER[lang][0]))
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("relay", case)
    [told] = outbox(bot, "case_claimed")
    assert (told.channel, told.recipient) == ("test", "citizen-1")
    first, title, unit = HOLDER[lang]
    assert subset(told.payload, {"handoff_id": case, "lang": lang, "coordinator": first, "title": title, "unit": unit,
                                 "chat": True})


def test_claiming_a_phone_case_leaves_the_bot_answering(bot):
    chat = Chat(bot, user="citizen-1")
    case = hand_off(chat, "fi", contact="phone")
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("bot", None)
    assert outbox(bot, "case_claimed")[0].payload["chat"] is False
    chat.say("kiitos paljon")
    assert chat.last.replies and outbox(bot, "relay_in") == []


# 2. The coordinator writes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_holder_writes_to_the_citizen_signed_with_name_and_unit(bot, lang):
    chat, case = in_relay(bot, lang)
    first, title, unit = HOLDER[lang]
    holder = coordinator(bot, first)
    words = "Hei, tässä Sari. Voinko soittaa huomenna?" if lang == "fi" else "Hej, det är Anna. Får jag ringa i morgon?"
    message = act(bot, staff.reply, handoff_id=case, coordinator_id=holder, text=f"  {words}\n")

    [out] = outbox(bot, "relay_out")
    assert (out.channel, out.recipient) == ("test", "citizen-1")
    assert subset(out.payload, {"handoff_id": case, "lang": lang, "coordinator": first, "title": title, "unit": unit,
                                "unit_phone": "040 000 1001", "text": words, "chat": True})
    [row] = transcript(bot, sender="coordinator")
    assert (row.id, row.direction, row.handoff_id, row.coordinator_id, row.text) == (message.id, "out", case, holder,
                                                                                      words)
    [event] = audit(bot, "relay_to_citizen")
    assert (event.actor, event.handoff_id, event.details) == (f"coordinator:{holder}", case, {"coordinator_id": holder})
    assert words not in str(event.details)
    assert conversation(chat).mode == "relay"


def test_writing_to_the_citizen_is_refused_and_audited_when_it_must_not_reach_them(bot):
    sari, anna = coordinator(bot, "Sari"), coordinator(bot, "Anna")
    chat = Chat(bot, user="citizen-1")
    case = hand_off(chat, "fi")
    refused(bot, staff.InvalidTransition, staff.reply, handoff_id=case, coordinator_id=sari, text="Hei!")  # not claimed
    act(bot, staff.claim, handoff_id=case, coordinator_id=sari)
    refused(bot, staff.EmptyMessage, staff.reply, handoff_id=case, coordinator_id=sari, text=" \n\t ")
    error = refused(bot, staff.NotHolder, staff.reply, handoff_id=case, coordinator_id=anna, text="Hei, Anna tässä")
    assert "Sari" in str(error)  # the pair may read the case, only the holder writes

    by_phone = hand_off(Chat(bot, user="citizen-2"), "fi", contact="phone")
    act(bot, staff.claim, handoff_id=by_phone, coordinator_id=sari)
    refused(bot, staff.ChatNotChosen, staff.reply, handoff_id=by_phone, coordinator_id=sari, text="Soitan huomenna")

    with bot.sessions.begin() as session:
        session.scalar(select(Citizen).where(Citizen.external_id == "citizen-1")).blocked_at = bot.clock()
    refused(bot, staff.CitizenUnreachable, staff.reply, handoff_id=case, coordinator_id=sari, text="Oletko siellä?")
    act(bot, staff.close, handoff_id=case, coordinator_id=sari)
    refused(bot, staff.InvalidTransition, staff.reply, handoff_id=case, coordinator_id=sari, text="Vielä yksi asia")
    refused(bot, staff.PermissionDenied, staff.reply, handoff_id=by_phone, coordinator_id=coordinator(bot, "Mikko"),
            text="Hei")  # not the case's people at all: a permission refusal, audited as such

    assert outbox(bot, "relay_out") == [] and transcript(bot, sender="coordinator") == []
    events = audit(bot, "relay_refused")
    assert [e.details["reason"] for e in events] == ["InvalidTransition", "EmptyMessage", "NotHolder", "ChatNotChosen",
                                                     "CitizenUnreachable", "InvalidTransition"]
    assert [e.handoff_id for e in events] == [case, case, case, by_phone, case, case]
    assert events[2].actor == f"coordinator:{anna}"
    assert audit(bot, "relay_to_citizen") == []
    assert [e.details["attempted"] for e in audit(bot, "staff_permission_denied")] == ["write about"]


# 3. The citizen writes while a coordinator holds the case ----------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_citizens_words_go_to_the_holder_and_the_bot_stays_silent(bot, lang):
    chat, case = in_relay(bot, lang)
    first = HOLDER[lang][0]
    before = conversation(chat)
    words = "Sopiiko että kirjoitan huomenna lisää isän tilanteesta?" if lang == "fi" else \
        "Går det bra att jag skriver mer om pappas situation i morgon?"
    chat.say(words)
    assert chat.last.replies == [] and chat.last.events == ["relayed"]

    [relayed] = outbox(bot, "relay_in")
    assert relayed.recipient == STAFF_CHATS[first]
    assert subset(relayed.payload, {"handoff_id": case, "text": words, "crisis": False})
    [row] = [m for m in transcript(bot) if m.text == words]
    assert (row.direction, row.sender, row.handoff_id) == ("in", "citizen", case)
    assert [e.details for e in audit(bot, "relay_from_citizen")] == [{"crisis": False}]
    after = conversation(chat)
    assert (after.mode, after.handoff_id, after.flow, after.step) == ("relay", case, before.flow, before.step)
    assert all(m.id < row.id for m in transcript(bot, sender="bot"))  # no bot reply after it


def test_a_crisis_in_relay_gets_help_at_once_and_the_coordinator_is_warned(bot):
    chat, case = in_relay(bot, "fi")
    alarms = len(audit(bot, "crisis_detected"))
    chat.say("en jaksa enää elää, haluan kuolla")
    assert "112" in chat.text and "09 2525 0111" in chat.text
    assert chat.last.events[0] == "crisis" and "relayed" in chat.last.events
    [relayed] = outbox(bot, "relay_in")
    assert relayed.recipient == STAFF_CHATS["Sari"]
    assert subset(relayed.payload, {"handoff_id": case, "text": "en jaksa enää elää, haluan kuolla", "crisis": True})
    assert [e.details for e in audit(bot, "relay_from_citizen")] == [{"crisis": True}]
    cry, help_ = transcript(bot)[-2:]
    assert (cry.sender, cry.handoff_id, cry.text) == ("citizen", case, "en jaksa enää elää, haluan kuolla")
    assert (help_.sender, help_.direction) == ("bot", "out") and "112" in help_.text
    assert len(audit(bot, "crisis_detected")) == alarms + 1
    assert conversation(chat).mode == "relay"


@pytest.mark.parametrize("how", ["start_button", "/start", "/human", "old_menu_button"])
def test_start_and_menus_in_relay_say_who_holds_the_case_and_restart_nothing(bot, how):
    chat, case = in_relay(bot, "fi")
    old_buttons = chat.buttons
    before = conversation(chat)
    if how == "start_button":
        chat.start()  # Telegram's /start command
    elif how == "old_menu_button":
        chat.press_payload(old_buttons[0].payload)
    else:
        chat.say(how)
    assert len(chat.last.replies) == 1 and chat.last.events == ["relay_status"]
    assert "Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    after = conversation(chat)
    assert (after.mode, after.handoff_id, after.flow, after.step, after.menu_id) == \
           ("relay", case, before.flow, before.step, before.menu_id)
    assert outbox(bot, "relay_in") == []


def test_my_case_still_works_in_relay(bot):
    chat, case = in_relay(bot, "fi")
    chat.say("/mycase")
    assert "Asiaasi hoitaa: Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    assert "palveluohjaaja hoitaa asiaa" in chat.text
    assert {b.payload.rsplit(":", 1)[1] for b in chat.buttons} >= {"add", "withdraw", "continue"}
    assert outbox(bot, "relay_in") == []
    chat.say("Tämä menee taas Sarille")  # typing past the case view goes to the coordinator
    assert chat.last.replies == [] and outbox(bot, "relay_in")[0].payload["text"] == "Tämä menee taas Sarille"


def test_after_the_close_typing_instead_of_rating_goes_to_the_bot(bot):
    chat, case = in_relay(bot, "fi")
    act(bot, staff.close, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    assert conversation(chat).mode == "feedback"
    chat.say("äiti tarvitsisi nyt kotihoitoa")
    assert "topic:home_support" in chat.last.events and chat.last.replies
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("bot", None)
    assert outbox(bot, "relay_in") == [] and feedback(bot) == []
    assert [m.handoff_id for m in transcript(bot, sender="citizen")][-1] is None


def test_a_case_given_to_the_pair_relays_to_the_pair(bot):
    chat, case = in_relay(bot, "fi")
    act(bot, staff.give_to_pair, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    chat.say("Onko Anna nyt asiani hoitaja?")
    assert outbox(bot, "relay_in")[0].recipient == STAFF_CHATS["Anna"]
    chat.say("/start")
    assert "Anna Lindholm, palveluohjaaja, Porvoon lähitori (demo)" in chat.text


# 4. Closing and the rating -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_closing_asks_for_a_rating_and_the_rating_is_kept_with_the_case(bot, lang):
    chat, case = in_relay(bot, lang)
    act(bot, staff.close, handoff_id=case, coordinator_id=coordinator(bot, HOLDER[lang][0]))
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("feedback", case)
    [closing] = outbox(bot, "case_closed_feedback")
    assert (closing.recipient, closing.payload["handoff_id"], closing.payload["lang"]) == ("citizen-1", case, lang)

    chat.press_payload(f"fb:{case}:4")
    assert ("Haluatko vielä kertoa" if lang == "fi" else "Vill du ännu berätta") in chat.text
    assert [b.payload.rsplit(":", 1)[1] for b in chat.buttons] == ["skip"]
    assert feedback(bot) == []  # kept with the comment (or its skip)
    comment = "Sari vastasi nopeasti ja selkeästi" if lang == "fi" else "Anna svarade snabbt och tydligt"
    chat.say(comment)
    assert "feedback" in chat.last.events
    [given] = feedback(bot)
    assert (given.handoff_id, given.score, given.comment, given.topic) == (case, 4, comment, "transport_service")
    with bot.sessions() as session:
        raw = session.execute(text("SELECT comment FROM feedback")).scalar()
    assert raw.startswith("gAAAA") and "nopeasti" not in raw and "snabbt" not in raw
    [event] = audit(bot, "feedback_given")
    assert (event.handoff_id, event.details) == (case, {"score": 4, "comment": True})
    assert conversation(chat).mode == "bot"

    chat.press_payload(f"fb:{case}:5")  # the old buttons again
    assert "rating_refused" in chat.last.events
    assert len(feedback(bot)) == 1


def test_a_rating_may_be_given_without_a_comment(bot):
    chat, case = in_relay(bot, "fi")
    act(bot, staff.close, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    chat.press_payload(f"fb:{case}:5")
    press_key(chat, "skip")
    [given] = feedback(bot)
    assert (given.handoff_id, given.score, given.comment) == (case, 5, None)


def test_a_forged_rating_of_someone_elses_case_is_refused(bot):
    chat, case = in_relay(bot, "fi")
    act(bot, staff.close, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    other = Chat(bot, user="citizen-2")
    other.start("fi")
    other.press_payload(f"fb:{case}:1")
    assert "rating_refused" in other.last.events
    other.say("huono")  # nothing waits for a comment
    assert feedback(bot) == []
    for wrong in (f"fb:{case}:9", f"fb:{case}:0", "fb:99999:3"):  # out of range, a case that does not exist
        chat.press_payload(wrong)
        assert "rating_refused" in chat.last.events
    assert feedback(bot) == []
    chat.press_payload(f"fb:{case}:3")  # the rightful rating still works
    press_key(chat, "skip")
    assert [(f.handoff_id, f.score) for f in feedback(bot)] == [(case, 3)]


def test_an_open_case_cannot_be_rated(bot):
    chat, case = in_relay(bot, "fi")
    chat.press_payload(f"fb:{case}:5")
    assert "rating_refused" in chat.last.events and outbox(bot, "relay_in") == []
    assert conversation(chat).mode == "relay"


# 5. Adding to the case ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("claimed", [True, False], ids=["in_relay", "waiting"])
def test_the_citizen_adds_to_the_case_and_the_holder_is_told(bot, claimed):
    chat = Chat(bot, user="citizen-1")
    case = hand_off(chat, "fi")
    if claimed:
        act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    chat.say("/mycase")
    press_key(chat, "add")
    assert "Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    words = "Isällä on rollaattori, ja hän asuu kolmannessa kerroksessa ilman hissiä."
    chat.say(words)
    assert "case_addition" in chat.last.events and "Sari" in chat.text

    [added] = outbox(bot, "case_addition")
    assert added.recipient == STAFF_CHATS["Sari"]
    assert subset(added.payload, {"handoff_id": case, "text": words})
    [row] = [m for m in transcript(bot) if m.text == words]
    assert (row.direction, row.sender, row.handoff_id) == ("in", "citizen", case)
    [event] = audit(bot, "case_addition")
    assert (event.handoff_id, event.details) == (case, {})
    assert outbox(bot, "relay_in") == []  # an addition, not a chat message
    assert conversation(chat).mode == ("relay" if claimed else "bot")


def test_cancelling_an_addition_sends_nothing(bot):
    chat, _case = in_relay(bot, "fi")
    chat.say("/mycase")
    press_key(chat, "add")
    press_key(chat, "cancel")
    assert outbox(bot, "case_addition") == [] and audit(bot, "case_addition") == []


# 6. Withdrawal -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/mydata", "/mycase"])
def test_withdrawing_consent_tells_the_holder_and_ends_the_relay(bot, command):
    chat, case = in_relay(bot, "fi")
    chat.say(command)
    press_key(chat, "withdraw")
    assert "consent_withdrawn" in chat.last.events
    [gone] = outbox(bot, "case_withdrawn")
    assert gone.recipient == STAFF_CHATS["Sari"]
    assert subset(gone.payload, {"handoff_id": case, "reason": "consent_withdrawn"})
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("bot", None)
    with bot.sessions() as session:
        assert session.get(Handoff, case).status == "cancelled"
    chat.say("mun äiti tarvitsee kotihoitoa")
    assert chat.last.replies and outbox(bot, "relay_in") == []
    refused(bot, staff.InvalidTransition, staff.reply, handoff_id=case, coordinator_id=coordinator(bot, "Sari"),
            text="Hei")


def test_deleting_everything_in_relay_tells_the_holder(bot):
    chat, case = in_relay(bot, "fi")
    chat.say("/delete")
    press_key(chat, "yes")
    assert "deleted" in chat.last.events
    [gone] = outbox(bot, "case_withdrawn")
    assert gone.recipient == STAFF_CHATS["Sari"]
    assert subset(gone.payload, {"handoff_id": case, "reason": "data_deleted"})
    assert transcript(bot) == []


def staff_messages(services) -> list[tuple[int, str, int]]:
    with services.sessions() as session:
        return [tuple(row) for row in session.execute(select(StaffMessage.handoff_id, StaffMessage.chat_id,
                                                             StaffMessage.message_id).order_by(StaffMessage.id))]


def sent_to_staff(services, case: int, chat_id: str, *message_ids: int) -> None:
    """What the Telegram sender notes after delivering a card or the citizen's words (telegram_outbox.py)."""
    with services.sessions.begin() as session:
        remember_staff_messages(session, handoff_id=case, chat_id=chat_id, message_ids=list(message_ids),
                                now=services.clock())


@pytest.mark.parametrize("command", ["withdraw", "delete"])
def test_withdrawal_drops_what_is_queued_and_retracts_what_staff_got(bot, clock, command):
    """Nothing more about the case leaves the bot, and the cards and messages Telegram still lets the bot delete
    (48 hours) are deleted from the staff chats: the citizen's words do not stay behind."""
    chat, case = in_relay(bot, "fi")
    sent_to_staff(bot, case, STAFF_CHATS["Sari"], 501)  # the card, two days ago: too old to delete
    clock.advance(hours=47, minutes=30)
    sent_to_staff(bot, case, STAFF_CHATS["Sari"], 601, 602)  # the card shown again, in two parts
    chat.say("Isä kaatui eilen")  # relayed to Sari, still queued when the citizen withdraws
    assert [row.payload["text"] for row in outbox(bot, "relay_in")] == ["Isä kaatui eilen"]
    if command == "withdraw":
        chat.say("/mydata")
        press_key(chat, "withdraw")
    else:
        chat.say("/delete")
        press_key(chat, "yes")

    assert outbox(bot, "relay_in") == [] and outbox(bot, "handoff_new") == [], "queued words and cards are not sent"
    [retract] = outbox(bot, "retract")
    assert (retract.recipient, retract.payload) == (STAFF_CHATS["Sari"], {"messages": [601, 602]})
    assert staff_messages(bot) == []
    assert [row.recipient for row in outbox(bot, "case_withdrawn")] == [STAFF_CHATS["Sari"]]


def test_a_card_that_arrives_after_the_withdrawal_is_retracted_at_once(bot):
    chat, case = in_relay(bot, "fi")
    chat.say("/mydata")
    press_key(chat, "withdraw")
    sent_to_staff(bot, case, STAFF_CHATS["Sari"], 701)  # it was on its way while the citizen withdrew
    assert staff_messages(bot) == []
    assert [row.payload for row in outbox(bot, "retract")] == [{"messages": [701]}]


def test_staff_message_ids_are_kept_only_while_telegram_lets_them_be_deleted(bot, clock):
    _, case = in_relay(bot, "fi")
    sent_to_staff(bot, case, STAFF_CHATS["Sari"], 801)
    clock.advance(hours=24)
    sent_to_staff(bot, case, STAFF_CHATS["Sari"], 802)
    clock.advance(hours=23, minutes=1)  # 801 is past RETRACT_WITHIN, 802 is not
    with bot.sessions.begin() as session:
        assert forget_unretractable(session, clock()) == 1
    assert staff_messages(bot) == [(case, STAFF_CHATS["Sari"], 802)]


def test_sent_notifications_keep_no_copy_of_the_words(bot):
    chat, case = in_relay(bot, "fi")
    chat.say("Isä kaatui eilen")
    dispatcher = Dispatcher(bot.sessions, send=lambda row: None, clock=bot.clock)
    report = asyncio.run(dispatcher.run_once())
    assert report.sent >= 2  # the card and the relayed words at least
    with bot.sessions() as session:
        rows = list(session.scalars(select(Outbox)))
    assert rows and all(row.sent_at is not None and row.payload is None for row in rows)
    assert {row.handoff_id for row in rows} == {case}


# 7. Routing continuity ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("anna_away", [False, True], ids=["available", "away"])
def test_a_returning_citizen_goes_back_to_their_coordinator(bot, clock, anna_away):
    anna, sari = coordinator(bot, "Anna"), coordinator(bot, "Sari")
    chat = Chat(bot, user="citizen-1")
    first = hand_off(chat, "fi")
    with bot.sessions() as session:
        assert session.get(Handoff, first).coordinator_id == sari  # the default for a Finnish speaker
    act(bot, staff.claim, handoff_id=first, coordinator_id=anna)  # the pair took it
    act(bot, staff.close, handoff_id=first, coordinator_id=anna)
    if anna_away:
        act(bot, staff.set_away, coordinator_id=anna, until=None)
    clock.advance(days=7)

    hand_off(chat, "fi", consent=False)
    expected, pair = ("Sari Laine", "Anna Lindholm") if anna_away else ("Anna Lindholm", "Sari Laine")
    assert f"{expected}, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    assert f"työparinsa {pair}" in chat.text
    chat.press(WAY["fi"]["consent"])
    second = newest_case(chat)
    with bot.sessions() as session:
        assert second != first and session.get(Handoff, second).coordinator_id == (sari if anna_away else anna)


def test_a_returning_citizen_of_another_unit_is_not_pulled_back(bot):
    chat = Chat(bot, user="citizen-1")
    first = hand_off(chat, "fi")
    act(bot, staff.claim, handoff_id=first, coordinator_id=coordinator(bot, "Sari"))
    act(bot, staff.close, handoff_id=first, coordinator_id=coordinator(bot, "Sari"))
    hand_off(chat, "fi", town="Loviisa", consent=False)
    assert "Loviisan lähitori (demo)" in chat.text and "Sari" not in chat.text


# 8. At rest --------------------------------------------------------------------------------------------------

def test_relayed_words_are_encrypted_in_the_outbox(bot):
    chat, case = in_relay(bot, "fi")
    chat.say("Salainen viesti isän lääkityksestä")
    act(bot, staff.reply, handoff_id=case, coordinator_id=coordinator(bot, "Sari"), text="Vastaus lääkityksestä")
    with bot.sessions() as session:
        raw = list(session.execute(text("SELECT kind, payload FROM outbox WHERE kind IN ('relay_in', 'relay_out')")))
        messages = [value for (value,) in session.execute(text("SELECT text FROM message_log"))]
    assert sorted(kind for kind, _ in raw) == ["relay_in", "relay_out"]
    for _kind, payload in raw:
        assert payload.startswith("gAAAA") and "lääkity" not in payload and "Sari" not in payload
    assert all(value.startswith("gAAAA") and "lääkity" not in value for value in messages)
    assert {row.payload["text"] for row in outbox(bot, "relay_in") + outbox(bot, "relay_out")} == {
        "Salainen viesti isän lääkityksestä", "Vastaus lääkityksestä"}



def test_a_rating_pressed_while_another_case_is_relayed_is_kept_at_once_and_the_relay_goes_on(bot):
    chat, first = in_relay(bot, "fi")
    act(bot, staff.close, handoff_id=first, coordinator_id=coordinator(bot, "Sari"))
    chat.say("Kiitos vielä!")  # typing instead of rating: back to the bot
    second = hand_off(chat, "fi")
    act(bot, staff.claim, handoff_id=second, coordinator_id=coordinator(bot, "Sari"))
    assert conversation(chat).mode == "relay" and conversation(chat).handoff_id == second

    chat.press_payload(f"fb:{first}:4")  # the first case's old rating buttons
    assert "feedback" in chat.last.events and "Kiitos palautteestasi" in chat.text
    [given] = feedback(bot)
    assert (given.handoff_id, given.score, given.comment) == (first, 4, None)
    assert (conversation(chat).mode, conversation(chat).handoff_id) == ("relay", second)
    chat.say("Milloin soitatte?")  # still goes to Sari, not into a comment
    assert chat.last.replies == [] and outbox(bot, "relay_in")[-1].payload["handoff_id"] == second
    assert len(feedback(bot)) == 1
