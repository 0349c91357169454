"""The staff side in Telegram with python-telegram-bot's own objects and a recording request: offline by construction.

Refusals are compared with the desk's own messages run through the catalogs (never with written-out wording),
so the tests hold when the texts are translated.
"""
from __future__ import annotations

import asyncio
import html
import secrets
import time
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update

from bot.channels import telegram as tg
from bot.channels import telegram_outbox
from bot.channels import telegram_staff as desk_module
from bot.channels.telegram_outbox import OutboxWorker
from bot.channels.telegram_staff import ERRORS, parse_until
from bot.db.models import (Absence, AuditEvent, Citizen, Conversation, Coordinator, Handoff, MessageLog, Need,
                           Outbox, StaffMessage, Unit)
from bot.handoff import consent as consent_rules
from bot.handoff import staff
from bot.handoff.outbox import case_card, notify_handoff_created
from bot.handoff.routing import choose
from bot.handoff.service import create_handoff
from tests.channels.test_telegram_handlers import TOKEN, RecordingRequest
from tests.channels.conftest import demo_services
from tests.handoff.conftest import FrozenClock, helsinki

NOW = helsinki(2026, 11, 24, 10, 0)  # a Tuesday
SARI, ANNA, PIRJO, STRANGER = 9001, 9002, 9003, 9100  # Telegram user ids (= their private chats)
CITIZEN = 4242


# Fixtures and builders ----------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def staff_services(sqlite_url: str, clock: FrozenClock):
    from tests.auxil.nlu import KeywordClassifier

    with demo_services(sqlite_url, KeywordClassifier(), clock=clock) as services:
        yield services


@pytest.fixture
async def bot(staff_services):
    """An initialized Application on a recording request, with the real TurnRunner and StaffDesk."""
    request = RecordingRequest()
    channel = tg.TelegramChannel(staff_services)
    app = tg.build_application(staff_services, token=TOKEN, request=request, channel=channel, updater=False)
    await app.initialize()
    await app.start()
    yield Bot(app, request, channel, staff_services)
    await app.stop()
    await app.shutdown()


