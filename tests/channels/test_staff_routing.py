"""A coordinator's reply goes to the case of the message they replied to, found by its kept message id, never by a
case number in the citizen's own words; every piece of a long relayed message is kept; the outbox lease is short."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.db.models import Outbox, StaffMessage
from bot.handoff.outbox import Dispatcher
from tests.channels.test_staff_handlers import CITIZEN, SARI, bot, claim, clock, link, make_case, outbox, staff_services  # noqa: F401


async def reply_to(bot, user_id: int, text: str, *, message_id: int, replied_text: str) -> list[dict]:  # noqa: ANN001, F811
    before = len(bot.request.sent())
    update_id = next(bot.update_ids)
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "text": text, "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Testi", "language_code": "fi"},
        "reply_to_message": {"message_id": message_id, "date": int(time.time()), "text": replied_text,
                             "chat": {"id": user_id, "type": "private"},
                             "from": {"id": 123456, "is_bot": True, "first_name": "Lähitori"}}}
    await bot.app.process_update(Update.de_json({"update_id": update_id, "message": message}, bot.app.bot))
    return bot.request.sent()[before:]


async def test_a_reply_to_the_second_piece_of_a_long_message_goes_to_its_case(bot, staff_services):  # noqa: F811
    link(staff_services, "Sari", SARI)
    other = make_case(staff_services)  # another citizen's case, which the words below name
    case = make_case(staff_services, chat_id=CITIZEN + 1, description="Isä tarvitsee apua.")
    claim(staff_services, case, "Sari")
    await bot.deliver()  # the cards first
    words = ("🙂 " * 1200).strip() + "\n\n" + f"Kuten tapauksessa #{other} kerroin, " + ("🙂 " * 300).strip()
    await bot.say(CITIZEN + 1, words)
    start = len(bot.request.calls)
    await bot.deliver()
    pieces = [(index + 1, params["text"]) for index, (name, params) in enumerate(bot.request.calls)
              if index >= start and name == "sendMessage" and int(params["chat_id"]) == SARI]
    assert len(pieces) == 2 and f"#{other}" in pieces[1][1].split("\n", 1)[0], "the citizen's '#N' opens piece 2"
    with staff_services.sessions() as session:
        kept = set(session.scalars(select(StaffMessage.message_id).where(StaffMessage.handoff_id == case)))
    assert {message_id for message_id, _text in pieces} <= kept, "every piece's id is kept"

    [sent] = await reply_to(bot, SARI, "Soitan huomenna.", message_id=pieces[1][0], replied_text=pieces[1][1])
    assert f"#{case}" in sent["text"] and f"#{other}" not in sent["text"]
    [row] = outbox(staff_services, "relay_out")
    assert (row.recipient, row.handoff_id) == (str(CITIZEN + 1), case), "to the citizen whose message it was"


async def test_without_a_kept_id_only_the_bots_own_header_names_the_case(bot, staff_services):  # noqa: F811
    link(staff_services, "Sari", SARI)
    other = make_case(staff_services)
    case = make_case(staff_services, chat_id=CITIZEN + 1)
    claim(staff_services, case, "Sari")
    [unclear] = await reply_to(bot, SARI, "Kenelle tämä menee?", message_id=999_999,
                               replied_text=f"Isä sanoi, että tapaus #{other} on hänen")
    assert "/reply" in unclear["text"] and outbox(staff_services, "relay_out") == []
    [sent] = await reply_to(bot, SARI, "Soitan huomenna.", message_id=999_998,
                            replied_text=f"Asia #{case}: asiakas kirjoittaa:\n\nkatso #{other}")
    assert f"#{case}" in sent["text"]


async def test_a_crashed_senders_lease_expires_in_seconds_and_a_long_round_renews_its_own(staff_services,  # noqa: F811
                                                                                          clock):  # noqa: F811
    link(staff_services, "Sari", SARI)
    make_case(staff_services)
    sent: list[int] = []
    dispatcher = Dispatcher(staff_services.sessions, send=lambda row: sent.append(row.id), clock=clock)
    assert dispatcher.lease <= timedelta(seconds=60)
    leased = dispatcher.lease_due()  # then this sender dies before sending
    assert leased and (await dispatcher.run_once()).sent == 0
    clock.advance(seconds=dispatcher.lease.total_seconds() + 1)
    assert (await dispatcher.run_once()).sent == len(leased), "sent by the next round once the short lease ran out"

    for n in range(3):
        make_case(staff_services, chat_id=CITIZEN + 10 + n)
    order: list[int] = []

    def slow(row: Outbox) -> None:  # each send takes 20 s of the frozen clock
        order.append(row.id)
        clock.advance(seconds=20)

    patient = Dispatcher(staff_services.sessions, send=slow, clock=clock)
    rival = Dispatcher(staff_services.sessions, send=lambda row: order.append(-row.id), clock=clock)
    original, renewed = patient.renew, []

    def renew_and_race(ids: list[int]) -> None:
        original(ids)
        renewed.append(len(ids))
        assert rival.lease_due() == [], "the rows still to send stay leased while the first round goes on"

    patient.renew = renew_and_race  # type: ignore[method-assign]
    report = await patient.run_once()
    assert report.sent >= 3 and renewed and all(row_id > 0 for row_id in order), "nothing sent twice"
