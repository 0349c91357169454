"""Delivering the outbox in Telegram: each row kind rendered in its reader's language, and the background job that
runs the dispatcher on the rows of channel "telegram" every OUTBOX_INTERVAL seconds. The escalation, the forgetting
of old ids and the e-mails run in StaffJobs (bot/channels/staff_jobs.py), which runs without Telegram too."""
from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TimedOut

from bot.channels.background import Background
from bot.channels.telegram import CHANNEL, MAX_CHARS, keyboard, mark_blocked, split_text
from bot.channels.telegram_staff import StaffDesk
from bot.db.models import Handoff, Outbox
from bot.dialogue.models import Button
from bot.flowspec.schema import FeedbackStep
from bot.handoff import follow_up, relay
from bot.handoff.outbox import RETRACT, Dispatcher, PermanentSendError
from bot.i18n import N_, I18n
from bot.services import Services

logger = logging.getLogger(__name__)

CITIZEN_KINDS = {"case_claimed", "case_reassigned", "case_closed_feedback", "relay_out", follow_up.KIND}
CARD_KINDS = {"handoff_new", "handoff_given", "handoff_escalated"}
CONTENT_KINDS = CARD_KINDS | {"relay_in", "case_addition"}  # carry the citizen's words: retracted on withdrawal

CLAIMED = N_("{who} now has your case.")
CLAIMED_CHAT = N_("You can write here: your messages go to {name}, who will answer in this chat.")
CLAIMED_OTHER = N_("{name} will contact you the way you agreed.")
REASSIGNED = N_("From now on your case is handled by {who}.")
CLOSED = N_("{name} has closed your case. If you need help again, just write here.")
SIGNATURE = N_("– {name}, {unit}")
RELAY_IN = N_("Case #{case}: the citizen writes:")
RELAY_HINT = N_("Reply to this message to answer.")
RELAY_CRISIS = N_("The crisis guard answered this message with emergency guidance.")
ADDITION = N_("Case #{case}: the citizen added to their need:")
WITHDRAWN = {
    "consent_withdrawn": N_("Case #{case}: the citizen withdrew their consent. The case is cancelled: do not contact "
                            "them about it, and delete any notes you made of it."),
    "data_deleted": N_("Case #{case}: the citizen deleted their data. The case is cancelled: do not contact them "
                       "about it, and delete any notes you made of it."),
}
RELAY_FAILED = N_("Case #{case}: your message could not be delivered, because the citizen has blocked the bot.")
CRISIS_ALERT = N_("The bot has just given emergency guidance in the chat ({help}, in {language}, at {time}). "
                  "The person's words and identity are not shown: they have not consented to it. "
                  "If they call the lähitori, they may need help at once.")
CRISIS_HELP = {"medical": N_("a medical emergency"), "suicidal": N_("thoughts of suicide"),
               "poisoning": N_("a poisoning"), "violence": N_("violence")}
LANGUAGE_NAMES = {"fi": N_("Finnish"), "sv": N_("Swedish")}
REPEAT = N_("(sent again after an interruption)")  # a piece whose earlier send is in doubt: maybe a second copy
MARK_ROOM = 80  # UTF-16 units a piece leaves free for REPEAT


def _payload(row: Outbox) -> dict[str, Any]:
    """The content of a row being sent (cleared only once the row is sent or given up)."""
    assert row.payload is not None, f"outbox {row.id} has no payload"
    return row.payload


Piece = tuple[str, InlineKeyboardMarkup | None]