class Bot:
    """The application, what it sent, and helpers to feed it updates from a given Telegram user."""

    def __init__(self, app, request: RecordingRequest, channel: tg.TelegramChannel, services) -> None:  # noqa: ANN001
        self.app, self.request, self.channel, self.services = app, request, channel, services
        self.update_ids = iter(range(1, 10**6))

    async def say(self, user_id: int, text: str, *, reply_to: str | None = None, lang: str = "fi") -> list[dict]:
        """A private text message (a command when it starts with /), optionally a reply to a bot's message."""
        before = len(self.request.sent())
        update_id = next(self.update_ids)
        message: dict[str, Any] = {
            "message_id": update_id, "date": int(time.time()), "text": text, "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Testi", "language_code": lang}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = {"message_id": 1, "date": int(time.time()), "text": reply_to,
                                           "chat": {"id": user_id, "type": "private"},
                                           "from": {"id": 123456, "is_bot": True, "first_name": "Lähitori"}}
        await self.app.process_update(Update.de_json({"update_id": update_id, "message": message}, self.app.bot))
        return self.request.sent()[before:]

    async def press(self, user_id: int, data: str) -> list[dict]:
        before = len(self.request.sent())
        update_id = next(self.update_ids)
        user = {"id": user_id, "is_bot": False, "first_name": "Testi", "language_code": "fi"}
        await self.app.process_update(Update.de_json({"update_id": update_id, "callback_query": {
            "id": f"q{update_id}", "from": user, "chat_instance": "ci", "data": data,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": user_id, "type": "private"}}}},
            self.app.bot))
        return self.request.sent()[before:]

    async def answers(self, count: int) -> list[str | None]:
        """The texts of the callback-query answers once there are `count` (a citizen's runs as its own task)."""
        for _ in range(500):
            if len(self.request.sent("answerCallbackQuery")) >= count:
                break
            await asyncio.sleep(0.01)
        return [params.get("text") for params in self.request.sent("answerCallbackQuery")]

    def _(self, message: str, lang: str = "fi") -> str:
        """The message in the coordinator's language, as the catalogs have it."""
        return self.services.i18n.gettext(lang, message)

    def said(self, message: str, lang: str = "fi", **values: Any) -> str:
        """The message as the bot sends it: translated, filled in, HTML-escaped."""
        return escaped(self._(message, lang).format(**values))

    async def deliver(self) -> None:
        """One round of the outbox job (the dispatcher sends through this bot's recording request)."""
        await self.worker().dispatcher.run_once()

    def worker(self) -> OutboxWorker:
        if self.channel.worker is None:
            self.channel.worker = OutboxWorker(self.services, self.app.bot, self.channel.desk)
        return self.channel.worker


def escaped(text: str) -> str:
    return html.escape(text, quote=False)  # as bot.channels.telegram.render sends it


def coordinator(services, first_name: str) -> Coordinator:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalar(select(Coordinator).where(Coordinator.first_name == first_name))


def link(services, first_name: str, chat_id: int) -> None:  # noqa: ANN001
    """Link the coordinator's Telegram account the way /link does, straight through the domain."""
    with services.sessions.begin() as session:
        person = session.scalar(select(Coordinator).where(Coordinator.first_name == first_name))
        code = staff.create_link_code(session, coordinator_id=person.id, now=services.clock(), created_by="test")
        staff.link_account(session, code=code, chat_id=chat_id, now=services.clock())


def make_case(services, *, to: str | None = "Sari", unit: str = "porvoo", contact: str = "chat",  # noqa: ANN001
              description: str = "Äiti ei enää pärjää kotona yksin.", chat_id: int = CITIZEN,
              lang: str = "fi") -> int:
    """A consented case as the citizen flow makes it (to `to` and their pair, or to the unit), notified."""
    now = services.clock()
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id=str(chat_id), language=lang, created_at=now, last_seen_at=now)
        session.add(citizen)
        session.flush()
        session.add(Conversation(citizen_id=citizen.id, flow="main", step="menu", slots={}, menu_id=0, mode="bot",
                                 created_at=now, updated_at=now))
        need = Need(citizen_id=citizen.id, topic="home_support", description=description, for_whom="close_one",
                    municipality=unit, urgency="soon", contact_preference=contact,
                    phone="+358401234567" if contact == "phone" else None, language=lang, created_at=now)
        session.add(need)
        session.flush()
        named = session.scalar(select(Coordinator).where(Coordinator.first_name == to)) if to else None
        unit_id = named.unit_id if named else session.scalar(select(Unit.id).where(Unit.code == unit))
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text="consent", decision="given", lang=lang,
            unit_id=unit_id, coordinator_id=named.id if named else None, pair_id=named.pair_id if named else None,
            now=now)
        handoff, _created = create_handoff(session, need=need, consent=consent, now=now)
        notify_handoff_created(session, handoff)
        return handoff.id


def claim(services, case: int, first_name: str) -> None:  # noqa: ANN001
    with services.sessions.begin() as session:
        staff.claim(session, handoff_id=case, coordinator_id=coordinator(services, first_name).id, now=services.clock())


