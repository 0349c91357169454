"""A unit's staff group chat asked for from Telegram and approved by an administrator (nothing reaches it before),
and messages without words, with python-telegram-bot's objects."""
from __future__ import annotations

import html
import time

from sqlalchemy import select
from telegram import Update

from bot.channels.telegram_staff import GROUP_TEXTS
from bot.cli import main
from bot.db.models import AuditEvent, Coordinator, Unit
from tests.channels.test_staff_handlers import CITIZEN, SARI, bot, clock, make_case, staff_services  # noqa: F401
from tests.channels.test_staff_handlers import link as link_by_code
from tests.channels.test_telegram_handlers import make_app, message_update, unit_services  # noqa: F401 - fixtures
from tests.conftest import TEST_KEY

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


def pending_group(services, code: str) -> str | None:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalar(select(Unit.staff_chat_pending).where(Unit.code == code))


def group_text(services, key: str, lang: str, unit: str, code: str = "porvoo") -> str:  # noqa: ANN001
    return html.escape(services.i18n.gettext(lang, GROUP_TEXTS[key]).format(unit=unit, code=code), quote=False)


async def test_a_linked_coordinator_asks_for_a_group_which_waits_for_an_administrator(make_app, unit_services):
    link(unit_services, "Sari", 5101)
    app, request = await make_app()
    await app.process_update(group_command(1, "/unitgroup", user_id=5101, bot=app.bot))
    assert (unit_group(unit_services, "porvoo"), pending_group(unit_services, "porvoo")) == (None, str(GROUP))
    [said] = request.sent()
    assert said["chat_id"] == GROUP
    assert said["text"] == group_text(unit_services, "waiting", "fi", "Porvoon lähitori (demo)")
    assert "lahitori staff group approve porvoo" in said["text"]

    await app.process_update(group_command(2, "/unitgroup off", user_id=5101, bot=app.bot))
    assert (unit_group(unit_services, "porvoo"), pending_group(unit_services, "porvoo")) == (None, None)
    assert request.sent()[-1]["text"] == group_text(unit_services, "off", "fi", "Porvoon lähitori (demo)")
    with unit_services.sessions() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action.like("unit_group_%"))
                                      .order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["unit_group_requested", "unit_group_removed"]
    assert all(e.actor.startswith("coordinator:") for e in events)


async def test_the_group_is_told_in_the_units_language(make_app, unit_services):
    link(unit_services, "Henrik", 5102)  # Närtorget i Lovisa writes Swedish first
    with unit_services.sessions.begin() as session:
        session.scalar(select(Unit).where(Unit.code == "loviisa")).languages = ["sv", "fi"]
    app, request = await make_app()
    await app.process_update(group_command(1, "/unitgroup", user_id=5102, bot=app.bot))
    [said] = request.sent()
    assert said["text"] == group_text(unit_services, "waiting", "sv", "Närtorget i Lovisa (demo)", "loviisa")
    assert said["text"].startswith("En administratör") and "lahitori staff group approve loviisa" in said["text"]


def to_group(bot) -> list[str]:  # noqa: ANN001
    return [sent["text"] for sent in bot.request.sent() if int(sent.get("chat_id", 0)) == GROUP]


async def test_an_unapproved_group_gets_nothing_and_after_approval_gets_the_card(bot, staff_services, monkeypatch,
                                                                              capsys):
    link_by_code(staff_services, "Sari", SARI)
    await bot.app.process_update(group_command(900_001, "/unitgroup", user_id=SARI, bot=bot.app.bot))
    assert len(to_group(bot)) == 1, "only the note that an administrator must approve"

    make_case(staff_services, to=None, description="Isä tarvitsee apua kauppareissuihin.")
    await bot.say(CITIZEN, "haluan kuolla")  # a crisis during opening hours: an alert to an approved group
    await bot.deliver()
    assert len(to_group(bot)) == 1, "no card, no crisis alert before the approval"
    assert not any("Isä tarvitsee" in text for text in to_group(bot))

    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    url = staff_services.settings.database_url
    capsys.readouterr()
    assert main(["staff", "--db", url, "group", "approve", "porvoo"]) == 0
    assert capsys.readouterr().out.startswith(f"porvoo: group {GROUP} approved")
    assert unit_group(staff_services, "porvoo") == str(GROUP)

    make_case(staff_services, to=None, description="Äiti tarvitsee kotihoitoa.", chat_id=CITIZEN + 1)
    await bot.deliver()
    [note, card] = to_group(bot)
    assert "Äiti tarvitsee kotihoitoa." in card and "Isä" not in card
    await bot.say(CITIZEN, "haluan kuolla")
    await bot.deliver()
    [_note, _card, alert] = to_group(bot)
    assert "haluan" not in alert, "the alert carries no words of the citizen"


async def test_someone_not_linked_cannot_claim_a_group_and_gets_no_answer_there(make_app, unit_services):
    app, request = await make_app()
    await app.process_update(group_command(1, "/unitgroup", user_id=999, bot=app.bot))
    assert unit_group(unit_services, "porvoo") is None and pending_group(unit_services, "porvoo") is None
    assert request.sent() == []
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