class OutboxSender:
    """The dispatcher's channel (bot/handoff/dispatch.py): one outbox row as Telegram messages, a piece each; a block
    or a bad chat is permanent, a timeout leaves the send in doubt. The dispatcher keeps the message id of each piece
    of a row that carries a citizen's words (CONTENT_KINDS), so that a withdrawal can delete every copy."""

    def __init__(self, services: Services, bot: Bot, desk: StaffDesk) -> None:
        self.services, self.bot, self.desk = services, bot, desk

    def pieces(self, row: Outbox, *, repeat: int | None) -> list[Piece | None]:
        """The row's messages; the one at `repeat` begins with a line saying it may be a second copy."""
        if row.kind == RETRACT:
            return [None]
        pieces: list[Piece | None] = list(self.render(row))
        if repeat is not None and repeat < len(pieces):
            text, markup = cast(Piece, pieces[repeat])
            lang = "sv" if _payload(row).get("lang") == "sv" else "fi"
            pieces[repeat] = (html.escape(self.services.i18n.gettext(lang, REPEAT), quote=False) + "\n\n" + text,
                              markup)
        return pieces

    def keeps(self, row: Outbox) -> bool:
        return row.kind in CONTENT_KINDS

    def in_doubt(self, error: BaseException) -> bool:
        return isinstance(error, TimedOut)  # the request went; its answer did not come

    async def send_piece(self, row: Outbox, piece: object) -> int | None:
        if row.kind == RETRACT:
            await self.retract(row)
            return None
        text, markup = cast(Piece, piece)
        try:
            message = await self.bot.send_message(row.recipient, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                                  link_preview_options=LinkPreviewOptions(is_disabled=True))
            return message.message_id
        except Forbidden as error:
            if row.kind in CITIZEN_KINDS:
                await asyncio.to_thread(self.citizen_blocked, row)
            else:
                logger.error("a coordinator's chat refuses the bot (outbox %d, %s)", row.id, row.kind)
            raise PermanentSendError(type(error).__name__) from error
        except BadRequest as error:
            logger.error("Telegram rejected outbox %d (%s): %s", row.id, row.kind, type(error).__name__)
            raise PermanentSendError(type(error).__name__) from error

    async def retract(self, row: Outbox) -> None:
        """Delete earlier staff messages about a withdrawn case; one already gone or too old is passed over."""
        for message_id in _payload(row).get("messages", []):
            try:
                await self.bot.delete_message(row.recipient, message_id)
            except (BadRequest, Forbidden) as error:
                logger.info("staff message not deleted (outbox %d): %s", row.id, type(error).__name__)

    def render(self, row: Outbox) -> list:
        payload, kind = _payload(row), row.kind
        lang = "sv" if payload.get("lang") == "sv" else "fi"
        _ = lambda message: self.services.i18n.gettext(lang, message)  # noqa: E731
        case = payload.get("handoff_id")
        buttons: list[tuple[str, str]] = []
        if kind in CARD_KINDS:
            text, buttons = self.desk.render_card(payload["card"], lang, self.services.clock(), header=kind,
                                                  giver=payload.get("from") or "–")
        elif kind == "relay_in":
            text = _(RELAY_IN).format(case=case) + "\n\n" + payload["text"] + "\n\n"
            text += (_(RELAY_CRISIS) + "\n" if payload.get("crisis") else "") + _(RELAY_HINT)
        elif kind == "case_addition":
            text = _(ADDITION).format(case=case) + "\n\n" + payload["text"]
        elif kind == "case_withdrawn":
            text = _(WITHDRAWN.get(payload.get("reason") or "", WITHDRAWN["consent_withdrawn"])).format(case=case)
        elif kind == "crisis_alert":
            at = datetime.fromisoformat(payload["at"]).astimezone(ZoneInfo(self.services.settings.timezone))
            text = _(CRISIS_ALERT).format(help=_(CRISIS_HELP.get(payload.get("help") or "", CRISIS_HELP["medical"])),
                                          language=_(LANGUAGE_NAMES.get(payload.get("citizen_lang") or "", "Finnish")),
                                          time=I18n.time(at, lang))
        elif kind == "relay_failed":
            text = _(RELAY_FAILED).format(case=case)
        elif kind == "relay_out":
            text = payload["text"] + "\n\n" + _(SIGNATURE).format(name=payload["coordinator"], unit=payload["unit"])
        elif kind in ("case_claimed", "case_reassigned"):
            who = ", ".join(v for v in (payload.get("coordinator"), payload.get("title"), payload["unit"]) if v)
            name = payload.get("coordinator") or payload["unit"]
            template = CLAIMED if kind == "case_claimed" else REASSIGNED
            text = _(template).format(who=who)
            text += " " + _(CLAIMED_CHAT if payload.get("chat") else CLAIMED_OTHER).format(name=name)
        elif kind == "case_closed_feedback":
            text, buttons = self.closing(payload, lang)
        elif kind == follow_up.KIND:  # "did you get the help you needed?", a unit's choice (bot/handoff/follow_up.py)
            text = _(follow_up.QUESTION).format(case=case)
            buttons = [(_(follow_up.LABELS[a]), f"{follow_up.PREFIX}{case}:{a}") for a in follow_up.ANSWERS]
        else:
            raise PermanentSendError(f"unknown outbox kind {kind}")
        # Each piece leaves room for the line of a possible repeat (REPEAT), should its send ever be in doubt.
        pieces = [html.escape(piece, quote=False) for piece in split_text(text, MAX_CHARS - MARK_ROOM)]
        markup = keyboard(tuple(Button(label=label, payload=data) for label, data in buttons))
        return [(piece, None) for piece in pieces[:-1]] + [(pieces[-1], markup)] if pieces else []

    def closing(self, payload: dict, lang: str) -> tuple[str, list[tuple[str, str]]]:
        """The closing message and, when the flows have a feedback step, its question with 1-5 buttons."""
        _ = lambda message: self.services.i18n.gettext(lang, message)  # noqa: E731
        text = _(CLOSED).format(name=payload.get("coordinator") or payload["unit"])
        flows = self.services.flows.current()
        where = flows.feedback
        if where is None:
            return text, []
        step = flows.step(*where)
        assert isinstance(step, FeedbackStep)  # `feedback` finds a step of kind "feedback"
        case = payload["handoff_id"]
        return text + "\n\n" + step.text.get(lang), [(str(n), f"fb:{case}:{n}") for n in range(1, 6)]

    def citizen_blocked(self, row: Outbox) -> None:
        """Mark the citizen blocked; a coordinator's undelivered message is reported back to them."""
        now = self.services.clock()
        with self.services.sessions.begin() as session:
            mark_blocked(session, row.recipient, now=now)
            handoff = session.get(Handoff, _payload(row).get("handoff_id") or 0)
            if row.kind == "relay_out" and handoff is not None:
                relay.to_staff(session, handoff, kind="relay_failed", dedupe_key=f"relay_failed:{row.id}", now=now)
        logger.info("a citizen has blocked the bot (outbox %d)", row.id)


class OutboxWorker(Background):
    """Runs in the bot's event loop: delivers due outbox rows of channel "telegram" (staff chats and citizens)."""

    task_name = "lahitori-outbox"

    def __init__(self, services: Services, bot: Bot, desk: StaffDesk, *, interval: float | None = None) -> None:
        self.services = services
        self.interval = interval if interval is not None else services.settings.outbox_interval
        self.dispatcher = Dispatcher(services.sessions, send=OutboxSender(services, bot, desk), clock=services.clock,
                                     channels={CHANNEL})

    async def run(self) -> None:
        while True:
            try:
                while True:  # a full batch means more may be due
                    report = await self.dispatcher.run_once()
                    if report.rows < self.dispatcher.batch_size:
                        break
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the loop must outlive a database hiccup
                logger.error("outbox round failed: %s", type(error).__name__)
            await asyncio.sleep(self.interval)
