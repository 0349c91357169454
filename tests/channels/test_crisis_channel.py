"""The crisis answer cannot be switched off: help on receipt (before the turn, whatever waits) and help when the turn
fails. A bot that starts with invalid flows (the published ones, or the built-in fallback): test_flows_start.py."""
from __future__ import annotations

import asyncio

from telegram import Update

from bot.channels import telegram as tg
from bot.conversation import TurnResult
from bot.dialogue.models import Reply
from tests.channels.test_telegram_handlers import ScriptedRunner, make_app, message_update, unit_services  # noqa: F401

CRISIS = "haluan kuolla"


class CrisisRunner(ScriptedRunner):
    """A slow turn that answers a crisis text as the TurnRunner does: the help first, events 'crisis'."""

    def handle(self, **given):  # noqa: ANN003, ANN201
        super().handle(**given)
        return TurnResult(replies=[Reply("Soita 112 (vuoron oma apu)"), Reply("Jatketaan")], lang="fi",
                          events=["crisis"])


async def until(predicate, timeout: float = 5) -> None:  # noqa: ANN001
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def test_a_failed_turn_still_answers_a_crisis_text_with_help(make_app, unit_services):  # noqa: F811
    app, request = await make_app(ScriptedRunner(fail=True))
    await app.process_update(message_update(21, CRISIS, bot=app.bot))
    texts = [sent["text"] for sent in request.sent()]
    assert len(texts) == 2 and "112" in texts[0], texts
    assert texts[1] == unit_services.i18n.gettext("fi", tg.ERROR_TEXT)
    await app.process_update(message_update(22, "kotihoito", bot=app.bot))
    assert len(request.sent()) == 3, "an everyday text that fails gets the apology only"


async def test_the_help_goes_out_on_receipt_before_the_turn_and_only_once(make_app):  # noqa: F811
    runner = CrisisRunner(delay=0.5)
    app, request = await make_app(runner)
    slow = message_update(30, "slow", chat_id=42, bot=app.bot)
    crisis_update = message_update(31, CRISIS, chat_id=42, bot=app.bot)
    for update in (slow, crisis_update):
        await app.update_queue.put(update)  # stored, then run in order: the crisis text waits for the slow turn
    await until(lambda: any("112" in sent["text"] for sent in request.sent()))
    assert CRISIS not in [call.get("text") for call in runner.calls], "the help went out before the crisis turn ran"
    await until(lambda: len(runner.calls) == 2 and len(request.sent()) >= 4)
    await asyncio.sleep(0.1)
    texts = [sent["text"] for sent in request.sent()]
    assert texts.count("Soita 112 (vuoron oma apu)") == 1, "the slow turn's own help (the first message)"
    assert sum("112" in text for text in texts) == 2, f"the crisis turn did not repeat the help: {texts}"
    assert texts[-1] == "Jatketaan"


async def test_staff_and_commands_are_not_guarded_on_receipt(make_app):  # noqa: F811
    app, _request = await make_app(ScriptedRunner(Reply("ok")))
    channel: tg.TelegramChannel = app.bot_data["channel"]
    command = Update.de_json({"update_id": 40, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "/start haluan kuolla",
        "from": {"id": 5, "is_bot": False, "first_name": "A"}}}, app.bot)
    assert channel.citizen_text(command) is None
    assert channel.citizen_text(message_update(41, CRISIS, chat_id=-100, chat_type="group", bot=app.bot)) is None
    assert channel.citizen_text(message_update(42, CRISIS, bot=app.bot)) == CRISIS
