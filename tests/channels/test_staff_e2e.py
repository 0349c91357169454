"""Citizen and coordinator in two Telegram chats, through the real polling loop and outbox job and the emulator:
a chat case from /start to the rating, in fi and sv; notifications queued during a Bot API outage arrive once."""
from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import Citizen, Coordinator, Feedback, Handoff, MessageLog, Need, Outbox
from bot.handoff import consent as consent_rules
from bot.handoff import staff
from bot.handoff.outbox import Backoff, notify_handoff_created
from bot.handoff.service import create_handoff
from tests.channels.conftest import BACKENDS
from tests.channels.test_telegram_e2e import FI, SV, walk_to_consent

pytestmark = [pytest.mark.e2e, BACKENDS]  # the real bot loop on SQLite and on PostgreSQL

CASE = re.compile(r"#(\d+)\b")
# The coordinator the routing picks for each script (the others of the unit are marked away first), the unit's
# name as the signature shows it, and the flows' feedback texts (flows are written in fi and sv, not gettext).
STAFF = {
    "fi": dict(coordinator_chat=6001, unit="Porvoon lähitori", comment_prompt="Haluatko vielä kertoa",
               thanks="Kiitos palautteestasi",
               citizen_says="Kiitos! Soittakaa mieluummin iltapäivällä, äiti nukkuu aamuisin.",
               replies=("Hei, olen katsonut asiaanne. Kotihoidon arviokäynti onnistuu ensi viikolla.",
                        "Sopisiko tiistai kello 13?", "Hyvä, kirjaan iltapäivän."),
               comment="Sari vastasi nopeasti ja selkeästi."),
    "sv": dict(coordinator_chat=6002, unit="Närtorget i Lovisa", comment_prompt="Vill du ännu berätta",
               thanks="Tack för din respons",
               citizen_says="Tack! Ring hellre på eftermiddagen, mamma sover på morgnarna.",
               replies=("Hej, jag har tittat på ert ärende. Hemvården kan komma på bedömningsbesök nästa vecka.",
                        "Passar tisdag klockan 13?", "Bra, jag antecknar eftermiddag."),
               comment="Henrik svarade snabbt och tydligt."),
}
SCRIPTS = pytest.mark.parametrize("script", [FI, SV], ids=["fi", "sv"])


def link_code(services, first_name: str, *, others_away: bool = True) -> str:  # noqa: ANN001
    """A one-time link code for the coordinator; the other coordinators of their unit are marked away, so the
    routing can only pick this one."""
    with services.sessions.begin() as session:
        me = session.scalar(select(Coordinator).where(Coordinator.first_name == first_name))
        if others_away:
            for other in session.scalars(select(Coordinator).where(Coordinator.unit_id == me.unit_id,
                                                                   Coordinator.id != me.id)):
                staff.set_away(session, coordinator_id=other.id, until=None, now=services.clock())
        return staff.create_link_code(session, coordinator_id=me.id, now=services.clock(), created_by="test")


def case_of(message) -> int | None:  # noqa: ANN001
    found = CASE.search(message.text)
    return int(found.group(1)) if found else None


