"""The Telegram channel: turn updates into runner calls and replies into messages; no domain rules here."""
from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import random
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
    User,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_inbox import BURST, RATE, ChatGate, DurableQueue, InboundStore, Inbox
from bot.channels.telegram_staff import StaffDesk
from bot.conversation import TurnResult, TurnRunner
from bot.db.models import Citizen, MessageLog, ProcessedUpdate
from bot.dialogue import crisis
from bot.dialogue.models import Button, Document, Reply
from bot.dialogue.system import COMMANDS, DESCRIPTIONS
from bot.handoff.audit import record
from bot.i18n import N_
from bot.services import Services
from bot.turn_workers import ThreadTurns, Turns

if TYPE_CHECKING:
    from bot.channels.retention_job import RetentionJob
    from bot.channels.staff_jobs import StaffJobs
    from bot.channels.telegram_outbox import OutboxWorker

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_CHARS = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted in UTF-16 code units after entity parsing
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024, a document's caption
MAX_CALLBACK_BYTES = 64
SHORT_LABEL = 20  # two buttons share a row when both labels are at most this long
SEND_ATTEMPTS = 4
BACKOFF = 0.5  # seconds before the first retry of a network error; doubles each time
MAX_FLOOD_WAIT = 60.0  # a longer RetryAfter is not waited out: the chat's later turns would queue behind it
MAX_RATE = 30.0  # messages a second to all chats together (Telegram's limit for a bot; AIORateLimiter)
ALLOWED_UPDATES = ["message", "callback_query"]

NOT_TEXT = N_("I can only read written messages. Please write to me in words, or call the lähitori.")
ERROR_TEXT = N_("Sorry, something went wrong on my side. Please try again in a moment, or call the lähitori.")
REPEATED = N_("(sent again after an interruption)")  # the same words as a repeated staff card's (telegram_outbox)
FLOOD_NOTE = N_("You sent many messages at once. I have saved them all and I answer the latest one. Please write "
                "one message at a time.")


# Rendering -------------------------------------------------------------------------------------------------

