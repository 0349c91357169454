"""The staff side in Telegram: linking a coordinator's account, case cards and their buttons, writing to the
citizen, away and back. Every rule is a domain function of bot/handoff/staff.py; this module parses, calls and
renders, in the coordinator's language.

A coordinator is recognised by their Telegram user id (the same as their private chat's id), so the buttons of
a card shown in a unit's group chat work for the coordinators in it; results always go to the person privately.
"""
from __future__ import annotations

import logging
import re
import time as monotonic
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.db.inbound import note_processed
from bot.db.models import Coordinator, Handoff, StaffMessage
from bot.db.session import worth_retrying
from bot.handoff import staff, staff_group, staff_link
from bot.handoff.audit import record
from bot.handoff.notes import full_card as full_card
from bot.handoff.outbox import case_card, remember_staff_messages, staff_language
from bot.handoff.staff_texts import DONE, EVENTS, FOR_WHOM, LANGUAGE, OUTCOMES, REFUSALS, STATUS, refusal
from bot.i18n import N_, I18n
from bot.services import Services

logger = logging.getLogger(__name__)

BUTTON = "s:"  # s:<action>:<case>
CASE_REF = re.compile(r"#(\d{1,9})\b")
STAFF_ONLY = {"cases", "case", "reply", "away", "back"}  # a citizen typing these gets the citizen's answer
ATTEMPTS = 3
LINKED_TTL = 10.0  # seconds the set of linked chats is trusted before it is read again

ACTION_LABELS = {
    "claim": N_("Claim"), "contacted": N_("Contacted"), "close": N_("Close"), "pair": N_("Give to my pair"),
}
CONTACT = {"chat": N_("in this chat"), "phone": N_("by phone"), "visit": N_("a visit to the lähitori")}
HELP = N_(
    "Staff commands:\n"
    "/cases – your open cases\n"
    "/case 12 – the card of case 12\n"
    "/reply 12 text – write to the citizen of case 12 (or reply to the card or to their message)\n"
    "/away 5.12.2026 – away until the end of that day (/away alone: until /back); new cases go to your pair\n"
    "/back – back at work")
HEADERS = {
    "handoff_new": N_("New case #{case}"),
    "handoff_given": N_("Case #{case} was given to you by {giver}"),
    "handoff_escalated": N_("Case #{case} has waited too long without being claimed"),
    "card": N_("Case #{case}"),
}
LINK_HOW = N_("Write the code you got from the administrator after the command: /link 7K3QM-XW9DA-4RTB-N2FH-0CJE-PV8S, "
              "or open the link that came with it.")
# What /unitgroup answers in the group: a new group waits for an administrator; the approved one is told so.
GROUP_TEXTS = {
    "waiting": N_("An administrator must approve this group before anything about the cases of {unit} is sent "
                  "here. Ask them to run: lahitori staff group approve {code}"),
    "approved": N_("This group now receives the new and escalated cases of {unit}. Cases whose consent names "
                   "people show here without personal data."),
    "off": N_("This group no longer receives the cases of {unit}."),
}
# The domain's refusals, as the coordinator reads them: linking's, the case actions' (staff_texts.REFUSALS), and
# the desk's own wording where Telegram differs.
ERRORS: dict[type[staff.StaffError], str] = {
    staff.InvalidCode: N_("The code is not valid. Check it, or ask the administrator for a new one."),
    staff.CodeUsed: N_("The code has already been used. Ask the administrator for a new one."),
    staff.CodeExpired: N_("The code has expired. Ask the administrator for a new one."),
    staff.CoordinatorInactive: N_("This coordinator account is not active."),
    staff.ChatAlreadyLinked: N_("This Telegram account is already linked to another coordinator."),
    staff.TooManyAttempts: N_("Too many wrong codes. Try again in an hour."),
    **REFUSALS,
    staff.InvalidPeriod: N_("The return date must be in the future."),
    staff.EmptyMessage: N_("Write the message after the case number: /reply 12 your text"),
}