@SCRIPTS
async def test_a_chat_case_from_start_to_rating(script, citizen_factory, channel_services):
    s, t = script, STAFF[script["lang"]]
    citizen = citizen_factory(s["chat"], s["lang"])
    coordinator = citizen_factory(t["coordinator_chat"], s["lang"])

    linked = await coordinator.send(f"/link {link_code(channel_services, s['coordinator'])}")
    assert s["coordinator"] in linked[0].text, "the link confirms who the account now is"

    # The citizen's way to a consented handoff "in this chat".
    await walk_to_consent(citizen, s)
    handed = await citizen.press(s["consent_yes"])
    assert s["handed"] in handed[0].text and s["coordinator"] in handed[0].text
    with channel_services.sessions() as session:
        handoff = session.scalars(select(Handoff)).one()
        case, holder = handoff.id, handoff.coordinator
        assert (holder.first_name, holder.telegram_chat_id) == (s["coordinator"], str(coordinator.chat_id))
        assert handoff.need.contact_preference == "chat"

    # The card reaches the coordinator's chat: the citizen's own words, and a Claim button.
    card = await coordinator.wait_for(lambda m: f"s:claim:{case}" in dict(m.buttons).values())
    assert case_of(card) == case and s["need"] in card.text and "&lt;" in card.raw, "the words, HTML-escaped"
    assert [data for _, data in card.buttons] == [f"s:claim:{case}", f"s:pair:{case}"]

    mark = len(citizen.received)
    claimed = await coordinator.press(data=f"s:claim:{case}", message_id=card.message_id)
    assert claimed[-1].buttons and f"s:close:{case}" in dict(claimed[-1].buttons).values()
    told = await citizen.wait_for(lambda m: s["coordinator"] in m.text, after=mark)
    assert t["unit"] in told.text and told.buttons == []

    # The coordinator writes with /reply; the citizen reads it signed with the name and the unit.
    first, second, third = t["replies"]
    sent = await coordinator.send(f"/reply {case} {first}")
    assert case_of(sent[0]) == case
    relayed = await citizen.wait_for(lambda m: m.text.startswith(first), after=mark)
    signature = relayed.text[len(first):]
    assert s["coordinator"] in signature and t["unit"] in signature

    # ...and by replying to the card (the emulator passes a client's reply_to_message through).
    sent = await coordinator.send(second, reply_to=card)
    assert case_of(sent[0]) == case
    await citizen.wait_for(lambda m: m.text.startswith(second) and s["coordinator"] in m.text, after=mark)

    # The citizen's answer goes to the coordinator, not to the bot.
    assert await citizen.send(t["citizen_says"]) == [], "in relay mode the bot stays silent"
    incoming = await coordinator.wait_for(lambda m: t["citizen_says"] in m.text)
    assert case_of(incoming) == case
    await coordinator.send(third, reply_to=incoming)
    await citizen.wait_for(lambda m: m.text.startswith(third), after=mark)

    # Close: the citizen is thanked by name and asked to rate, 1-5.
    closed = await coordinator.press(data=f"s:close:{case}")
    assert case_of(closed[0]) == case
    closing = await citizen.wait_for(lambda m: bool(m.buttons), after=mark)
    assert s["coordinator"] in closing.text
    assert [data for _, data in closing.buttons] == [f"fb:{case}:{n}" for n in range(1, 6)]
    prompt = await citizen.press(data=f"fb:{case}:4", message_id=closing.message_id)
    assert t["comment_prompt"] in prompt[-1].text
    thanks = await citizen.send(t["comment"])
    assert any(t["thanks"] in message.text for message in thanks)

    with channel_services.sessions() as session:
        [feedback] = session.scalars(select(Feedback)).all()
        assert (feedback.handoff_id, feedback.score, feedback.comment) == (case, 4, t["comment"])
        assert session.get(Handoff, case).status == "closed"
        transcript = [(m.sender, m.direction, m.text) for m in session.scalars(
            select(MessageLog).where(MessageLog.handoff_id == case).order_by(MessageLog.id))]
    assert transcript == [("system", "out", "[case_claimed]"), ("coordinator", "out", first),
                          ("coordinator", "out", second), ("citizen", "in", t["citizen_says"]),
                          ("coordinator", "out", third), ("system", "out", "[case_closed_feedback]")]