def audit(services, action: str) -> list[AuditEvent]:  # noqa: ANN001
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def outbox(services, kind: str) -> list[Outbox]:  # noqa: ANN001
    with services.sessions() as session:
        return list(session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def case_row(services, case: int) -> tuple[str, str | None]:  # noqa: ANN001
    with services.sessions() as session:
        handoff = session.get(Handoff, case)
        return handoff.status, handoff.coordinator.first_name if handoff.coordinator else None


# /link ---------------------------------------------------------------------------------------------------------

def new_code(services, first_name: str, ttl: timedelta = timedelta(hours=24)) -> str:  # noqa: ANN001
    with services.sessions.begin() as session:
        return staff.create_link_code(session, coordinator_id=coordinator(services, first_name).id,
                                      now=services.clock(), ttl=ttl, created_by="admin")


async def test_link_with_a_valid_code_makes_the_account_staff(bot, staff_services):
    code = new_code(staff_services, "Sari")
    [sent] = await bot.say(SARI, f"/link {code.lower()}")
    assert int(sent["chat_id"]) == SARI and "Sari Laine" in sent["text"] and "/cases" in sent["text"]
    assert coordinator(staff_services, "Sari").telegram_chat_id == str(SARI)
    [event] = audit(staff_services, "staff_linked")
    assert (event.actor, event.details["coordinator_id"]) == (f"chat:{SARI}", coordinator(staff_services, "Sari").id)
    [sent] = await bot.say(SARI, "/cases")  # staff commands work at once, without waiting for the cache
    assert sent["text"] == bot.said("You have no open cases.")
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 0, "staff are not citizens"


@pytest.mark.parametrize("case", ["used", "expired", "wrong"])
async def test_link_with_a_bad_code_is_refused_and_audited(bot, staff_services, clock, case):
    code = new_code(staff_services, "Anna", ttl=timedelta(hours=1))
    error = {"used": staff.CodeUsed, "expired": staff.CodeExpired, "wrong": staff.InvalidCode}[case]
    if case == "used":
        [first] = await bot.say(ANNA, f"/link {code}")
        assert "Anna" in first["text"]
    elif case == "expired":
        clock.advance(hours=1, seconds=1)
    else:
        code = "ABCD" + "".join("Z" if ch != "Z" else "Y" for ch in code[4:])
    [sent] = await bot.say(STRANGER, f"/link {code}")
    assert int(sent["chat_id"]) == STRANGER and sent["text"] == bot.said(ERRORS[error])
    with staff_services.sessions() as session:
        assert staff.coordinator_for_chat(session, chat_id=STRANGER) is None
    failures = audit(staff_services, "staff_link_failed")
    assert [(e.actor, e.details["reason"]) for e in failures] == [(f"chat:{STRANGER}", error.__name__)]
    assert code not in repr([e.details for e in audit(staff_services, "staff_link_failed")])
    assert not bot.channel.desk.concerns(user_id=STRANGER, text="hei"), "still a citizen"


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_link_without_a_code_says_how_in_the_users_language(bot, lang):
    [sent] = await bot.say(STRANGER, "/link", lang=lang)
    assert sent["text"] == bot.said(desk_module.LINK_HOW, lang)
    assert "/link" in sent["text"] and ("koodi" if lang == "fi" else "koden") in sent["text"]


# The deep link t.me/<bot>?start=CODE: Telegram sends /start CODE ---------------------------------------------------

async def test_start_with_a_link_code_links_the_account_exactly_like_link(bot, staff_services):
    code = new_code(staff_services, "Sari")
    [sent] = await bot.say(SARI, f"/start {staff.normalise_code(code)}")
    assert int(sent["chat_id"]) == SARI and "Sari Laine" in sent["text"] and "/cases" in sent["text"]
    assert coordinator(staff_services, "Sari").telegram_chat_id == str(SARI)
    [event] = audit(staff_services, "staff_linked")
    assert event.actor == f"chat:{SARI}"
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 0, "staff are not citizens"

    [again] = await bot.say(STRANGER, f"/start {staff.normalise_code(code)}")  # the link works once
    assert again["text"] == bot.said(ERRORS[staff.CodeUsed])
    assert [e.details["reason"] for e in audit(staff_services, "staff_link_failed")] == ["CodeUsed"]


async def test_start_with_a_forged_code_is_refused_and_any_other_start_is_the_citizens(bot, staff_services):
    new_code(staff_services, "Anna")
    forged = "".join(staff.CODE_ALPHABET[b % 32] for b in secrets.token_bytes(26))
    [sent] = await bot.say(STRANGER, f"/start {forged}")
    assert sent["text"] == bot.said(ERRORS[staff.InvalidCode])
    assert [(e.actor, e.details["reason"]) for e in audit(staff_services, "staff_link_failed")] == [
        (f"chat:{STRANGER}", "InvalidCode")]
    with staff_services.sessions() as session:
        assert staff.coordinator_for_chat(session, chat_id=STRANGER) is None

    welcome = await bot.say(CITIZEN, "/start hello")  # not a code: the citizen's start, no link attempt
    assert welcome and all(sent["text"] != bot.said(ERRORS[staff.InvalidCode]) for sent in welcome)
    assert len(audit(staff_services, "staff_link_failed")) == 1
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 1


# Unlinked users get the citizen's experience ---------------------------------------------------------------------

async def test_staff_commands_and_buttons_from_an_unlinked_user_change_nothing(bot, staff_services):
    case = make_case(staff_services)
    away = await bot.say(STRANGER, "/away 5.12.2026")
    cases = await bot.say(STRANGER, "/cases")
    forged = await bot.press(STRANGER, f"s:claim:{case}")
    for sent in (away, cases, forged):
        assert sent and all(int(p["chat_id"]) == STRANGER for p in sent), "the citizen's answer, to them only"
        assert all(f"#{case}" not in p["text"] for p in sent)
    assert await bot.answers(1) == [None], "the button's spinner is stopped, with no staff note"

    assert case_row(staff_services, case) == ("new", "Sari")
    assert outbox(staff_services, "case_claimed") == []
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Absence)) == 0
        citizen = session.scalar(select(Citizen).where(Citizen.external_id == str(STRANGER)))
        inbound = session.scalars(select(MessageLog.text).where(MessageLog.citizen_id == citizen.id,
                                                                MessageLog.direction == "in")).all()
    assert inbound == ["/away 5.12.2026", "/cases", f"[button s:claim:{case}]"], "the citizen path handled them"
    refused = audit(staff_services, "staff_command_refused")
    assert [(e.actor, e.details) for e in refused] == [
        (f"chat:{STRANGER}", {"command": "away", "reason": "not_linked"}),
        (f"chat:{STRANGER}", {"command": "cases", "reason": "not_linked"}),
        (f"chat:{STRANGER}", {"command": "button", "reason": "not_linked"})]