def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit`): the last paragraph, line or word break that fits."""
    fit = used = 0
    while used + (2 if ord(text[fit]) > 0xFFFF else 1) <= limit:
        used += 2 if ord(text[fit]) > 0xFFFF else 1
        fit += 1
    window = text[:fit + 1]  # a break right after the limit is a clean cut too
    for separator in ("\n\n", "\n", " "):
        cut = window.rfind(separator)
        if cut > 0:
            return cut
    return fit


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (Telegram's measure), cut on paragraph, line or word breaks."""
    chunks, rest = [], text.strip()
    while utf16_len(rest) > limit:
        cut = _cut(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    return chunks + [rest] if rest else chunks


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button a row; two consecutive buttons share a row when both labels are short."""
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    pending: InlineKeyboardButton | None = None
    for button in buttons:
        if len(button.payload.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button payload longer than {MAX_CALLBACK_BYTES} bytes: {button.payload[:20]}...")
        item = InlineKeyboardButton(button.label, callback_data=button.payload)
        if len(button.label) > SHORT_LABEL:
            rows += [[pending]] if pending else []
            rows.append([item])
            pending = None
        elif pending is not None:
            rows.append([pending, item])
            pending = None
        else:
            pending = item
    if pending is not None:
        rows.append([pending])
    return InlineKeyboardMarkup(rows)


def render(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """HTML-escaped messages for one reply; the keyboard goes with the last piece."""
    pieces = [html.escape(piece, quote=False) for piece in split_text(reply.text)]
    if not pieces:
        return []
    return [(piece, None) for piece in pieces[:-1]] + [(pieces[-1], keyboard(reply.buttons))]


def render_with_document(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None, Document | None]]:
    """The messages of a reply; a document goes last, with the text as its caption when it fits Telegram's
    caption (1,024 characters), else after the text's own messages, with the keyboard."""
    pieces = render(reply)
    if reply.document is None:
        return [(text, markup, None) for text, markup in pieces]
    markup = keyboard(reply.buttons)
    if len(pieces) == 1 and utf16_len(pieces[0][0]) <= MAX_CAPTION:
        return [(pieces[0][0], markup, reply.document)]
    return [(text, None, None) for text, _markup in pieces] + [("", markup, reply.document)]


def lang_of(user: User | None) -> str | None:
    code = (user.language_code or "").lower() if user else ""
    return code[:2] if code[:2] in ("fi", "sv") else None


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def mark_blocked(session: Session, chat_id: int | str, *, now: datetime) -> None:
    """The citizen of this chat has blocked the bot (writing again clears it, in the turn runner)."""
    session.execute(sql_update(Citizen).where(Citizen.channel == CHANNEL, Citizen.external_id == str(chat_id))
                    .values(blocked_at=now))


# Per-chat ordering -----------------------------------------------------------------------------------------

class ChatLocks:
    """One asyncio.Lock per chat that has updates in flight in this process; an entry is removed when its last user
    leaves. The inbox (telegram_inbox.py) already runs a chat's updates one at a time, across processes too; this
    also orders what reaches the handlers directly (Application.process_update in tests)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id) or (asyncio.Lock(), 0)
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:  # FIFO: acquired in the order the updates arrived
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


# The channel -----------------------------------------------------------------------------------------------

class TelegramChannel:
    """Handlers bound to the injected services; each converts, delegates to the runner and sends."""

    def __init__(self, services: Services, *, runner: TurnRunner | None = None, turns: Turns | None = None,
                 attempts: int = SEND_ATTEMPTS, backoff: float = BACKOFF,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """Turns run in `turns` (worker processes), or else in threads calling `runner` (the real TurnRunner)."""
        self.services = services
        self.turns = turns or ThreadTurns(runner or TurnRunner(services))
        self.locks, self.attempts, self.backoff, self.sleep = ChatLocks(), attempts, backoff, sleep
        self.desk = StaffDesk(services)
        self.worker: OutboxWorker | None = None  # the outbox job, started in post_init
        self.retention: RetentionJob | None = None  # the daily retention purge, started in post_init
        self.staff_jobs: StaffJobs | None = None  # escalation, forgetting, e-mail: started in post_init
        self.inbox: Inbox | None = None  # set by build_application
        self.langs: dict[str, str] = {}  # chat -> the citizen's language, as the last turn left it (a cache)
        self._help: dict[int, asyncio.Task[bool]] = {}  # update id -> the crisis help sent on receipt
        self._noted: dict[str, float] = {}  # chat -> when the last flood note went (loop time)
        self.conflict = False  # another process polls with this token: the bot stops (telegram_cli says so)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A deep link's payload (t.me/<bot>?start=CODE) comes as /start CODE: a staff link code goes to the desk.
        if not await self.staff(update, context, text=" ".join(["/start", *(context.args or [])])):
            await self.turn(update, context, start=True)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:  # the handler's filters pass messages only
            return
        text = message.text if message.text is not None else message.caption
        replied = message.reply_to_message
        if not await self.staff(update, context, text=text,
                                replied_to=(replied.text or replied.caption) if replied is not None else None,
                                replied_to_id=replied.message_id if replied is not None else None):
            await self.turn(update, context, text=text)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice, stickers, photos without a caption...: a short answer in words, the state does not move."""
        chat = update.effective_chat
        if chat is None:  # the handler's filters pass private chats' messages only
            return
        lang = await asyncio.to_thread(self.language_of, chat.id, lang_of(update.effective_user))
        await self.send_replies(context.bot, chat.id, [Reply(text=self.services.i18n.gettext(lang, NOT_TEXT))])

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:  # the handler passes callback queries only
            return
        payload = query.data or ""
        if await self.staff(update, context, payload=payload):
            return
        context.application.create_task(self.answer(query), update=update)  # stop the spinner at once
        if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
            await self.turn(update, context, payload=payload)

    async def staff(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, text: str | None = None,
                    payload: str | None = None, replied_to: str | None = None,
                    replied_to_id: int | None = None) -> bool:
        """Hand the update to the staff desk when it is staff business; True when the desk answered it."""
        user = update.effective_user
        # In memory (a short read of the linked chats every LINKED_TTL s): the citizen path pays no thread hop.
        if user is None or not self.desk.concerns(user_id=user.id, text=text, payload=payload):
            return False
        source = updates_of(context.bot)
        if await asyncio.to_thread(self.processed, source, update.update_id):
            logger.info("update %s was already handled", update.update_id)
            return True  # a redelivered staff update: the desk acted on it once
        async with self.locks.hold(user.id):
            answer = await asyncio.to_thread(self.desk.handle, user_id=user.id, text=text, payload=payload,
                                             replied_to=replied_to, lang_hint=lang_of(user),
                                             replied_to_id=replied_to_id,
                                             replied_chat=update.effective_chat.id if update.effective_chat else None,
                                             update=(source, update.update_id))
        query = update.callback_query
        if answer is None:
            return False
        if self.inbox is not None and update.update_id in self.inbox.running:
            self.inbox.settled[update.update_id] = False  # its id noted in the desk's transaction: the row goes
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer(answer.note[:190] if answer.note else None)
            if (query.message is not None and update.effective_chat is not None
                    and update.effective_chat.type == ChatType.PRIVATE):
                with contextlib.suppress(TelegramError):  # the old card's buttons are spent
                    await query.edit_message_reply_markup(reply_markup=None)
        replies = [Reply(text=text, buttons=tuple(Button(label, data) for label, data in buttons))
                   for text, buttons in answer.messages]
        cards: dict[int, list[int]] = {}  # case cards carry a citizen's words: kept by case, deleted if consent goes

        def sent(index: int, message_id: int) -> None:
            if index in answer.cases:
                cards.setdefault(answer.cases[index], []).append(message_id)

        await self.send_replies(context.bot, answer.chat_id, replies, on_sent=sent)
        if cards:
            await asyncio.to_thread(self.desk.remember, answer.chat_id, cards)
        return True

    async def on_group_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unitgroup in a group chat: a linked coordinator makes it their unit's staff group."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        off = bool(context.args and context.args[0].lower() in ("off", "pois", "av"))
        answer = await asyncio.to_thread(self.desk.link_group, user_id=user.id, chat_id=chat.id, off=off)
        if answer is not None:
            await self.send_replies(context.bot, answer.chat_id, [Reply(text=text) for text, _ in answer.messages])

    def processed(self, source: str, update_id: int) -> bool:
        with self.services.sessions() as session:
            return session.get(ProcessedUpdate, (source, update_id)) is not None

    def language_of(self, chat_id: int, hint: str | None) -> str:
        with self.services.sessions() as session:
            known = session.scalar(select(Citizen.language).where(Citizen.channel == CHANNEL,
                                                                  Citizen.external_id == str(chat_id)))
        return known or hint or self.services.settings.default_language

    async def turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, **given: object) -> None:
        if update.effective_chat is None:
            return
        chat_id = update.effective_chat.id
        # Run from the inbound store: the turn's transaction keeps its replies there until they are sent.
        inbox = self.inbox if self.inbox is not None and update.update_id in self.inbox.running else None
        async with self.locks.hold(chat_id):
            try:
                result: TurnResult = await self.turns.handle(
                    channel=CHANNEL, external_id=str(chat_id), lang_hint=lang_of(update.effective_user),
                    update_id=update.update_id, update_from=updates_of(context.bot),
                    **({"keep": True} if inbox is not None else {}), **given)
            except Exception as error:  # noqa: BLE001 - a dead worker, a database error: the citizen still hears
                where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
                logger.error("turn failed: %s at %s:%s", type(error).__name__,
                             Path(where.filename).name if where else "?", where.lineno if where else "?")
                kept = None
                with contextlib.suppress(Exception):  # a worker that died after its commit: the turn did happen
                    kept = await inbox.kept_replies(update.update_id) if inbox is not None else None
                if inbox is not None and kept is not None:
                    inbox.settled[update.update_id] = False
                    await self.send_kept(context.bot, str(chat_id), kept[0], kept[1],
                                         await self.helped(update.update_id), repeat=False)
                    return
                await self.turn_failed(context.bot, update)
                return
            helped = await self.helped(update.update_id)
            if len(self.langs) > 50_000:
                self.langs.clear()
            self.langs[str(chat_id)] = result.lang
            if result.duplicate:
                logger.info("update %s was already handled", update.update_id)
                return
            if inbox is not None:  # the turn deleted its row (nothing to send), or kept its replies there
                inbox.settled[update.update_id] = not result.replies
            await self.send_replies(context.bot, chat_id,
                                    without_repeated_help(result.replies, crisis="crisis" in result.events,
                                                          helped=helped))

    async def send_kept(self, bot: Bot | None, chat: str, replies: list[Reply], crisis: bool, helped: bool,
                        repeat: bool = True) -> None:
        """Replies a turn kept in the inbound store and did not get to send (bot/db/inbound.py): after a crash or a
        restart, when some may have gone already (`repeat`: the first says it may be a repeat), or when the turn's
        result did not come back."""
        assert bot is not None
        replies = without_repeated_help(replies, crisis=crisis, helped=helped)
        if repeat and replies:
            known = self.langs.get(chat)
            lang = known if known is not None else await asyncio.to_thread(self.language_of, int(chat), None)
            first = replies[0]
            replies = [Reply(text=self.services.i18n.gettext(lang, REPEATED) + "\n\n" + first.text,
                             buttons=first.buttons, document=first.document), *replies[1:]]
        await self.send_replies(bot, int(chat), replies)

    # The crisis guard on receipt, and when a turn fails -----------------------------------------------------------

    def citizen_text(self, update: Update) -> str | None:
        """The words of a citizen's private message (text or caption); None for anything else or staff."""
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or chat is None or chat.type != ChatType.PRIVATE or user is None:
            return None
        text = message.text if message.text is not None else message.caption
        if not text or text.startswith("/") or self.desk.concerns(user_id=user.id, text=text):
            return None
        return text

    def lang_for(self, update: Update) -> str:
        chat = update.effective_chat
        known = self.langs.get(str(chat.id)) if chat is not None else None
        return known or lang_of(update.effective_user) or self.services.settings.default_language

    async def on_receive(self, update: Update, _chat: str) -> bool:
        """Run as the update arrives, before it is stored and queued: a citizen's text that the crisis guard's
        reviewed patterns catch gets its help at once, whatever waits before it and whatever happens to its turn.
        True when the help is on its way (the turn then does not repeat it)."""
        text = self.citizen_text(update)
        if text is None:
            return False
        hit = crisis.check(text)
        if hit is None or crisis.already_called(text):
            return False  # "112 is already called" is acknowledged by the turn, in context
        logger.warning("crisis guard answered on receipt (category %s)", hit.category)
        reply = Reply(text=help_text(hit, self.lang_for(update)))
        chat_id = update.effective_chat.id if update.effective_chat is not None else int(_chat)
        task = asyncio.get_running_loop().create_task(self.send_replies(update.get_bot(), chat_id, [reply]))
        self._help[update.update_id] = task
        return True

    async def helped(self, update_id: int) -> bool:
        """Whether the crisis help for this update went out on receipt (here, or in the instance that received it)."""
        task = self._help.pop(update_id, None)
        if task is not None:
            try:
                return bool(await task)
            except Exception:  # noqa: BLE001
                return False
        return self.inbox is not None and update_id in self.inbox.answered

    async def turn_failed(self, bot: Bot, update: Update) -> None:
        """A turn that could not run: a crisis text still gets its help (unless it went on receipt), and the
        citizen is asked to write again."""
        chat = update.effective_chat
        if chat is None:
            return
        lang = self.lang_for(update)
        replies = []
        text = self.citizen_text(update)
        hit = crisis.check(text) if text else None
        if hit is not None and not await self.helped(update.update_id):
            replies.append(Reply(text=help_text(hit, lang)))
        replies.append(Reply(text=self.services.i18n.gettext(lang, ERROR_TEXT)))
        await self.send_replies(bot, chat.id, replies)

    # Floods ---------------------------------------------------------------------------------------------------

    def can_coalesce(self, update: Update) -> bool:
        """A citizen's update in their private chat (staff updates always run)."""
        chat, user = update.effective_chat, update.effective_user
        return (chat is not None and chat.type == ChatType.PRIVATE and user is not None
                and not self.desk.concerns(user_id=user.id, text=None, payload=None))

    def record_received(self, chat: str, updates: list[Update]) -> Callable[[Session], None]:
        """What is not run as a turn is recorded: the citizen's words in the transcript, and how many."""
        now = self.services.clock()

        def write(session: Session) -> None:
            citizen_id = session.scalar(select(Citizen.id).where(Citizen.channel == CHANNEL,
                                                                 Citizen.external_id == chat))
            if citizen_id is not None:
                session.add_all(MessageLog(citizen_id=citizen_id, direction="in", sender="citizen",
                                           text=received_text(update), created_at=now) for update in updates)
            record(session, actor=f"citizen:{citizen_id}" if citizen_id else "system", action="flood_recorded",
                   citizen_id=citizen_id, details={"count": len(updates)}, at=now)

        return write

    async def flood_note(self, chat: str, updates: list[Update]) -> None:
        """One short note a flood (at most one in NOTE_EVERY seconds a chat)."""
        from bot.channels.telegram_inbox import NOTE_EVERY

        logger.warning("flood: %d updates of one chat recorded without a turn", len(updates))
        now = asyncio.get_running_loop().time()
        if now - self._noted.get(chat, -NOTE_EVERY) < NOTE_EVERY:
            return
        if len(self._noted) > 10_000:
            self._noted.clear()
        self._noted[chat] = now
        lang = self.lang_for(updates[-1])
        note = Reply(text=self.services.i18n.gettext(lang, FLOOD_NOTE))
        await self.send_replies(updates[-1].get_bot(), int(chat), [note])

    @staticmethod
    async def answer(query) -> None:  # noqa: ANN001
        try:
            await query.answer()
        except TelegramError as error:  # an old query cannot be answered; the turn still runs
            logger.info("callback query not answered: %s", type(error).__name__)

    async def send_replies(self, bot, chat_id: int, replies: list[Reply], *,  # noqa: ANN001
                           on_sent: Callable[[int, int], object] | None = None) -> bool:
        """Send the replies in order; `on_sent(reply index, message id)` for each message that went."""
        for index, reply in enumerate(replies):
            for text, markup, document in render_with_document(reply):
                message_id = await self.send(bot, chat_id, text, markup, document)
                if message_id is None:
                    return False  # never send a later message without the earlier one
                if on_sent is not None:
                    on_sent(index, message_id)
        return True

    async def send(self, bot, chat_id: int, text: str,  # noqa: ANN001
                   markup: InlineKeyboardMarkup | None, document: Document | None = None) -> int | None:
        """Send one message, or a document with `text` as its caption (its id, or None); retry network errors and
        flood waits, stop on a block or a bad request. A document is read from memory, never written anywhere."""
        for attempt in range(1, self.attempts + 1):
            try:
                if document is not None:
                    message = await bot.send_document(
                        chat_id, InputFile(document.data, filename=document.filename, read_file_handle=False),
                        caption=text or None, parse_mode=ParseMode.HTML, reply_markup=markup)
                else:
                    message = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                                     link_preview_options=LinkPreviewOptions(is_disabled=True))
                return message.message_id
            except Forbidden:
                await asyncio.to_thread(self.mark_blocked, chat_id)
                return None
            except RetryAfter as error:
                delay = retry_seconds(error)
                if delay > MAX_FLOOD_WAIT:
                    logger.error("flood wait of %.0f s: message dropped", delay)
                    return None
            except BadRequest as error:  # a subclass of NetworkError, but retrying cannot help
                logger.error("message rejected by Telegram: %s", type(error).__name__)
                return None
            except NetworkError as error:
                delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
                logger.warning("send failed (%s), attempt %d of %d", type(error).__name__, attempt, self.attempts)
            if attempt < self.attempts:
                await self.sleep(delay)
        logger.error("message not delivered after %d attempts", self.attempts)
        return None

    def mark_blocked(self, chat_id: int) -> None:
        logger.info("the citizen has blocked the bot; marking blocked")
        with self.services.sessions.begin() as session:
            mark_blocked(session, chat_id, now=self.services.clock())

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error's class and place only (never texts); tell the citizen briefly if possible."""
        error = context.error
        if isinstance(error, Conflict) and update is None:  # from getUpdates: PTB would retry for ever
            if not self.conflict:
                self.conflict = True
                context.application.stop_running()
            return
        where = traceback.extract_tb(error.__traceback__)[-1] if error and error.__traceback__ else None
        logger.error("update failed: %s at %s:%s", type(error).__name__,
                     Path(where.filename).name if where else "?", where.lineno if where else "?")
        if not isinstance(update, Update) or update.effective_chat is None or isinstance(error, Forbidden):
            return
        with contextlib.suppress(TelegramError):
            await self.turn_failed(context.bot, update)

    async def post_init(self, application: Application) -> None:
        """Start the outbox job, the retention job and the staff jobs; register the commands with localized
        descriptions (fi, sv and the default)."""
        from bot.channels.telegram_outbox import OutboxWorker

        await self.turns.start()
        self.worker = OutboxWorker(self.services, application.bot, self.desk)
        self.worker.start()
        from bot.channels.retention_job import RetentionJob

        self.retention = RetentionJob(self.services)
        self.retention.start()
        from bot.channels.staff_jobs import StaffJobs

        self.staff_jobs = StaffJobs(self.services)
        self.staff_jobs.start()
        if self.inbox is not None:
            self.inbox.start()  # and resume what was stored and not yet handled
        for code, lang in ((None, self.services.settings.default_language), ("fi", "fi"), ("sv", "sv")):
            commands = [BotCommand(name, self.services.i18n.gettext(lang, DESCRIPTIONS[name])) for name in COMMANDS]
            try:
                await application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as error:
                logger.warning("commands not registered for %s: %s", code or "default", type(error).__name__)

    async def post_stop(self, _application: Application) -> None:
        if self.inbox is not None:
            await self.inbox.stop()
        if self.worker is not None:
            await self.worker.stop()
        if self.retention is not None:
            await self.retention.stop()
        if self.staff_jobs is not None:
            await self.staff_jobs.stop()
        await self.turns.stop()


HELP_FALLBACK = {  # the help itself, should bot.dialogue.crisis_help be unavailable: in code, never switched off
    "fi": "Jos joku on hengenvaarassa nyt, soita heti hätänumeroon 112.\nJos sinulla on itsetuhoisia ajatuksia tai "
          "tarvitset keskusteluapua nyt, soita Kriisipuhelimeen 09 2525 0111.",
    "sv": "Om någon är i livsfara nu, ring nödnumret 112 genast.\nOm du har självmordstankar eller behöver någon att "
          "prata med nu, ring Kristelefonen 09 2525 0112.",
}


def help_text(hit: crisis.CrisisHit, lang: str) -> str:
    """The crisis help for `hit` in `lang`, from bot.dialogue.crisis_help (staff not told: this is the channel's
    own answer), or the fallback above."""
    try:
        from bot.dialogue.crisis_help import crisis_reply
        return crisis_reply(hit, lang, staff_notified=False)
    except Exception as error:  # noqa: BLE001 - ImportError included: the help must go out
        logger.error("crisis help text unavailable (%s); the built-in one is sent", type(error).__name__)
        return HELP_FALLBACK.get(lang, HELP_FALLBACK["fi"])


def without_repeated_help(replies: list[Reply], *, crisis: bool, helped: bool) -> list[Reply]:
    """A turn's replies but the crisis help that already went out when the message arrived."""
    if helped and crisis and replies and "112" in replies[0].text:
        return replies[1:]
    return replies


def received_text(update: Update) -> str:
    """What a citizen's update said, for the transcript of a flood recorded without a turn."""
    message = update.effective_message
    if update.callback_query is not None:
        return f"[button {update.callback_query.data or ''}]"
    if message is not None and (message.text is not None or message.caption is not None):
        return message.text if message.text is not None else message.caption or ""
    if message is not None and message.sticker is not None:
        return "[sticker]"
    return "[not text]"


def updates_of(bot: Bot) -> str:
    """Whose update ids these are: Telegram numbers updates per bot, and a token begins with the bot's id."""
    return f"{CHANNEL}:{bot.token.partition(':')[0]}"


def file_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot"""
    root = base_url[: -len("bot")] if base_url.endswith("/bot") else base_url.rstrip("/") + "/"
    return root + "file/bot"


def build_application(services: Services, *, token: str, base_url: str = "https://api.telegram.org/bot",
                      base_file_url: str | None = None, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, channel: TelegramChannel | None = None,
                      turns: Turns | None = None, updater: bool = True, max_rate: float = MAX_RATE,
                      chat_burst: float = BURST, chat_rate: float = RATE) -> Application:
    """The python-telegram-bot Application with this channel's handlers; nothing is started (post_init starts the
    turn workers, the outbox job and the inbox).

    Every update PTB receives goes through its `update_queue`, here a DurableQueue: stored in the database before
    PTB confirms it to Telegram, then run from the store by the Inbox (telegram_inbox.py), one at a time per chat,
    `chat_burst` turns at once and `chat_rate` a second after that. Sends go through AIORateLimiter: `max_rate`
    messages a second in all, Telegram's 20 a minute in a group; a flood wait is handled by `send` itself."""
    channel = channel or TelegramChannel(services, turns=turns)
    queue = DurableQueue()
    builder = (Application.builder().token(token).base_url(base_url).base_file_url(base_file_url or file_url(base_url))
               .concurrent_updates(True).post_init(channel.post_init).post_stop(channel.post_stop)
               .update_queue(queue).rate_limiter(AIORateLimiter(overall_max_rate=max_rate, max_retries=0)))
    if request is None:  # aiohttp: about half the CPU of PTB's default httpx a Bot API call (telegram_bench.py)
        request = AiohttpRequest(connection_pool_size=256)
        get_updates_request = get_updates_request or AiohttpRequest(connection_pool_size=1)
    builder = builder.request(request).get_updates_request(get_updates_request or request)
    if not updater:
        builder = builder.updater(None)
    application = builder.build()
    inbox = Inbox(InboundStore(services.sessions, services.settings.database_url, services.clock),
                  ChatGate(services.sessions.kw["bind"]), source=updates_of(application.bot), bot=application.bot,
                  burst=chat_burst, rate=chat_rate)
    inbox.process = application.process_update
    inbox.on_receive, inbox.can_coalesce = channel.on_receive, channel.can_coalesce
    inbox.record_received, inbox.flood_note = channel.record_received, channel.flood_note
    inbox.resend = channel.send_kept
    channel.inbox = queue.inbox = inbox
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # never act in groups: others would read along
    application.add_handler(CommandHandler("start", channel.on_start, filters=private))
    application.add_handler(CommandHandler("unitgroup", channel.on_group_link, filters=filters.ChatType.GROUPS))
    application.add_handler(MessageHandler(private & (filters.TEXT | filters.CAPTION), channel.on_text))
    application.add_handler(MessageHandler(private & ~filters.COMMAND, channel.on_other))
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_error_handler(channel.on_error)
    application.bot_data["channel"] = channel
    return application