async def test_a_withdrawal_deletes_the_case_from_the_coordinators_chat(citizen_factory, channel_services, front,
                                                                       caplog):
    """Whatever the coordinator's chat got with the citizen's words (the card, the card shown again after the
    claim, a relayed message) is deleted there when the citizen withdraws consent; the notice stays."""
    caplog.set_level(logging.INFO, logger="bot.channels.telegram_outbox")
    s, t = FI, STAFF["fi"]
    citizen = citizen_factory(s["chat"], "fi")
    coordinator = citizen_factory(t["coordinator_chat"], "fi")
    await coordinator.send(f"/link {link_code(channel_services, s['coordinator'])}")
    await walk_to_consent(citizen, s)
    await citizen.press(s["consent_yes"])
    with channel_services.sessions() as session:
        case = session.scalars(select(Handoff.id)).one()
    card = await coordinator.wait_for(lambda m: f"s:claim:{case}" in dict(m.buttons).values())
    claimed = await coordinator.press(data=f"s:claim:{case}", message_id=card.message_id)
    await citizen.send(t["citizen_says"])
    relayed = await coordinator.wait_for(lambda m: t["citizen_says"] in m.text)
    words = [card.message_id, claimed[-1].message_id, relayed.message_id]

    mark = len(coordinator.received)
    menu = await citizen.send("/mydata")
    [withdraw] = [data for message in menu for _, data in message.buttons if data.endswith(":withdraw")]
    await citizen.press(data=withdraw, keyboard=menu[-1].buttons, message_id=menu[-1].message_id)
    notice = await coordinator.wait_for(lambda m: f"#{case}" in m.text, after=mark)
    assert case_of(notice) == case and t["citizen_says"] not in notice.text and s["need"] not in notice.text
    for _ in range(200):  # the retraction is its own outbox row; the job runs every 0.05 s here
        if len(front.sent("deleteMessage", coordinator.chat_id)) >= len(words):
            break
        await asyncio.sleep(0.05)
    assert sorted(int(p["message_id"]) for p in front.sent("deleteMessage", coordinator.chat_id)) == sorted(words)
    assert "staff message not deleted" not in caplog.text, "the emulator found and deleted each one"


# An outage of the Bot API -------------------------------------------------------------------------------------

def make_case(services, n: int, coordinator: Coordinator) -> int:  # noqa: ANN001
    """A consented case to `coordinator`, made the way a citizen's consent makes it, with its notification."""
    now = services.clock()
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id=str(7100 + n), language="fi", created_at=now,
                          last_seen_at=now)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic="home_support", description=f"Tarve numero {n}", for_whom="self",
                    municipality="porvoo", urgency="soon", contact_preference="chat", language="fi", created_at=now)
        session.add(need)
        session.flush()
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text=f"consent {n}", decision="given", lang="fi",
            unit_id=coordinator.unit_id, coordinator_id=coordinator.id, pair_id=coordinator.pair_id, now=now)
        handoff, _ = create_handoff(session, need=need, consent=consent, now=now)
        notify_handoff_created(session, handoff)
        return handoff.id


async def test_notifications_queued_in_an_outage_arrive_once_when_it_ends(running_bot, citizen_factory,
                                                                          channel_services):
    front, token = running_bot.front, running_bot.token
    worker = running_bot.application.bot_data["channel"].worker
    worker.dispatcher.backoff = Backoff(base=timedelta(milliseconds=200), cap=timedelta(milliseconds=400))
    coordinator = citizen_factory(6003, "fi")
    # Linked through the deep link t.me/<bot>?start=CODE, which Telegram sends as /start CODE.
    code = staff.normalise_code(link_code(channel_services, 'Sari', others_away=False))
    linked = await coordinator.send(f"/start {code}")
    assert "Sari Laine" in linked[0].text
    with channel_services.sessions() as session:
        sari = session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari"))

    front.outage(token, down=True)
    cases = [make_case(channel_services, n, sari) for n in range(5)]

    def rows() -> list[Outbox]:
        with channel_services.sessions() as session:
            return list(session.scalars(select(Outbox).where(Outbox.kind == "handoff_new")))

    await wait_until(lambda: len(rows()) == 5 and all(r.attempts >= 2 for r in rows()),
                     what="every notification tried (and refused) twice during the outage")
    assert all(r.sent_at is None and r.failed_at is None and r.last_error == "NetworkError" for r in rows())
    assert {int(p["chat_id"]) for _, p in front.refused} == {coordinator.chat_id}
    mark = len(coordinator.received)

    front.outage(token, down=False)
    await wait_until(lambda: all(r.sent_at is not None for r in rows()), what="every notification sent")
    for case in cases:
        await coordinator.wait_for(lambda m, case=case: case_of(m) == case, after=mark)
    await coordinator.fetch()
    arrived = Counter(case_of(m) for m in coordinator.received[mark:])
    assert arrived == Counter({case: 1 for case in cases}), "each case's card arrived exactly once"
    assert all(r.failed_at is None and r.attempts >= 3 for r in rows())
    with channel_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) == 0


async def wait_until(condition, *, what: str, timeout: float = 20) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)
