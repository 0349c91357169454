"""SQLAlchemy 2 ORM models: citizens, conversations, needs, consents, units, coordinators, handoffs."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    true as sa_true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import EncryptedJSON, EncryptedText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# A unit's reply time per urgency, in working hours (its opening hours, Finnish holidays closed): about a working
# day when it is urgent, a week when it is soon, two weeks when there is no hurry.
DEFAULT_REPLY_HOURS: dict[str, int] = {"urgent": 7, "soon": 35, "no_hurry": 70}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Citizen(Base):
    """A person writing to the bot: only the channel's id and the language, no profile."""

    __tablename__ = "citizen"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_citizen_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_at: Mapped[datetime | None]


class Conversation(Base):
    """Where a citizen is in the flows; slots may hold citizen text and are encrypted, and so are the flow and
    step names (a topic's flow names the topic)."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), unique=True)
    flow: Mapped[str] = mapped_column(EncryptedText)
    step: Mapped[str] = mapped_column(EncryptedText)
    slots: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    menu_id: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(16), default="bot")
    handoff_id: Mapped[int | None] = mapped_column(Integer)  # the case being relayed, if any
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class MessageLog(Base):
    """The transcript, both directions; the text is encrypted."""

    __tablename__ = "message_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    sender: Mapped[str] = mapped_column(String(16))  # citizen | bot | coordinator | system
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Unit(Base):
    """A lähitori or a team: where coordinators work, whom it serves, when it is open."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120))
    municipalities: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200), default="")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reply_hours: Mapped[dict[str, Any]] = mapped_column(default=lambda: dict(DEFAULT_REPLY_HOURS),
                                                        server_default=json.dumps(DEFAULT_REPLY_HOURS))
    staff_chat_id: Mapped[str | None] = mapped_column(String(32))  # the approved staff group: gets case cards
    staff_chat_pending: Mapped[str | None] = mapped_column(String(32))  # asked for with /unitgroup, not yet approved
    staff_telegram: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())  # off: no card or
    # relayed word of this unit's cases goes to Telegram; staff work in the console and get e-mail
    follow_up_days: Mapped[int | None] = mapped_column(Integer)  # ask "did you get help?" this long after closing
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    coordinators: Mapped[list[Coordinator]] = relationship(back_populates="unit")

    def name(self, lang: str) -> str:
        return self.name_sv if lang == "sv" else self.name_fi


class Coordinator(Base):
    """An asiakasvastaava / palveluohjaaja; `pair` takes the cases while this person is away."""

    __tablename__ = "coordinator"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    title_fi: Mapped[str] = mapped_column(String(80))
    title_sv: Mapped[str] = mapped_column(String(80))
    languages: Mapped[list[str]] = mapped_column(default=list)
    topics: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))  # work address for staff notifications (no client data)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit] = relationship(back_populates="coordinators")
    pair: Mapped[Coordinator | None] = relationship(remote_side=[id])
    absences: Mapped[list[Absence]] = relationship(back_populates="coordinator", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def title(self, lang: str) -> str:
        return self.title_sv if lang == "sv" else self.title_fi


class Absence(Base):
    """A period a coordinator is away; `ends_at` None means until further notice."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinator.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]

    coordinator: Mapped[Coordinator] = relationship(back_populates="absences")


class Need(Base):
    """What the citizen needs, in structured form; the description is their own words."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    topic_confidence: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(EncryptedText)
    for_whom: Mapped[str | None] = mapped_column(String(16))  # self | close_one
    municipality: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str | None] = mapped_column(String(16))  # urgent | soon | no_hurry
    contact_preference: Mapped[str | None] = mapped_column(String(16))  # chat | phone | visit
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_time: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")  # confirmed | handed_off | withdrawn | deleted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """A recorded yes or no to one exact consent text, naming who receives the need."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(8))  # given | declined
    purpose: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class Handoff(Base):
    """A consented case handed to a coordinator (or a unit); one per need. Its id is the case number (#N) and is
    never reused. After erasure a case a coordinator already contacted stays as a bare record (number, unit,
    coordinator, dates) with no need, consent or citizen; every other case is deleted."""

    __tablename__ = "handoff"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id", ondelete="SET NULL"), unique=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id", ondelete="SET NULL"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | claimed | contacted | closed | cancelled
    expected_contact_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(24))  # guidance | referred | phone | unreachable | other
    outcome_note: Mapped[str | None] = mapped_column(EncryptedText)  # the named service referred to, or a few words
    follow_up_sent_at: Mapped[datetime | None]  # the unit's follow-up question went (once)
    follow_up_answered_at: Mapped[datetime | None]  # and was answered (the answer is only counted)
    erased_at: Mapped[datetime | None]  # the citizen's data was erased; this is the bare record

    need: Mapped[Need] = relationship()
    consent: Mapped[Consent] = relationship()
    coordinator: Mapped[Coordinator | None] = relationship()
    unit: Mapped[Unit] = relationship()


class CaseNote(Base):
    """A coordinator's private note on a case (the console): never shown to the citizen's chat, but part of their
    data (/mydata, export) and erased with it."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id", ondelete="CASCADE"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(48))  # as AuditEvent.actor
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """A citizen's 1-5 rating and optional comment."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="SET NULL"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff.id", ondelete="SET NULL"))
    topic: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what and when; details never hold message contents and are encrypted (they may name a topic or a
    crisis category). Also the case history and the view log the citizen can see."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(48))  # citizen:ID | coordinator:ID | system | admin
    action: Mapped[str] = mapped_column(String(48))
    citizen_id: Mapped[int | None] = mapped_column(Integer, index=True)
    handoff_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)