# Case buttons ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("named", [True, False], ids=["consent-names-sari", "unit-case"])
async def test_claim_on_a_case_of_another_unit_is_refused_and_audited(bot, staff_services, named):
    link(staff_services, "Pirjo", PIRJO)  # Loviisa
    case = make_case(staff_services, to="Sari" if named else None, unit="porvoo")
    before = case_row(staff_services, case)
    [sent] = await bot.press(PIRJO, f"s:claim:{case}")
    refusal = bot._(ERRORS[staff.PermissionDenied]).format(case=case)
    assert (int(sent["chat_id"]), sent["text"]) == (PIRJO, escaped(refusal)) and "reply_markup" not in sent
    assert await bot.answers(1) == [refusal]
    assert case_row(staff_services, case) == before and before[0] == "new"
    [event] = audit(staff_services, "staff_permission_denied")
    assert (event.actor, event.handoff_id, event.details) == (
        f"coordinator:{coordinator(staff_services, 'Pirjo').id}", case, {"attempted": "claim"})
    assert outbox(staff_services, "case_claimed") == []


async def test_a_stale_claim_on_a_claimed_case_is_refused_and_the_holder_stays(bot, staff_services):
    link(staff_services, "Sari", SARI)
    link(staff_services, "Anna", ANNA)
    case = make_case(staff_services)
    sent = await bot.press(SARI, f"s:claim:{case}")
    assert sent[0]["text"] == bot.said(desk_module.DONE["claim"], case=case)
    card = sent[-1]["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in card for b in row] == [f"s:contacted:{case}", f"s:close:{case}",
                                                                 f"s:pair:{case}"]
    assert [int(p["chat_id"]) for p in bot.request.sent("editMessageReplyMarkup")] == [SARI], "the old buttons go"

    [refused] = await bot.press(ANNA, f"s:claim:{case}")  # Anna's card from before Sari claimed
    assert refused["text"] == bot.said(ERRORS[staff.AlreadyClaimed], case=case, holder="Sari")
    await bot.press(SARI, f"s:claim:{case}")  # Sari's own stale card: a no-op
    assert case_row(staff_services, case) == ("claimed", "Sari")
    assert len(audit(staff_services, "handoff_claimed")) == 1 and len(outbox(staff_services, "case_claimed")) == 1


async def test_an_unknown_or_malformed_button_from_staff_is_refused(bot, staff_services):
    link(staff_services, "Sari", SARI)
    [missing] = await bot.press(SARI, "s:claim:999")
    assert missing["text"] == bot.said(ERRORS[staff.CaseNotFound], case=999)
    [bad] = await bot.press(SARI, "s:explode:1")
    assert bad["text"] == bot.said("That button is not valid.")
    assert [e.details["payload"] for e in audit(staff_services, "staff_button_invalid")] == ["s:explode:1"]


# Away and back -----------------------------------------------------------------------------------------------

def routed(services) -> tuple[str, bool]:  # noqa: ANN001
    with services.sessions() as session:
        picked = choose(session, topic="home_support", municipality="porvoo", lang="fi", now=services.clock())
        return picked.coordinator.first_name, picked.via_pair