@dataclass
class StaffReply:
    """What the desk answers: messages (text, buttons as (label, payload)) to the acting person's chat."""

    chat_id: int
    messages: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    note: str | None = None  # a short callback-query answer
    cases: dict[int, int] = field(default_factory=dict)  # message index -> the case whose card it is

    def add(self, text: str, buttons: list[tuple[str, str]] | None = None) -> None:
        self.messages.append((text, buttons or []))


class StaffDesk:
    """Recognises staff updates and handles them in one transaction each; None means 'not staff business'."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._linked: set[str] = set()
        self._read_at = float("-inf")
        self._headers: list[re.Pattern[str]] | None = None

    # Which updates are the staff's -------------------------------------------------------------------------

    def is_linked(self, user_id: int) -> bool:
        if monotonic.monotonic() - self._read_at > LINKED_TTL:
            with self.services.sessions() as session:
                self._linked = set(session.scalars(select(Coordinator.telegram_chat_id).where(
                    Coordinator.telegram_chat_id.is_not(None), Coordinator.active.is_(True))))
            self._read_at = monotonic.monotonic()
        return str(user_id) in self._linked

    def concerns(self, *, user_id: int, text: str | None = None, payload: str | None = None) -> bool:
        """Cheap, in memory: might this update be staff business? (The citizen path must not pay a query.)"""
        if payload is not None and payload.startswith(BUTTON):
            return True
        if text is not None and text.startswith("/") and (command_of(text)[0] in STAFF_ONLY | {"link"}
                                                           or is_link_start(text)):
            return True
        return self.is_linked(user_id)

    # Handling -----------------------------------------------------------------------------------------------

    def handle(self, *, user_id: int, text: str | None = None, payload: str | None = None,
               replied_to: str | None = None, lang_hint: str | None = None, replied_to_id: int | None = None,
               replied_chat: int | None = None, update: tuple[str, int] | None = None) -> StaffReply | None:
        """One staff update in one transaction; run again when the citizen's conversation changed meanwhile
        (a claim or a reply switches it to relay mode while the citizen may be writing) or the database dropped
        the connection. `update` (source, update id): noted as processed in that transaction, so a redelivery
        (or a rerun after a crash) acts once."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._handle(user_id=user_id, text=text, payload=payload, replied_to=replied_to,
                                    lang_hint=lang_hint, replied_to_id=replied_to_id,
                                    replied_chat=user_id if replied_chat is None else replied_chat, update=update)
            except (StaleDataError, DBAPIError) as error:
                if attempt == ATTEMPTS or not worth_retrying(error):
                    raise
                logger.warning("a staff action met %s; retrying (%d)", type(error).__name__, attempt)
        return None

    def _handle(self, *, user_id: int, text: str | None, payload: str | None, replied_to: str | None,
                lang_hint: str | None, replied_to_id: int | None = None,
                replied_chat: int | None = None, update: tuple[str, int] | None = None) -> StaffReply | None:
        now = self.services.clock()
        with self.services.sessions.begin() as session:
            me = staff.coordinator_for_chat(session, chat_id=user_id)
            name, rest = command_of(text) if text and text.startswith("/") else ("", "")
            acting = me is not None or name == "link" or is_link_start(text or "")  # else it may be a citizen's turn
            if acting and update is not None and not note_processed(session, update, now=now):
                return StaffReply(chat_id=user_id)  # acted on once already (a redelivery, a rerun after a crash)
            if name == "link" or is_link_start(text or ""):  # /start CODE: the deep link t.me/<bot>?start=CODE
                return self.link(session, user_id=user_id, code=rest, lang=staff_language(me) if me else lang_hint,
                                 now=now)
            if me is None:
                if payload is not None and payload.startswith(BUTTON) or name in STAFF_ONLY:
                    record(session, actor=f"chat:{user_id}"[:48], action="staff_command_refused", at=now,
                           details={"command": name or "button", "reason": "not_linked"})
                    logger.warning("staff %s from a chat that is not linked", "button" if payload else "command")
                return None
            reply = StaffReply(chat_id=user_id)
            lang = staff_language(me)
            if payload is not None:
                self.button(session, me, payload, reply, lang, now)
            elif name:
                self.command(session, me, name, rest, reply, lang, now)
            elif text is not None and (case := self.case_replied(session, replied_chat if replied_chat is not None
                                                                 else user_id, replied_to_id, replied_to)) is not None:
                self.write(session, me, case, text, reply, lang, now)
            else:
                reply.add(self._(lang, N_("To write to a citizen, reply to the case card or to their message, "
                                          "or use /reply 12 text.")) + "\n\n" + self._(lang, HELP))
            return reply

    def case_replied(self, session: Session, chat_id: int, message_id: int | None, text: str | None) -> int | None:
        """The case of the message a coordinator replied to: by its id, kept when the bot sent it (a card, a relayed
        message or an addition, every piece of a long one); else by its first line when that is exactly one of the
        bot's own headers ("Case #12: the citizen writes:"), never by a number in the citizen's words."""
        if message_id is not None:
            found = session.scalar(select(StaffMessage.handoff_id).limit(1).where(
                StaffMessage.chat_id == str(chat_id), StaffMessage.message_id == message_id))
            if found is not None:
                return found
        first = (text or "").split("\n", 1)[0].strip()
        for pattern in self.headers():
            if matched := pattern.fullmatch(first):
                return int(matched.group(1))
        return None

    def headers(self) -> list[re.Pattern[str]]:
        """The bot's own first lines of what it sends staff about a case, in fi and sv, as patterns."""
        if self._headers is None:
            from bot.channels.telegram_outbox import ADDITION, RELAY_IN

            patterns = []
            for lang in ("fi", "sv"):
                for template in (RELAY_IN, ADDITION, *HEADERS.values()):
                    words = re.escape(self._(lang, template)).replace(re.escape("{case}"), r"(\d{1,9})")
                    patterns.append(re.compile(re.sub(r"\\\{\w+\\\}", ".+", words)))
            self._headers = patterns
        return self._headers

    def _(self, lang: str | None, message: str) -> str:
        known = lang if lang in ("fi", "sv") else "fi"
        return self.services.i18n.gettext(known, message)

    def link_group(self, *, user_id: int, chat_id: int, off: bool) -> StaffReply | None:
        """`/unitgroup` sent in a group by a linked coordinator: the group waits for an administrator's approval as
        their unit's staff group chat, and gets nothing until then; `/unitgroup off`: it gets (or waits for)
        nothing more. Anyone else is audited and not answered: others read along."""
        now = self.services.clock()
        with self.services.sessions.begin() as session:
            me = staff.coordinator_for_chat(session, chat_id=user_id)
            if me is None:
                record(session, actor=f"chat:{user_id}"[:48], action="staff_command_refused", at=now,
                       details={"command": "unitgroup", "reason": "not_linked"})
                return None
            if off:
                unit = staff_group.leave_unit_group(session, coordinator_id=me.id, chat_id=chat_id, now=now)
                message = GROUP_TEXTS["off"]
            else:
                unit = staff_group.request_unit_group(session, coordinator_id=me.id, chat_id=chat_id, now=now)
                message = GROUP_TEXTS["approved" if unit.staff_chat_id == str(chat_id) else "waiting"]
            lang = staff_language(unit)
            reply = StaffReply(chat_id=chat_id)
            reply.add(self._(lang, message).format(unit=unit.name(lang), code=unit.code))
            return reply

    def link(self, session: Session, *, user_id: int, code: str, lang: str | None, now: datetime) -> StaffReply:
        reply = StaffReply(chat_id=user_id)
        if not code.strip():
            reply.add(self._(lang, LINK_HOW))
            return reply
        try:
            me = staff.link_account(session, code=code, chat_id=user_id, now=now)
        except staff.StaffError as error:
            reply.add(self.refusal(error, lang))
            return reply
        self._linked.add(str(user_id))
        lang = staff_language(me)
        reply.add(self._(lang, N_("Linked. You are {name}, {title}, {unit}. New cases will come to this chat."))
                  .format(name=f"{me.first_name} {me.last_name}", title=me.title(lang), unit=me.unit.name(lang))
                  + "\n\n" + self._(lang, HELP))
        return reply

    def command(self, session: Session, me: Coordinator, name: str, rest: str, reply: StaffReply, lang: str,
                now: datetime) -> None:
        if name == "cases":
            cases = staff.open_cases(session, coordinator_id=me.id)
            if not cases:
                reply.add(self._(lang, N_("You have no open cases.")))
            for handoff in cases:
                self.card(reply, case_card(handoff), lang, now, header="card")
        elif name in ("case", "reply"):
            number, _, words = rest.strip().partition(" ")
            if not number.lstrip("#").isdigit():
                reply.add(self._(lang, N_("Give the case number: /{command} 12")).format(command=name))
            elif name == "case":
                self.guarded(session, me, int(number.lstrip("#")), reply, lang, now,
                             lambda case: self.card(reply, full_card(session, staff.view(
                                 session, handoff_id=case, coordinator_id=me.id, now=now, via="telegram")), lang, now,
                                 header="card"))
            else:
                self.write(session, me, int(number.lstrip("#")), words, reply, lang, now)
        elif name == "away":
            self.away(session, me, rest, reply, lang, now)
        elif name == "back":
            ended = staff.set_back(session, coordinator_id=me.id, now=now)
            reply.add(self._(lang, N_("Welcome back. New cases come to you again.") if ended else
                             N_("You were not marked away.")))
        else:
            reply.add(self._(lang, HELP))

    def button(self, session: Session, me: Coordinator, payload: str, reply: StaffReply, lang: str,
               now: datetime) -> None:
        _prefix, action, number = (payload.split(":") + ["", ""])[:3]
        act = {"claim": staff.claim, "contacted": staff.mark_contacted, "close": staff.close,
               "pair": staff.give_to_pair}.get(action)
        if act is None or not number.isdigit():
            record(session, actor=f"coordinator:{me.id}", action="staff_button_invalid", at=now,
                   details={"payload": payload[:40]})
            reply.note = self._(lang, N_("That button is not valid."))
            reply.add(reply.note)
            return

        def done(case: int) -> None:
            handoff = act(session, handoff_id=case, coordinator_id=me.id, now=now)
            session.flush()
            session.refresh(handoff)
            reply.note = self._(lang, DONE[action]).format(case=case)
            reply.add(reply.note)
            if action != "pair":  # the card went to the pair; the giver keeps no buttons
                self.card(reply, full_card(session, handoff), lang, now, header="card")

        self.guarded(session, me, int(number), reply, lang, now, done)

    def write(self, session: Session, me: Coordinator, case: int, words: str, reply: StaffReply, lang: str,
              now: datetime) -> None:
        def send(number: int) -> None:
            staff.reply(session, handoff_id=number, coordinator_id=me.id, text=words, now=now)
            reply.add(self._(lang, N_("Sent to the citizen of case #{case}.")).format(case=number))

        self.guarded(session, me, case, reply, lang, now, send)

    def guarded(self, session: Session, me: Coordinator, case: int, reply: StaffReply, lang: str, now: datetime,
                call: Any) -> None:
        """Run a case action; a refusal becomes a message. No savepoint: the domain audits the refusal in the
        session, and the transaction commits it."""
        try:
            call(case)
        except staff.StaffError as error:
            reply.note = self.refusal(error, lang, case=case, session=session)
            reply.add(reply.note)

    def refusal(self, error: staff.StaffError, lang: str | None, *, case: int | None = None,
                session: Session | None = None) -> str:
        handoff = session.get(Handoff, case) if session is not None and case is not None else None
        return refusal(error, case=case, handoff=handoff, say=lambda message: self._(lang, message), texts=ERRORS,
                       contact=CONTACT)

    def away(self, session: Session, me: Coordinator, rest: str, reply: StaffReply, lang: str, now: datetime) -> None:
        tz = ZoneInfo(self.services.settings.timezone)
        until = parse_until(rest, today=now.astimezone(tz).date()) if rest.strip() else None
        if rest.strip() and until is None:
            reply.add(self._(lang, N_("I could not read the date. Write it like /away 5.12.2026")))
            return
        back_at = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=tz) if until else None
        try:
            staff.set_away(session, coordinator_id=me.id, until=back_at, now=now)
        except staff.StaffError as error:
            reply.add(self.refusal(error, lang))
            return
        pair = me.pair.first_name if me.pair is not None and me.pair.active else None
        text = (self._(lang, N_("You are away until the end of {day}.")).format(day=day_text(until, lang)) if until
                else self._(lang, N_("You are away until you write /back.")))
        text += " " + (self._(lang, N_("New cases go to {pair} meanwhile.")).format(pair=pair) if pair
                       else self._(lang, N_("New cases go to others in your unit meanwhile.")))
        reply.add(text)

    # Rendering ----------------------------------------------------------------------------------------------

    def card(self, reply: StaffReply, card: dict[str, Any], lang: str, now: datetime, *, header: str,
             **extra: Any) -> None:
        text, buttons = self.render_card(card, lang, now, header=header, **extra)
        reply.add(text, buttons)
        reply.cases[len(reply.messages) - 1] = card["handoff_id"]

    def remember(self, chat_id: int | str, sent: dict[int, list[int]]) -> None:
        """Messages just sent to staff with a citizen's words ({case: message ids}), kept by case so that a
        withdrawal can delete them (outbox.retract_staff_messages)."""
        with self.services.sessions.begin() as session:
            for handoff_id, message_ids in sent.items():
                remember_staff_messages(session, handoff_id=handoff_id, chat_id=str(chat_id), message_ids=message_ids,
                                        now=self.services.clock())

    def answer(self, slot: str, card: dict[str, Any], lang: str) -> str:
        """What the citizen chose, in the words of the flows' option they pressed ("Lähiviikkoina", "Borgå")."""
        value = card.get(slot)
        label = self.services.flows.current().option_labels.get((slot, value)) if value else None
        return label.get(lang) if label is not None else (value or "–")

    def render_card(self, card: dict[str, Any], lang: str, now: datetime, *, header: str,
                    **extra: Any) -> tuple[str, list[tuple[str, str]]]:
        """The card as the coordinator reads it, and the buttons its status allows."""
        _ = lambda message: self._(lang, message)  # noqa: E731
        tz = ZoneInfo(self.services.settings.timezone)
        case = card["handoff_id"]
        lines = [_(HEADERS.get(header, HEADERS["card"])).format(case=case, **extra)]
        created = datetime.fromisoformat(card["created_at"])
        status = _(STATUS.get(card["status"], card["status"]))
        waited = format_timedelta(now - created, granularity="minute", threshold=1.5, locale=I18n.locale(lang))
        lines.append(_("Status: {status}, waited {waited}").format(status=status, waited=waited)
                     if card["status"] == "new" else _("Status: {status}").format(status=status))
        if card.get("restricted"):
            lines.append(_("The citizen's consent names the people who may read this case; claim it to see it "
                           "if you are one of them."))
        else:
            lines.append(_("Topic: {topic}").format(topic=self.services.topic_title(card["topic"], lang)))
            lines.append(_("In their own words:") + "\n“" + (card.get("description") or "–") + "”")
            facts = [_("For: {whom}").format(whom=_(FOR_WHOM.get(card.get("for_whom") or "", "–")) or "–"),
                     _("Municipality: {municipality}").format(municipality=self.answer("municipality", card, lang)),
                     _("Language: {language}").format(language=_(LANGUAGE.get(card.get("language") or "", "–")))]
            if card.get("urgency"):
                facts.append(_("Urgency: {urgency}").format(urgency=self.answer("urgency", card, lang)))
            lines.append(" · ".join(facts))
            contact = _(CONTACT.get(card.get("contact_preference") or "", "–"))
            details = ", ".join(v for v in (card.get("phone"), card.get("contact_time")) if v)
            lines.append(_("Contact: {how}").format(how=contact + (f": {details}" if details else "")))
            consent_at = datetime.fromisoformat(card["consent_at"]).astimezone(tz)
            lines.append(_("Consent given {when} to pass this to: {whom}").format(
                when=stamp(consent_at, lang, year=True),
                whom=", ".join([*(card.get("consent_names") or []), card["unit"].get(lang, "–")])))
        if card.get("expected_contact_at") and card["status"] == "new":
            due = datetime.fromisoformat(card["expected_contact_at"]).astimezone(tz)
            lines.append(_("Contact promised by {when}").format(when=stamp(due, lang)))
        if card.get("coordinator"):
            lines.append(_("Holder: {name}").format(name=card["coordinator"]))
        if card.get("history"):
            lines.append(_("History:"))
            for item in card["history"]:
                what = EVENTS.get(item["action"])
                if what is not None:
                    when = stamp(datetime.fromisoformat(item["at"]).astimezone(tz), lang)
                    outcome = OUTCOMES.get(item.get("outcome") or "")
                    lines.append(f"• {when} " + _(what).format(level=item.get("level") or "–", by=item.get("by") or "–",
                                                               to=item.get("to") or "–")
                                 + (f": {_(outcome)}" if outcome else ""))
        actions = tuple(a for a in staff.allowed_actions(status=card["status"], held=bool(card.get("coordinator")),
                                                         restricted=bool(card.get("restricted")))
                        if a in ACTION_LABELS)
        buttons = [(_(ACTION_LABELS[action]), f"{BUTTON}{action}:{case}") for action in actions]
        return "\n".join(lines), buttons