class StatCount(Base):
    """Statistics with no link to any person: how many of a kind happened on a day, by coarse documented fields
    (metric, topic, language, municipality, channel, unit code, and a bucket such as a crisis category or a waiting
    time band). Counted when the event happens, so erasure and retention leave the figures."""

    __tablename__ = "stat_count"
    __table_args__ = (UniqueConstraint("day", "metric", "topic", "language", "municipality", "channel", "unit",
                                       "bucket", name="uq_stat_count_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(32))  # need | handoff | contacted | crisis_help | feedback_<1-5> | ...
    topic: Mapped[str] = mapped_column(String(40), default="")  # "" when the metric has none (crisis_help)
    language: Mapped[str] = mapped_column(String(2), default="")
    municipality: Mapped[str] = mapped_column(String(64), default="", server_default="")
    channel: Mapped[str] = mapped_column(String(16), default="", server_default="")
    unit: Mapped[str] = mapped_column(String(32), default="", server_default="")  # Unit.code
    bucket: Mapped[str] = mapped_column(String(24), default="", server_default="")  # a category or a band
    count: Mapped[int] = mapped_column(Integer, default=0)


class FlowVersion(Base):
    """A published set of flows: immutable, numbered; the bot runs the newest and starts from it when the files
    on disk are broken. `files` maps each file name to its YAML text (flows hold no citizen data)."""

    __tablename__ = "flow_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(48))  # admin:NAME | system (published at start-up from FLOWS_DIR)
    note: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)


class FlowDraft(Base):
    """An admin's unpublished edit of the flows in the console: the whole set of files (name -> YAML) and the
    published version it began from. Publishing validates it as `lahitori flows publish` does."""

    __tablename__ = "flow_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id", ondelete="CASCADE"), unique=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outbox(Base):
    """A notification written in the turn's transaction and sent later by the dispatcher."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict | None] = mapped_column(EncryptedJSON)  # None once sent or given up: no copies kept
    handoff_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the case; a withdrawn case's rows go unsent
    dedupe_key: Mapped[str] = mapped_column(String(96), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    sending_at: Mapped[datetime | None]  # a piece's send began, its result not recorded yet (in doubt after a crash)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # pieces delivered, ids kept


class ProcessedUpdate(Base):
    """An update id already handled, kept for a window: a redelivered update is processed once."""

    __tablename__ = "processed_update"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)  # whose ids: for Telegram telegram:<bot id>
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StaffLinkCode(Base):
    """A one-time code that links a coordinator's Telegram chat to their record; only its HMAC is stored."""

    __tablename__ = "staff_link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinator.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex (bot/handoff/staff_link.py)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(48))  # admin | coordinator:ID, as in AuditEvent.actor


class StaffMessage(Base):
    """A message the bot sent to staff that carries a citizen's words (a case card, a relayed message or an
    addition): kept so it can be deleted from Telegram when the citizen withdraws consent or deletes their data.
    Ids only, no content; Telegram lets a bot delete its messages for 48 hours."""

    __tablename__ = "staff_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InboundUpdate(Base):
    """An incoming update (citizen or staff, any kind), stored before Telegram is told it arrived; handled from
    here in the order of `id` within its chat. The payload (the update as Telegram sent it) holds what people wrote
    and is encrypted. A turn's transaction replaces it with the turn's replies (state `replying`), which are sent,
    never run again, and the row is deleted once they are (bot/db/inbound.py)."""

    __tablename__ = "inbound_update"
    __table_args__ = (UniqueConstraint("source", "update_id", name="uq_inbound_update_source_update"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the order of arrival
    source: Mapped[str] = mapped_column(String(40))  # whose update ids, as ProcessedUpdate.channel
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat: Mapped[str] = mapped_column(String(64), index=True)  # the chat (or user) whose updates keep their order
    payload: Mapped[str] = mapped_column(EncryptedText)
    crisis_answered: Mapped[bool] = mapped_column(Boolean, default=False)  # help sent on receipt
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(8), default="received", server_default="received")  # or "replying"


class StaffAccount(Base):
    """A person who signs in to the staff console (bot/web): a staff member of a unit, usually a coordinator, or an
    administrator who sees every case. The password hash is argon2id; an SSO login would leave it NULL."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8))  # staff | admin
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coordinator: Mapped[Coordinator | None] = relationship()


class WebSession(Base):
    """A signed-in browser: the id is the SHA-256 of the cookie's random token (a copy of the table opens no
    session); the CSRF token is checked on every form sent."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginFailure(Base):
    """A failed console login, for the per-address rate limit: the address is kept only as a keyed hash."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)


# The staff console's inbox: a unit's cases by status, oldest first (migration 0009).
Index("ix_handoff_unit_status_created", Handoff.unit_id, Handoff.status, Handoff.created_at)
# An admin's inbox (every unit) and the view log per person (migration 0010).
Index("ix_handoff_status_created", Handoff.status, Handoff.created_at)
Index("ix_audit_event_actor_at", AuditEvent.actor, AuditEvent.at)
# A case's transcript in the console (migration 0011).
Index("ix_message_log_handoff_id", MessageLog.handoff_id)
