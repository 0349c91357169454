"""One citizen message's way: load state, crisis guard, classify, engine turn, save all in one transaction."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.db import inbound
from bot.db.models import Citizen, Conversation, Handoff, MessageLog, ProcessedUpdate
from bot.db.session import commit_without_waiting_for_disk, worth_retrying, writer_lock
from bot.dialogue import crisis, crisis_help, system, understand
from bot.dialogue.models import MAX_TEXT, Reply, State, Turn
from bot.dialogue.validators import clean_text
from bot.handoff import follow_up, relay, stats
from bot.handoff.audit import record
from bot.handoff.crisis_alert import alert_staff
from bot.handoff.outbox import notify_handoff_created
from bot.handoff.service import StoreActions, case_holder
from bot.i18n import N_
from bot.services import Services
from nlu import langid
from nlu.types import Prediction

logger = logging.getLogger(__name__)

LANG_CONFIDENCE = 0.85
KEEP_UPDATE_IDS = timedelta(hours=48)
ATTEMPTS = 3
RELAY_STATUS = N_("You are in contact with {who}. Write here and your message goes to them. "
                  "/mycase shows your case.")
# Built once: a statement built per turn costs more to construct and look up in the cache than to run.
CITIZEN_AND_CONVERSATION = (
    select(Citizen, Conversation).outerjoin(Conversation, Conversation.citizen_id == Citizen.id)
    .where(Citizen.channel == bindparam("channel"), Citizen.external_id == bindparam("external_id")))
# (a mapped class's __table__ is a Table; SQLAlchemy types it as the wider FromClause)
PROCESSED, TRANSCRIPT = cast(Table, ProcessedUpdate.__table__), cast(Table, MessageLog.__table__)
# PostgreSQL: the update id is inserted by the same statement (a data-modifying WITH runs even when unreferenced),
# a round trip fewer. SQLite has no INSERT in WITH, so there the insert goes first.
MARK_PROCESSED = PROCESSED.insert().values(channel=bindparam("source"), update_id=bindparam("update_id"),
                                           processed_at=bindparam("processed_at"))
MARKED_CITIZEN_AND_CONVERSATION = CITIZEN_AND_CONVERSATION.add_cte(MARK_PROCESSED.cte("processed"))
# With RETURNING the rows go in one multi-row INSERT (SQLAlchemy's insertmanyvalues), not one statement each.
LOG = TRANSCRIPT.insert().returning(TRANSCRIPT.c.id)
CHANGED, LOST = "concurrent update of one conversation", "the database connection was lost"  # retry log lines
RATING = "fb:"  # fb:<case>:<1-5>, the rating buttons of a closed case's message
ENGINE_DIALOGS = {"addcase", "delete", "language"}  # system dialogs whose typed answers the engine takes in relay


class _Gone(Exception):
    """The turn's stored update is gone: nothing to run."""


def forget_old_updates(session: Session, now: datetime) -> int:
    """Drop update ids older than KEEP_UPDATE_IDS; how many. Telegram redelivers an update for 24 hours at most,
    and after a week without updates it numbers them again from a random start."""
    return cast(CursorResult[Any], session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP_UPDATE_IDS)
        .execution_options(synchronize_session=False))).rowcount


_CLAUSES = re.compile(r"(?<=[.!?;,])\s+|\s+(?=(?:mutta|mut|men|och|ja)\s)", re.IGNORECASE)


def without_the_call(text: str) -> str:
    """The message without its clauses about the emergency call ("soitin jo 112, ambulanssi tulee, mutta
    tarvitsisin apua isälle kotiin" -> "mutta tarvitsisin apua isälle kotiin"): what the citizen needs besides."""
    clauses = [part for part in _CLAUSES.split(text) if part and part.strip()]
    return " ".join(part for part in clauses if not crisis.already_called(part) and crisis.check(part) is None)


def parse_rating(payload: str | None) -> tuple[int, int] | None:
    """(case, score) of a rating button, or None."""
    parts = (payload or "").split(":")
    if len(parts) == 3 and parts[0] + ":" == RATING and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None


@dataclass
class TurnResult:
    replies: list[Reply]
    lang: str
    events: list[str] = field(default_factory=list)
    duplicate: bool = False
    citizen_id: int | None = None


def detect_language(text: str) -> str | None:
    """The language of the text when it is clear enough to change the conversation's language."""
    if len(text.split()) < 2:
        return None
    lang, confidence = langid.detect(text)
    return lang if lang in ("fi", "sv") and confidence >= LANG_CONFIDENCE else None


