"""Linking a coordinator's Telegram chat with a one-time code that cannot be guessed or read back from the database.

A code is 26 characters of Crockford's base32 (130 random bits), shown in groups for typing ("7K3QM-XW9DA-…") and as
a Telegram deep link (https://t.me/<bot>?start=<code>, which sends `/start <code>`). The database holds only an
HMAC-SHA256 of the code under a key derived from the data key (`Cipher.derived_keys`), so a dump of the table
does not lead to a live code; a code is checked against the key of every listed data key, so a rotation does not
break a code on its way. Codes live 24 hours at most and work once; wrong tries are throttled per chat.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from bot import crypto
from bot.db.models import AuditEvent, Coordinator, StaffLinkCode
from bot.handoff.audit import record
from bot.handoff.staff_errors import (
    ChatAlreadyLinked,
    CodeExpired,
    CodeUsed,
    CoordinatorInactive,
    InvalidCode,
    StaffError,
    TooManyAttempts,
    UnknownCoordinator,
)

logger = logging.getLogger(__name__)

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CODE_LENGTH = 26  # 130 bits
CODE_GROUPS = (5, 5, 4, 4, 4, 4)  # how the code is shown: 7K3QM-XW9DA-4RTB-N2FH-0CJE-PV8S
READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people type for 0 and 1 (Crockford's decoding)
MAX_TTL = timedelta(hours=24)
LINK_FAILURES_PER_HOUR = 5
HMAC_PURPOSE = "staff link code"  # HKDF info b"lahitori/staff link code" (Cipher.derived_keys)
BOT_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


def normalise_code(code: str) -> str:
    """The code as issued, from what a person typed: any case, spaces, dashes or none, O for 0, I or L for 1."""
    return "".join(code.split()).replace("-", "").upper().translate(READ_AS)


def well_formed(code: str) -> bool:
    """Could this be a link code at all (26 characters of the alphabet, once normalised)?"""
    plain = normalise_code(code)
    return len(plain) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in plain)


def shown(code: str) -> str:
    """The code in groups, for reading and typing: 7K3QM-XW9DA-4RTB-N2FH-0CJE-PV8S."""
    plain, parts, start = normalise_code(code), [], 0
    for size in CODE_GROUPS:
        parts.append(plain[start:start + size])
        start += size
    return "-".join(parts)


def deep_link(code: str, *, bot_username: str) -> str:
    """https://t.me/<bot>?start=<code>: opening it in Telegram sends `/start <code>` to the bot."""
    found = BOT_USERNAME.fullmatch(bot_username.strip())
    if found is None:
        raise ValueError(f"'{bot_username}' is not a Telegram bot username (letters, digits and _, 5-32 characters)")
    return f"https://t.me/{found.group(1)}?start={normalise_code(code)}"


def code_hash(code: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the normalised code under one derived key."""
    return hmac.new(key, normalise_code(code).encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _keys() -> list[bytes]:
    return crypto.active().derived_keys(HMAC_PURPOSE)


def create_link_code(session: Session, *, coordinator_id: int, now: datetime, ttl: timedelta = MAX_TTL,
                     created_by: str) -> str:
    """A new one-time code for the coordinator, in groups (older unused codes stop working); only its HMAC is
    stored. A ttl over 24 hours is refused (ValueError)."""
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError("a link code lives more than 0 and at most 24 hours")
    coordinator = session.get(Coordinator, coordinator_id)
    if coordinator is None:
        raise UnknownCoordinator(f"no coordinator has id {coordinator_id}")
    if not coordinator.active:
        raise CoordinatorInactive(f"{coordinator.first_name} {coordinator.last_name} is not active: no code was made")
    session.execute(update(StaffLinkCode)
                    .where(StaffLinkCode.coordinator_id == coordinator_id, StaffLinkCode.used_at.is_(None),
                           StaffLinkCode.expires_at > now)
                    .values(expires_at=now).execution_options(synchronize_session=False))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(StaffLinkCode(coordinator_id=coordinator_id, code_hash=code_hash(code, _keys()[0]), created_at=now,
                              expires_at=now + ttl, created_by=created_by))
    record(session, actor=created_by, action="staff_link_code_created", at=now,
           details={"coordinator_id": coordinator_id, "expires_at": (now + ttl).isoformat()})
    session.flush()
    return shown(code)


def link_account(session: Session, *, code: str, chat_id: int | str, now: datetime) -> Coordinator:
    """Link the chat to the coordinator the code was made for; every attempt is audited, never the code."""
    chat, actor = str(chat_id), f"chat:{chat_id}"[:48]

    def refuse(error: StaffError, coordinator_id: int | None = None) -> StaffError:
        record(session, actor=actor, action="staff_link_failed", at=now,
               details={"reason": type(error).__name__, "coordinator_id": coordinator_id})
        session.flush()
        logger.warning("staff link refused: %s", type(error).__name__)
        return error

    recent = session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor == actor, AuditEvent.action == "staff_link_failed", AuditEvent.at > now - timedelta(hours=1)
    )).scalar_one()
    if recent >= LINK_FAILURES_PER_HOUR:
        raise refuse(TooManyAttempts("too many wrong codes from this chat: try again in an hour"))
    row = None
    if well_formed(code):  # under every data key's derived key: a code made before a rotation still works
        row = session.scalar(select(StaffLinkCode).where(
            StaffLinkCode.code_hash.in_([code_hash(code, key) for key in _keys()])).with_for_update())
    if row is None:
        raise refuse(InvalidCode("the code is not valid: check it, or ask for a new one"))
    if row.used_at is not None:
        raise refuse(CodeUsed("the code has already been used: ask for a new one"), row.coordinator_id)
    if row.expires_at <= now:
        raise refuse(CodeExpired("the code has expired: ask for a new one"), row.coordinator_id)
    coordinator = session.get(Coordinator, row.coordinator_id)
    if coordinator is None or not coordinator.active:
        raise refuse(CoordinatorInactive("the coordinator of this code is no longer active"), row.coordinator_id)
    holder = session.scalar(select(Coordinator).where(Coordinator.telegram_chat_id == chat,
                                                      Coordinator.id != coordinator.id))
    if holder is not None:
        raise refuse(ChatAlreadyLinked("this chat is already linked to another coordinator"), row.coordinator_id)
    used = cast(CursorResult[Any], session.execute(
        update(StaffLinkCode).where(StaffLinkCode.id == row.id, StaffLinkCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))).rowcount
    if used != 1:  # a concurrent attempt won
        raise refuse(CodeUsed("the code has already been used: ask for a new one"), row.coordinator_id)
    replaced = coordinator.telegram_chat_id is not None and coordinator.telegram_chat_id != chat
    coordinator.telegram_chat_id = chat
    record(session, actor=actor, action="staff_linked", at=now,
           details={"coordinator_id": coordinator.id, "replaced_previous_chat": replaced})
    session.flush()
    logger.info("coordinator %d linked a chat", coordinator.id)
    return coordinator


def coordinator_for_chat(session: Session, *, chat_id: int | str) -> Coordinator | None:
    """The active coordinator linked to this chat, or None (not staff, or deactivated)."""
    return session.scalar(select(Coordinator).where(Coordinator.telegram_chat_id == str(chat_id),
                                                    Coordinator.active.is_(True)))