async def test_away_until_a_date_sends_new_cases_to_the_pair_and_back_ends_it(bot, staff_services, clock):
    link(staff_services, "Sari", SARI)
    assert routed(staff_services) == ("Sari", False)
    [sent] = await bot.say(SARI, "/away 5.12.2026")
    assert "Anna" in sent["text"] and "5.12.2026" in sent["text"]
    with staff_services.sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
        assert (absence.starts_at, absence.ends_at) == (NOW, helsinki(2026, 12, 6, 0, 0)), "the whole last day"
    assert routed(staff_services) == ("Anna", True)

    clock.advance(days=3)
    [back] = await bot.say(SARI, "/back")
    assert back["text"] == bot.said("Welcome back. New cases come to you again.")
    assert routed(staff_services) == ("Sari", False)
    [again] = await bot.say(SARI, "/back")
    assert again["text"] == bot.said("You were not marked away.")
    assert [e.details["ended"] for e in audit(staff_services, "coordinator_back")] == [1, 0]

    [unreadable] = await bot.say(SARI, "/away huomenna")
    assert unreadable["text"] == bot.said("I could not read the date. Write it like /away 5.12.2026")
    [past] = await bot.say(SARI, "/away 1.11.2026")
    assert past["text"] == bot.said(ERRORS[staff.InvalidPeriod])
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Absence)) == 1


# Writing to the citizen --------------------------------------------------------------------------------------

async def test_reply_to_a_phone_case_is_refused(bot, staff_services):
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services, contact="phone")
    claim(staff_services, case, "Sari")
    [sent] = await bot.say(SARI, f"/reply {case} Hei, soitan huomenna.")
    assert sent["text"] == bot.said(ERRORS[staff.ChatNotChosen], case=case, contact=bot._(desk_module.CONTACT["phone"]))
    assert outbox(staff_services, "relay_out") == []
    assert [e.details["reason"] for e in audit(staff_services, "relay_refused")] == ["ChatNotChosen"]
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.sender != "system")) == 0


async def test_replying_to_a_card_writes_to_the_citizen(bot, staff_services):
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services)
    claim(staff_services, case, "Sari")
    with staff_services.sessions() as session:
        card, _ = bot.channel.desk.render_card(case_card(session.get(Handoff, case)), "fi", NOW, header="card")
    [sent] = await bot.say(SARI, "Hei! Voin soittaa sinulle huomenna kello 10.", reply_to=card)
    assert int(sent["chat_id"]) == SARI and f"#{case}" in sent["text"]
    [row] = outbox(staff_services, "relay_out")
    assert (row.recipient, row.payload["text"], row.payload["coordinator"]) == (
        str(CITIZEN), "Hei! Voin soittaa sinulle huomenna kello 10.", "Sari")
    with staff_services.sessions() as session:
        [message] = session.scalars(select(MessageLog).where(MessageLog.sender != "system")).all()
        assert (message.sender, message.direction, message.handoff_id, message.text) == (
            "coordinator", "out", case, "Hei! Voin soittaa sinulle huomenna kello 10.")
        assert session.scalar(select(Conversation.mode)) == "relay"

    [unclear] = await bot.say(SARI, "Tämä menee minne?", reply_to="Viesti ilman tapausnumeroa")
    assert "/reply" in unclear["text"] and len(outbox(staff_services, "relay_out")) == 1

    await bot.deliver()
    [to_citizen] = [p for p in bot.request.sent() if int(p["chat_id"]) == CITIZEN and "Voin soittaa" in p["text"]]
    assert to_citizen["text"].startswith("Hei! Voin soittaa sinulle huomenna kello 10.\n\n")
    assert "Sari" in to_citizen["text"].split("\n\n")[-1] and "Porvoon lähitori" in to_citizen["text"]


