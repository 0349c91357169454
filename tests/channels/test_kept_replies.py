"""Replies kept in the stored update (bot/db/inbound.py) in the real Application: a turn whose result never came back
after its commit (a worker that died then) is answered with what it kept, not with an apology, and not run again."""
from __future__ import annotations

import asyncio
import html
from typing import Any

from sqlalchemy import func, select

from bot.channels import telegram as tg
from bot.conversation import TurnResult, TurnRunner
from bot.db.models import InboundUpdate, MessageLog
from tests.channels.test_telegram_handlers import make_app, message_update, unit_services  # noqa: F401 - fixtures


class DiesAfterItsCommit:
    """The real turn, whose result is lost on the way back (as when a worker process dies right after its commit)."""

    def __init__(self, services) -> None:  # noqa: ANN001
        self.runner, self.calls = TurnRunner(services), 0

    def handle(self, **given: Any) -> TurnResult:
        self.calls += 1
        self.runner.handle(**given)
        raise RuntimeError("the turn worker exited")


async def handled(app, count: int) -> None:  # noqa: ANN001
    inbox = app.bot_data["channel"].inbox
    for _ in range(400):
        if inbox.handled >= count:
            await inbox.writes.finished()
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not handled")


async def test_a_turn_whose_result_was_lost_after_its_commit_answers_with_what_it_kept(make_app,  # noqa: F811
                                                                                        unit_services):  # noqa: F811
    runner = DiesAfterItsCommit(unit_services)
    app, request = await make_app(runner)
    await app.update_queue.put(message_update(1, "/start", bot=app.bot))  # stored first, then run by the inbox
    await handled(app, 1)
    with unit_services.sessions() as session:
        recorded = session.scalars(select(MessageLog.text).where(MessageLog.direction == "out")
                                   .order_by(MessageLog.id)).all()
        left = session.scalar(select(func.count()).select_from(InboundUpdate))
    sent = [html.unescape(params["text"]) for params in request.sent()]
    assert recorded and sent == list(recorded), "the replies the turn committed, once each"
    assert unit_services.i18n.gettext("fi", tg.ERROR_TEXT) not in sent
    assert runner.calls == 1 and left == 0, "not run again; the stored update is gone"
