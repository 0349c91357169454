"""Retention: how long what is kept stays, removed by `purge` (`lahitori purge`, and once a day in `lahitori run`).

The kinds, in the order `purge` takes them, so that one run reaches the end and a second removes nothing:

1. **closed cases** (RETENTION_CLOSED_CASE_DAYS, 180): a case closed or cancelled longer ago than that goes by
   erasure's rule (bot/handoff/erasure.py): its need, consents, transcript lines, private notes, feedback,
   outbox rows, staff message ids and audit events; a case a coordinator contacted stays as a bare record, any
   other is deleted.
2. **conversations without a case** (RETENTION_CONVERSATION_DAYS, 30): a citizen with no case at all (a bare
   record is nobody's) whose last activity (the conversation's last turn, the newest transcript line, the first
   contact) is older than that is erased whole by `erase_citizen`: nothing of theirs needs keeping. A citizen
   whose last case kind 1 removed is removed here too once inactive that long.
3. **audit events and bare case records** (RETENTION_LOG_DAYS, 730): every audit event older than that, and every
   bare record of a case that ended longer ago, with what remains of its history.
4. **sent notifications** (OUTBOX_DAYS, 30, fixed): outbox rows sent or given up on longer ago. They hold no
   content any more (the payload goes at sending), only who was told of which case when: enough to look into a
   delivery, and no longer.

5. **staff link codes and failed console logins**: a day after a code was used or expired, a day after a failure.

Update ids, staff message ids and stored Telegram updates have shorter lives of their own (bot/conversation.py,
bot/handoff/outbox.py, bot/channels/telegram_inbox.py). Statistics (`stat_count`) are never purged: they name
nobody.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import (
    AuditEvent,
    Citizen,
    Conversation,
    Handoff,
    InboundUpdate,
    LoginFailure,
    MessageLog,
    Outbox,
    StaffLinkCode,
)
from bot.handoff.erasure import erase_cases, erase_citizen

logger = logging.getLogger(__name__)

OUTBOX_DAYS = 30
PURGED = "retention_purged"  # the audit action of a purge that ran (the daily job looks for it)
KINDS = {  # key -> what `lahitori purge` prints
    "closed_cases_deleted": "closed cases deleted",
    "closed_cases_bare": "closed cases kept as bare records",
    "conversations": "conversations without a case",
    "audit_events": "audit events",
    "bare_records": "bare case records",
    "outbox_rows": "sent notifications",
    "link_codes": "used or expired staff link codes",
    "login_failures": "failed console logins",
}


@dataclass(frozen=True, slots=True)
class Periods:
    conversation: timedelta = timedelta(days=30)
    closed_case: timedelta = timedelta(days=180)
    log: timedelta = timedelta(days=730)
    outbox: timedelta = timedelta(days=OUTBOX_DAYS)

    @classmethod
    def from_settings(cls, settings: Any) -> Periods:
        return cls(conversation=timedelta(days=settings.retention_conversation_days),
                   closed_case=timedelta(days=settings.retention_closed_case_days),
                   log=timedelta(days=settings.retention_log_days))


def purge(session: Session, *, now: datetime, periods: Periods, dry_run: bool = False) -> dict[str, int]:
    """Remove what has outlived its period (module docstring), in the caller's transaction; how many of each kind.
    With `dry_run` the same work runs in a savepoint that is rolled back: the counts, and no change."""
    if not dry_run:
        return _purge(session, now=now, periods=periods)
    savepoint = session.begin_nested()
    try:
        return _purge(session, now=now, periods=periods)
    finally:
        savepoint.rollback()


def _gone(session: Session, statement: Any) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _purge(session: Session, *, now: datetime, periods: Periods) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    ended = func.coalesce(Handoff.closed_at, Handoff.cancelled_at)
    old_cases = list(session.scalars(select(Handoff).where(
        Handoff.erased_at.is_(None), Handoff.status.in_(("closed", "cancelled")), ended < now - periods.closed_case)
        .order_by(Handoff.id)))
    report = erase_cases(session, old_cases, now=now)
    counts["closed_cases_deleted"], counts["closed_cases_bare"] = len(report.deleted_cases), len(report.kept_cases)

    for citizen_id in inactive_without_case(session, since=now - periods.conversation):
        erase_citizen(session, citizen_id, now=now)
        counts["conversations"] += 1

    log_cutoff = now - periods.log
    bare = list(session.scalars(select(Handoff.id).where(
        Handoff.erased_at.is_not(None), func.coalesce(Handoff.closed_at, Handoff.erased_at) < log_cutoff)))
    if bare:
        counts["audit_events"] += _gone(session, delete(AuditEvent).where(AuditEvent.handoff_id.in_(bare)))
        _gone(session, delete(Outbox).where(Outbox.handoff_id.in_(bare), Outbox.sent_at.is_not(None)))
        counts["bare_records"] = _gone(session, delete(Handoff).where(Handoff.id.in_(bare)))
    counts["audit_events"] += _gone(session, delete(AuditEvent).where(AuditEvent.at < log_cutoff))

    outbox_cutoff = now - periods.outbox
    counts["outbox_rows"] = _gone(session, delete(Outbox).where(
        or_(Outbox.sent_at < outbox_cutoff, Outbox.failed_at < outbox_cutoff)))
    # Staff secrets outlive their use by a day at most (enough to look into a refused link or a locked account).
    day_ago = now - timedelta(days=1)
    counts["link_codes"] = _gone(session, delete(StaffLinkCode).where(
        or_(StaffLinkCode.expires_at < day_ago, StaffLinkCode.used_at < day_ago)))
    counts["login_failures"] = _gone(session, delete(LoginFailure).where(LoginFailure.at < day_ago))
    session.flush()
    logger.info("retention purge: %s", ", ".join(f"{kind} {count}" for kind, count in counts.items()))
    return counts


def inactive_without_case(session: Session, *, since: datetime) -> list[int]:
    """Citizens with no case at all whose conversation, transcript and first contact are all older than `since`,
    and who have no Telegram update stored (one just written, whose turn has not yet run, makes them active)."""
    recent_turn = exists().where(Conversation.citizen_id == Citizen.id, Conversation.updated_at >= since)
    recent_line = exists().where(MessageLog.citizen_id == Citizen.id, MessageLog.created_at >= since)
    has_case = exists().where(Handoff.citizen_id == Citizen.id)
    writing = exists().where(Citizen.channel == "telegram", InboundUpdate.chat == Citizen.external_id)
    return list(session.scalars(select(Citizen.id).where(
        Citizen.created_at < since, Citizen.last_seen_at < since, ~recent_turn, ~recent_line, ~has_case, ~writing)
        .order_by(Citizen.id)))


def purged_since(session: Session, since: datetime) -> bool:
    """Whether a purge ran (and was recorded) after `since`."""
    return session.scalar(select(AuditEvent.id).where(AuditEvent.action == PURGED, AuditEvent.at > since)
                          .limit(1)) is not None