async def test_a_relay_to_a_citizen_who_blocked_the_bot_is_reported_to_the_coordinator(bot, staff_services):
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services)
    claim(staff_services, case, "Sari")
    await bot.deliver()  # the card and the claim message go out first
    await bot.say(SARI, f"/reply {case} Hei, miten voitte?")
    bot.request.script["sendMessage"].append((403, {"ok": False, "error_code": 403,
                                                    "description": "Forbidden: bot was blocked by the user"}))
    await bot.deliver()

    [relayed] = outbox(staff_services, "relay_out")
    assert relayed.failed_at is not None and relayed.sent_at is None and relayed.last_error == "PermanentSendError"
    with staff_services.sessions() as session:
        assert session.scalar(select(Citizen.blocked_at).where(Citizen.external_id == str(CITIZEN))) is not None
    [failed] = outbox(staff_services, "relay_failed")
    assert (failed.recipient, failed.payload["handoff_id"]) == (str(SARI), case)
    await bot.deliver()
    assert outbox(staff_services, "relay_failed")[0].sent_at is not None
    told = [p for p in bot.request.sent() if int(p["chat_id"]) == SARI and f"#{case}" in p["text"]]
    assert told[-1]["text"] == bot.said(telegram_outbox.RELAY_FAILED, case=case)

    [refused] = await bot.say(SARI, f"/reply {case} Oletteko siellä?")
    assert refused["text"] == bot.said(ERRORS[staff.CitizenUnreachable], case=case)
    assert len(outbox(staff_services, "relay_out")) == 1


async def test_what_staff_got_of_a_case_is_deleted_when_the_citizen_withdraws(bot, staff_services):
    """The card the outbox sent and the card Sari asked for are noted by id (no content) and deleted from her
    chat when the citizen withdraws consent; she is told why."""
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services)
    await bot.deliver()
    await bot.say(SARI, f"/case {case}")
    with staff_services.sessions() as session:
        noted = list(session.execute(select(StaffMessage.chat_id, StaffMessage.message_id)
                                     .where(StaffMessage.handoff_id == case).order_by(StaffMessage.id)))
    sent_ids = [call_index + 1 for call_index, (api, params) in enumerate(bot.request.calls)
                if api == "sendMessage" and int(params["chat_id"]) == SARI]
    assert [(chat, message) for chat, message in noted] == [(str(SARI), message) for message in sent_ids]
    assert len(noted) == 2

    menu = await bot.say(CITIZEN, "/mydata")
    [withdraw] = [button["callback_data"] for message in menu for row in message.get("reply_markup", {}).get(
        "inline_keyboard", []) for button in row if button["callback_data"].endswith(":withdraw")]
    await bot.press(CITIZEN, withdraw)
    await bot.deliver()
    assert [(int(p["chat_id"]), p["message_id"]) for p in bot.request.sent("deleteMessage")] == [
        (SARI, message) for message in sent_ids]
    told = [p["text"] for p in bot.request.sent() if int(p["chat_id"]) == SARI]
    assert told[-1] == bot.said(telegram_outbox.WITHDRAWN["consent_withdrawn"], case=case)
    with staff_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffMessage)) == 0


# Rendering ---------------------------------------------------------------------------------------------------

WORDS = "<b>Äiti</b> & isä <script>alert(1)</script> eivät pärjää"


async def test_the_card_shows_the_citizens_words_html_escaped(bot, staff_services):
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services, description=WORDS)
    await bot.deliver()
    [card] = [p for p in bot.request.sent() if int(p["chat_id"]) == SARI]
    assert card["parse_mode"] == "HTML" and f"#{case}" in card["text"]
    assert escaped(WORDS) in card["text"] and "<b>" not in card["text"] and "<script>" not in card["text"]
    assert "&lt;b&gt;Äiti&lt;/b&gt; &amp; isä" in card["text"]
    assert [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row] == [
        f"s:claim:{case}", f"s:pair:{case}"]

    shown = await bot.say(SARI, f"/case {case}")
    assert escaped(WORDS) in shown[-1]["text"] and shown[-1]["parse_mode"] == "HTML"


# parse_until ---------------------------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))


@given(day=DAYS, pad=st.booleans(), word=st.sampled_from(["", "asti ", "till ", "until "]))
def test_parse_until_reads_a_full_date(day: date, pad: bool, word: str):
    written = f"{day.day:02d}.{day.month:02d}.{day.year}" if pad else f"{day.day}.{day.month}.{day.year}"
    assert parse_until(word + written, today=date(2026, 11, 24)) == day
    assert parse_until(day.isoformat(), today=date(2026, 11, 24)) == day


