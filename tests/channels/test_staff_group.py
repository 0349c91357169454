"""A unit's staff group chat set from Telegram, and messages without words, with python-telegram-bot's objects."""
from __future__ import annotations

import time

from sqlalchemy import select
from telegram import Update

from bot.db.models import AuditEvent, Coordinator, Unit
from tests.channels.test_telegram_handlers import make_app, message_update, unit_services  # noqa: F401 - fixtures

GROUP = -100777


def group_command(update_id: int, text: str, *, user_id: int, bot) -> Update:  # noqa: ANN001
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        "chat": {"id": GROUP, "type": "supergroup", "title": "Porvoon lähitori"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Sari", "language_code": "fi"}}}, bot)


def link(services, first_name: str, chat_id: int) -> None:  # noqa: ANN001
    with services.sessions.begin() as session:
        session.scalar(select(Coordinator).where(Coordinator.first_name == first_name)).telegram_chat_id = str(chat_id)


def unit_group(services, code: str) -> str | None:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalar(select(Unit.staff_chat_id).where(Unit.code == code))


async def test_a_linked_coordinator_makes_a_group_their_units_staff_chat_and_can_undo_it(make_app, unit_services):
    link(unit_services, "Sari", 5101)
    app, request = await make_app()
    await app.process_update(group_command(1, "/unitgroup", user_id=5101, bot=app.bot))
    assert unit_group(unit_services, "porvoo") == str(GROUP)
    [said] = request.sent()
    assert said["chat_id"] == GROUP and "Porvoo" in said["text"]

    await app.process_update(group_command(2, "/unitgroup off", user_id=5101, bot=app.bot))
    assert unit_group(unit_services, "porvoo") is None
    with unit_services.sessions() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "unit_group_set")
                                      .order_by(AuditEvent.id)))
    assert [e.details["removed"] for e in events] == [False, True]
    assert all(e.actor.startswith("coordinator:") for e in events)


async def test_someone_not_linked_cannot_claim_a_group_and_gets_no_answer_there(make_app, unit_services):
    app, request = await make_app()
    await app.process_update(group_command(1, "/unitgroup", user_id=999, bot=app.bot))
    assert unit_group(unit_services, "porvoo") is None and request.sent() == []
    with unit_services.sessions() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_command_refused"))
    assert event.actor == "chat:999" and event.details["command"] == "unitgroup"


async def test_a_voice_message_or_sticker_gets_a_short_answer_in_the_citizens_language(make_app):
    app, request = await make_app()
    for update_id, extra, lang in ((1, {"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}}, "sv"),
                                   (2, {"sticker": {"file_id": "s", "file_unique_id": "s1", "type": "regular",
                                                    "width": 1, "height": 1, "is_animated": False,
                                                    "is_video": False}}, "fi")):
        await app.process_update(Update.de_json({"update_id": update_id, "message": {
            "message_id": update_id, "date": int(time.time()), "chat": {"id": 4000 + update_id, "type": "private"},
            "from": {"id": 4000 + update_id, "is_bot": False, "first_name": "M", "language_code": lang}, **extra}},
            app.bot))
    voice, sticker = request.sent()
    assert voice["chat_id"] == 4001 and "skriv" in voice["text"].lower()
    assert sticker["chat_id"] == 4002 and "kirjoit" in sticker["text"].lower()