def is_link_start(text: str) -> bool:
    """`/start CODE`, as Telegram sends a deep link's payload: link the account (other /start words are the
    citizen's)."""
    name, rest = command_of(text) if text.startswith("/") else ("", "")
    return name == "start" and staff_link.well_formed(rest)


def command_of(text: str) -> tuple[str, str]:
    """('reply', '12 hello') of '/reply@lahitori_bot 12 hello'."""
    head, _, rest = text.strip().partition(" ")
    return head.lstrip("/").split("@")[0].lower(), rest.strip()


def case_in(text: str | None) -> int | None:
    """The case number a card or a relayed message names (#12), if any."""
    found = CASE_REF.search(text or "")
    return int(found.group(1)) if found else None


DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.?(\d{4})?$")
UNTIL_WORDS = {"until", "asti", "saakka", "till", "tills", "to"}


def parse_until(text: str, *, today: date) -> date | None:
    """The last day away, from '5.12.2026', '5.12.', '2026-12-05' or 'until 5.12'; None if unreadable.

    A day and month without a year is the next such date from today on.
    """
    words = [w for w in text.strip().lower().split() if w not in UNTIL_WORDS]
    if len(words) != 1:
        return None
    word = words[0]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            return date.fromisoformat(word)
        found = DATE.match(word)
        if found is None:
            return None
        day, month, year = int(found.group(1)), int(found.group(2)), found.group(3)
        if year:
            return date(int(year), month, day)
        for year in range(today.year, today.year + 9):  # 29.2. comes round within eight years (2096 → 2104)
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    except ValueError:
        return None


def stamp(value: datetime, lang: str, *, year: bool = False) -> str:
    """'ti 24.11. 10.00' / 'tis 24.11. 10.00' (with `year`: '24.11.2026 10.00'): Finland's format in both languages."""
    day = format_datetime(value, "d.M.yyyy" if year else "EEE d.M.", locale=I18n.locale(lang))
    return f"{day} {I18n.time(value, lang)}"


def day_text(value: date, lang: str) -> str:
    """'pe 5.12.2026' / 'fre 5.12.2026'."""
    return format_date(value, "EEE d.M.yyyy", locale=I18n.locale(lang))