@given(day=DAYS, today=DAYS, dot=st.booleans())
@example(day=date(2028, 2, 29), today=date(2026, 11, 24), dot=True)
@example(day=date(2096, 2, 29), today=date(2096, 3, 1), dot=False)
@example(day=date(2026, 12, 31), today=date(2026, 12, 31), dot=True)
@example(day=date(2026, 1, 1), today=date(2026, 12, 31), dot=True)
def test_parse_until_without_a_year_is_the_next_such_day(day: date, today: date, dot: bool):
    found = parse_until(f"{day.day}.{day.month}" + ("." if dot else ""), today=today)
    assert found is not None and (found.day, found.month) == (day.day, day.month)
    assert today <= found and (found - today).days < 366 * 8  # 29.2. may be eight years away (2096 → 2104)
    earlier = [date(year, day.month, day.day) for year in range(today.year, found.year)
               if (day.month, day.day) != (2, 29) or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))]
    assert all(candidate < today for candidate in earlier), "no earlier such day from today on"


@settings(max_examples=300)
@given(text=st.text(max_size=30))
def test_parse_until_never_raises(text: str):
    found = parse_until(text, today=date(2026, 11, 24))
    assert found is None or isinstance(found, date)


@pytest.mark.parametrize("text", ["", "huomenna", "32.1.2026", "31.4.", "29.2.2027", "5.12.2026 7.12.2026",
                                  "5/12/2026", "2026-13-01", "0.0."])
def test_parse_until_refuses_what_is_not_a_date(text: str):
    assert parse_until(text, today=date(2026, 11, 24)) is None


def test_parse_until_29_february_without_a_year_is_the_next_leap_day():
    assert parse_until("29.2.", today=date(2026, 11, 24)) == date(2028, 2, 29)
    assert parse_until("asti 29.2", today=date(2028, 2, 29)) == date(2028, 2, 29)


# The case history -----------------------------------------------------------------------------------------------

async def test_the_case_card_on_request_shows_its_history_with_the_escalation(bot, staff_services, clock):
    from bot.handoff.escalation import escalate_due

    link(staff_services, "Sari", SARI)
    link(staff_services, "Anna", ANNA)
    case = make_case(staff_services)  # Sari's, created at 10.00
    clock.advance(hours=2, minutes=5)
    with staff_services.sessions.begin() as session:
        assert escalate_due(session, now=clock(), claim_timeout=timedelta(hours=2)) == [case]
    clock.advance(minutes=10)
    [_, card] = await bot.press(ANNA, f"s:claim:{case}")  # the pair picks it up after the escalation
    [shown] = await bot.say(ANNA, f"/case {case}")
    history = shown["text"].split(bot._("History:"))[1].strip().splitlines()
    assert history == [
        "• ti 24.11. 10.00 " + bot._(desk_module.EVENTS["handoff_created"]),
        "• ti 24.11. 12.05 " + bot._(desk_module.EVENTS["handoff_escalated"]).format(level=1),
        "• ti 24.11. 12.15 " + bot._(desk_module.EVENTS["handoff_claimed"]).format(by="Anna"),
    ]
    assert bot._("History:") in card["text"]


async def test_a_staff_action_is_retried_when_the_citizens_conversation_changed_meanwhile(bot, staff_services,
                                                                                          monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    link(staff_services, "Sari", SARI)
    case = make_case(staff_services)
    desk, calls = bot.channel.desk, []
    real = desk._handle

    def stale_once(**given):  # noqa: ANN003, ANN202 - the first attempt loses the optimistic-lock race
        calls.append(given)
        if len(calls) == 1:
            raise StaleDataError("conversation version changed")
        return real(**given)

    monkeypatch.setattr(desk, "_handle", stale_once)
    await bot.press(SARI, f"s:claim:{case}")
    assert len(calls) == 2
    assert len(outbox(staff_services, "case_claimed")) == 1 and len(audit(staff_services, "handoff_claimed")) == 1
    with staff_services.sessions() as session:
        assert session.get(Handoff, case).status == "claimed"


@pytest.mark.parametrize(("lang", "urgency", "municipality"), [("fi", "Lähiviikkoina", "Porvoo"),
                                                               ("sv", "Inom de närmaste veckorna", "Borgå")])
def test_the_card_shows_the_citizens_choices_in_the_words_of_the_flows(bot, staff_services, lang, urgency,
                                                                       municipality):
    case = make_case(staff_services)  # urgency "soon", municipality "porvoo"
    with staff_services.sessions() as session:
        text, _ = bot.channel.desk.render_card(case_card(session.get(Handoff, case)), lang, NOW, header="card")
    assert bot._("Urgency: {urgency}", lang).format(urgency=urgency) in text
    assert bot._("Municipality: {municipality}", lang).format(municipality=municipality) in text