class TurnRunner:
    """Channel-agnostic: every channel calls `handle` with what the citizen sent."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._serial = writer_lock(services.settings.database_url)
        postgresql = services.settings.database_url.startswith("postgresql")
        self._one_trip, self._relax = postgresql, postgresql and not services.settings.durable_steps

    def handle(self, *, channel: str, external_id: str, text: str | None = None, payload: str | None = None,
               lang_hint: str | None = None, update_id: int | None = None, update_from: str | None = None,
               start: bool = False, set_lang: str | None = None, keep: bool = False) -> TurnResult:
        """Process one input; `lang_hint` is used for a new citizen, `set_lang` always (an explicit choice).
        `update_id` makes the turn once-only among the ids of `update_from` (default: the channel's). `keep`: the
        update waits in the inbound store, whose row the turn's transaction settles (bot/db/inbound.py: it keeps the
        replies until they are sent); a row no longer there (erased meanwhile) rolls the turn back."""
        cleaned, truncated, prediction, detected, whole = None, False, None, None, None
        if text is not None:
            cleaned = whole = clean_text(text)  # the crisis guard reads all of it
            truncated = len(cleaned) > MAX_TEXT
            cleaned = cleaned[:MAX_TEXT]
            if cleaned and not cleaned.startswith("/"):
                prediction = self.services.classifier.predict(cleaned)
                detected = detect_language(cleaned)
        turn = Turn(text=cleaned, payload=payload, lang=detected, truncated=truncated)
        lang_hint = set_lang or lang_hint
        update = (update_from or channel, update_id) if update_id is not None else None
        for attempt in range(ATTEMPTS):
            try:
                with self._serial, self.services.sessions.begin() as session:
                    result = self._turn(session, channel=channel, external_id=external_id, turn=turn,
                                        prediction=prediction, lang_hint=lang_hint, update=update, start=start,
                                        set_lang=set_lang, whole=whole)
                    if keep and update is not None and not inbound.settle(session, update, result.replies,
                                                                          crisis="crisis" in result.events):
                        raise _Gone
                    if self._relax:
                        commit_without_waiting_for_disk(session)
                    return result
            except _Gone:
                return TurnResult(replies=[], lang=lang_hint or self.services.settings.default_language,
                                  duplicate=True)
            except IntegrityError:
                if update is not None and self._seen(update):
                    return TurnResult(replies=[], lang=lang_hint or self.services.settings.default_language,
                                      duplicate=True)
                logger.warning("conflicting insert while starting a conversation; retrying (%d)", attempt + 1)
            except (StaleDataError, DBAPIError) as error:  # after IntegrityError, a DBAPIError of its own
                if not worth_retrying(error):
                    raise
                logger.warning("%s; retrying the turn (%d)", LOST if isinstance(error, DBAPIError) else CHANGED,
                               attempt + 1)
        raise RuntimeError("the turn could not be saved after retries")

    def _seen(self, update: tuple[str, int]) -> bool:
        with self.services.sessions() as session:
            return session.get(ProcessedUpdate, update) is not None

    def _turn(self, session: Session, *, channel: str, external_id: str, turn: Turn, prediction: Prediction | None,
              lang_hint: str | None, update: tuple[str, int] | None, start: bool, set_lang: str | None,
              whole: str | None = None) -> TurnResult:
        services, now = self.services, self.services.clock()
        who = {"channel": channel, "external_id": external_id}
        # A redelivered update fails on the update id's key (IntegrityError) and is answered as a duplicate.
        mark = {"source": update[0], "update_id": update[1], "processed_at": now} if update is not None else None
        if mark is not None and self._one_trip:
            row = session.execute(MARKED_CITIZEN_AND_CONVERSATION, {**who, **mark}).first()
        else:
            if mark is not None:
                session.connection().execute(MARK_PROCESSED, mark)
            row = session.execute(CITIZEN_AND_CONVERSATION, who).first()
        citizen, conversation = (row[0], row[1]) if row else (None, None)
        if citizen is None:
            language = turn.lang or (lang_hint if lang_hint in ("fi", "sv") else services.settings.default_language)
            citizen = Citizen(channel=channel, external_id=external_id, language=language, created_at=now,
                              last_seen_at=now)
            session.add(citizen)
            session.flush()
        if set_lang in ("fi", "sv"):
            citizen.language = set_lang
        if citizen.blocked_at is not None:
            citizen.blocked_at = None  # writing again means the bot is no longer blocked
        fresh = conversation is None
        if conversation is None:
            state = services.engine.new_state(citizen.language)
            conversation = Conversation(citizen_id=citizen.id, flow=state.flow, step=state.step, slots={}, menu_id=0,
                                        mode="bot", created_at=now, updated_at=now)
            session.add(conversation)
        state = State(flow=conversation.flow, step=conversation.step, lang=citizen.language,
                      slots=dict(conversation.slots or {}), menu_id=conversation.menu_id, mode=conversation.mode)
        log = [dict(citizen_id=citizen.id, direction="in", sender="citizen", created_at=now,
                    text=turn.text if turn.text is not None else f"[button {turn.payload}]")]
        actions = StoreActions(session, citizen=citizen, i18n=services.i18n, tz=services.settings.timezone, now=now,
                               topic_title=services.topic_title, on_handoff=notify_handoff_created,
                               settings=services.settings)
        actions.update = update  # an erasure leaves this turn's stored update to the inbox

        guarded = whole or turn.text
        if guarded and not turn.is_command:
            hit = crisis.check(guarded, prediction, context=crisis.GuardContext(expects=services.engine.expects(state)))
            numbers = crisis.help_request(guarded) if hit is None else frozenset()
        else:
            hit, numbers = None, frozenset()
        called = crisis.already_called(guarded) if guarded and not turn.is_command else False
        if hit is not None and called and not crisis.acknowledge_instead(guarded or "", hit):
            called = False  # 112 was called, but the situation needs more than that (a crisis line, poison advice)
        if called and turn.text:  # the matter is in the rest of the message: understand that, not the call
            rest = without_the_call(turn.text)
            prediction = services.classifier.predict(rest) if rest else prediction
        crisis_replies = self._crisis(session, citizen, state, turn, hit, called=called) if hit is not None else []
        if hit is None and called:  # "I already called 112": acknowledged, and the matter goes on
            crisis_replies = [Reply(text=crisis_help.acknowledged_reply(turn.lang or state.lang))]
        relayed = (self._relay(session, conversation, state, turn, hit, actions, start=start)
                   if conversation.mode == "relay" else None)
        if conversation.mode == "feedback" and not (turn.payload or "").startswith(RATING):
            conversation.mode, conversation.handoff_id = "bot", None  # the rating is optional: carry on with the bot
        if relayed is not None:
            replies, events = crisis_replies + relayed[0], relayed[1]
            if hit is not None:
                events = ["crisis", *events]
        elif hit is not None and hit.source == "pattern" and not called:
            # A reviewed pattern matched: answer with help only and stay where we are.
            replies, events = crisis_replies, ["crisis"]
        elif numbers and not called and conversation.mode != "feedback":
            # A question for a help number is answered with it, and the conversation waits where it was.
            outcome = services.engine.reprompt(state, actions)
            reply = Reply(text=crisis_help.number_reply(numbers, turn.lang or state.lang))
            state, replies, events = outcome.state, [reply, *outcome.replies], ["help_number", *outcome.events]
        elif followed := follow_up.parse(turn.payload):  # "did you get the help you needed?": counted once
            counted = follow_up.answer(session, citizen_id=citizen.id, handoff_id=followed[0], answer=followed[1],
                                       now=now, tz=services.settings.timezone)
            message = follow_up.THANKS[followed[1]] if counted else follow_up.ALREADY
            replies = [Reply(text=services.i18n.gettext(state.lang, message))]
            events = ["follow_up_answered" if counted else "follow_up_refused"]
        elif rating := parse_rating(turn.payload):
            outcome = services.engine.rate(state, score=rating[1], handoff_id=rating[0], actions=actions,
                                           topic=self._topic(session, rating[0]), comment=conversation.mode != "relay")
            state, replies, events = outcome.state, outcome.replies, outcome.events
            if conversation.mode == "feedback":
                conversation.mode, conversation.handoff_id = "bot", None
        elif start or (fresh and not turn.text and turn.payload is None):
            outcome = services.engine.start(state, actions)
            state, replies, events = outcome.state, crisis_replies + outcome.replies, outcome.events
        else:
            # Also after a classifier-only alarm the message is still handled, so no answer is lost.
            outcome = services.engine.turn(state, turn, prediction, actions)
            state, replies, events = outcome.state, crisis_replies + outcome.replies, outcome.events
            if hit is not None:
                events = ["crisis", *events]

        if stats.guidance_only(conversation, state, services.flows.current().feedback):  # the card was enough
            stats.count(session, metric="guidance_only", day=stats.local_day(now, services.settings.timezone),
                        topic=state.slots.get("topic"), language=state.lang, channel=citizen.channel)
        if actions.inbound_logged:
            log = log[1:]  # relay.pass_on wrote the citizen's words with their case
        if "deleted" in events:  # erase_citizen removed the citizen, the conversation and the transcript
            return TurnResult(replies=replies, lang=state.lang, events=events, citizen_id=citizen.id)
        conversation.flow, conversation.step, conversation.slots = state.flow, state.step, state.slots
        conversation.menu_id, conversation.updated_at = state.menu_id, now  # `mode` belongs to the relay
        citizen.language = state.lang
        log += [dict(citizen_id=citizen.id, direction="out", sender="bot", text=reply.text, created_at=now)
                for reply in replies]
        if log:  # a relayed message with no reply leaves nothing more; an empty list would insert one blank row
            session.connection().execute(LOG, log)  # Core: no unit-of-work bookkeeping per row
        return TurnResult(replies=replies, lang=state.lang, events=events, citizen_id=citizen.id)

    def _relay(self, session: Session, conversation: Conversation, state: State, turn: Turn,
               hit: crisis.CrisisHit | None, actions: StoreActions, *,
               start: bool = False) -> tuple[list[Reply], list[str]] | None:
        """In relay mode: pass plain text to the coordinator (replies, events), or say who holds the case instead
        of showing a menu; None when the engine should handle the input (or the relay ended)."""
        handoff = session.get(Handoff, conversation.handoff_id) if conversation.handoff_id else None
        if handoff is None or handoff.status not in relay.OPEN:
            conversation.mode, conversation.handoff_id = "bot", None
            return None
        dialog = state.slots.get("_sys")
        if (turn.text and not turn.is_command and dialog not in ENGINE_DIALOGS
                and not understand.delete_request(turn.text)):  # "poista kaikki tietoni" is for the bot
            state.slots.pop("_sys", None)
            relay.pass_on(session, handoff, kind="relay_in", action="relay_from_citizen", text=turn.text,
                          now=actions.now, crisis=hit is not None)
            actions.inbound_logged = True
            return [], ["relayed"]
        menu = turn.payload is not None and not dialog and not turn.payload.startswith((RATING, follow_up.PREFIX))
        if menu or start or (turn.is_command and system.parse(turn.text or "") in ("start", "human")):
            _ = lambda message: self.services.i18n.gettext(state.lang, message)  # noqa: E731
            who = case_holder(handoff.coordinator, handoff.unit, state.lang)
            return [Reply(text=_(RELAY_STATUS).format(who=who))], ["relay_status"]
        return None

    def _topic(self, session: Session, handoff_id: int) -> str | None:
        handoff = session.get(Handoff, handoff_id)
        return handoff.need.topic if handoff is not None and handoff.citizen_id is not None else None

    def _crisis(self, session: Session, citizen: Citizen, state: State, turn: Turn, hit: crisis.CrisisHit, *,
                called: bool = False) -> list[Reply]:
        """The help for the situation, in code (crisis_help), and its record; the unit's staff are shown it while
        the unit is open. "I already called 112" gets a short acknowledgement, and the matter goes on."""
        lang = turn.lang if turn.lang in ("fi", "sv") else state.lang
        now = self.services.clock()
        record(session, actor=f"citizen:{citizen.id}", action="crisis_detected", citizen_id=citizen.id,
               details={"category": hit.category, "source": hit.source, "help": hit.help, "already_called": called},
               at=now)
        logger.warning("crisis guard answered (category %s, via %s)", hit.category, hit.source)
        if called:
            return [Reply(text=crisis_help.acknowledged_reply(lang))]
        stats.count(session, metric="crisis_help", day=stats.local_day(now, self.services.settings.timezone),
                    language=lang, channel=citizen.channel, bucket=hit.help)
        try:
            notified = alert_staff(session, citizen_id=citizen.id, help_kind=hit.help, lang=lang, now=now,
                                   tz=self.services.settings.timezone)
        except Exception as error:  # noqa: BLE001 - the help itself must go out whatever the alert does
            logger.error("crisis alert to staff failed: %s", type(error).__name__)
            notified = False
        return [Reply(text=crisis_help.crisis_reply(hit, lang, staff_notified=notified))]
