"""Erasure that erases: the one rule for removing a citizen (their /delete, and retention) and for removing cases.

What goes, in the caller's transaction: the citizen row itself, their conversation, needs, consents, transcript, the
staff's private notes on their cases, feedback (a rating was counted into `stat_count` when it was given, see
bot/handoff/stats.py, so the row goes whole: no score, topic or comment stays behind), every outbox row addressed to
them or about their cases, the Telegram updates of their chat still stored (all but the one whose turn is running:
the inbox deletes that one once the turn has committed), the ids of staff messages about their cases (after their
deletion from the staff chats is queued) and every audit event naming them or one of their cases, crisis records
included.

What stays, and why: the **bare record** of a case a coordinator already contacted (`contacted_at` set). The
county's record-keeping duty for social and health care lies in its client-information system, where the
coordinator documents the contact; this record only lets the county answer "who handled case #N, when, and who
looked at it" when that documentation is questioned. It holds:

- the `handoff` row: its number (never given again), unit, coordinator, `created_at`, `claimed_at`,
  `contacted_at`, `closed_at` (the erasure's moment if it was still open), `cancelled_at`, the escalation level,
  status `closed`, the outcome's code (guidance, referred, ...) and `erased_at`; `need_id`, `consent_id` and
  `citizen_id` are NULL, and `expected_contact_at` (derived from the person's urgency and wishes) and
  `outcome_note` (the service referred to, or a coordinator's words) are cleared;
- the audit events of that case whose actor is a coordinator (`coordinator:<id>`: claimed, contacted, closed,
  given to the pair, wrote to the citizen, was refused), with `citizen_id` NULL and details cut down to
  SAFE_DETAILS (who did it, to whom it went, why a staff action was refused), never a topic or a category.

Nothing in it says who the person was or what they needed. Every other case is deleted outright.

The outbox keeps what staff must still be told or have deleted: the retraction rows (staff chat ids and message
ids only) and the still-unsent "case cancelled" notices queued by the withdrawal (the case number and the reason).
On SQLite every connection overwrites what is deleted (secure_delete, bot/db/session.py) and, once an erasure has
committed, the write-ahead log is checkpointed and truncated, so the deleted rows linger in neither file.
PostgreSQL keeps dead rows until (auto)vacuum reclaims them.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, event, not_, or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import (
    AuditEvent,
    CaseNote,
    Citizen,
    Consent,
    Conversation,
    Feedback,
    Handoff,
    InboundUpdate,
    MessageLog,
    Need,
    Outbox,
)
from bot.handoff.outbox import RETRACT, retract_staff_messages

logger = logging.getLogger(__name__)

CANCELLED_NOTICE = "case_withdrawn"  # the staff notice the withdrawal queues: it still goes out
SAFE_DETAILS = frozenset({"coordinator_id", "previous_coordinator_id", "from_coordinator_id", "to_coordinator_id",
                          "unit_id", "level", "attempted", "reason", "outcome", "view", "via"})
CHECKPOINT = "lahitori_checkpoint_after_commit"  # session.info: the WAL checkpoint is already hooked


@dataclass
class ErasureReport:
    """What an erasure removed: rows per table, and the case numbers kept as bare records."""

    kept_cases: list[int] = field(default_factory=list)
    deleted_cases: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count


def _gone(session: Session, statement: Any) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def erase_cases(session: Session, cases: Iterable[Handoff], *, now: datetime,
                report: ErasureReport | None = None) -> ErasureReport:
    """Remove these cases by the bare-record rule (module docstring): with their needs, consents, transcript lines,
    feedback, outbox rows, staff message ids and audit events; a contacted case stays as a bare record."""
    report = report if report is not None else ErasureReport()
    cases = list(cases)
    if not cases:
        return report
    ids = [case.id for case in cases]
    bare = {case.id for case in cases if case.contacted_at is not None}
    need_ids = [case.need_id for case in cases if case.need_id is not None]
    consent_ids = [case.consent_id for case in cases if case.consent_id is not None]
    citizen_ids = {case.citizen_id for case in cases if case.citizen_id is not None}

    retract_staff_messages(session, ids, now=now)  # queued first: the ids go with it
    still_to_send = and_(Outbox.kind == CANCELLED_NOTICE, Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))
    report.add("outbox", _gone(session, delete(Outbox).where(Outbox.handoff_id.in_(ids), Outbox.kind != RETRACT,
                                                             not_(still_to_send))))
    _erase_case_events(session, ids, bare, report)
    if citizen_ids and (need_ids or consent_ids):  # "need recorded", "consent given" name the need, not the case
        for event_row in list(session.scalars(select(AuditEvent).where(AuditEvent.citizen_id.in_(citizen_ids),
                                                                       AuditEvent.handoff_id.is_(None)))):
            details = event_row.details or {}
            if details.get("need_id") in need_ids or details.get("consent_id") in consent_ids:
                session.delete(event_row)
                report.add("audit_event", 1)
    report.add("feedback", _gone(session, delete(Feedback).where(Feedback.handoff_id.in_(ids))))
    report.add("message_log", _gone(session, delete(MessageLog).where(MessageLog.handoff_id.in_(ids))))
    report.add("case_note", _gone(session, delete(CaseNote).where(CaseNote.handoff_id.in_(ids))))
    session.execute(update(Conversation).where(Conversation.handoff_id.in_(ids))
                    .values(mode="bot", handoff_id=None, version=Conversation.version + 1)
                    .execution_options(synchronize_session=False))
    for case in cases:
        if case.id in bare:
            _make_bare(case, now)
            report.kept_cases.append(case.id)
        else:
            report.deleted_cases.append(case.id)
    if report.deleted_cases:
        report.add("handoff", _gone(session, delete(Handoff).where(Handoff.id.in_(report.deleted_cases))))
    session.flush()  # the bare records no longer point at the needs and consents
    if need_ids:
        report.add("consent", _gone(session, delete(Consent).where(
            or_(Consent.need_id.in_(need_ids), Consent.id.in_(consent_ids)))))
        report.add("need", _gone(session, delete(Need).where(Need.id.in_(need_ids))))
    return report


def _make_bare(case: Handoff, now: datetime) -> None:
    case.need_id = case.consent_id = case.citizen_id = None
    case.expected_contact_at = case.outcome_note = None  # the outcome's code may stay: it names nobody
    case.status = "closed"
    case.closed_at = case.closed_at or case.cancelled_at or now
    case.erased_at = now


def _erase_case_events(session: Session, ids: list[int], bare: set[int], report: ErasureReport) -> None:
    """A bare case keeps its coordinators' events, stripped of the person; every other event of the cases goes."""
    keep = and_(AuditEvent.handoff_id.in_(bare), AuditEvent.actor.like("coordinator:%")) if bare else None
    doomed = AuditEvent.handoff_id.in_(ids) if keep is None else and_(AuditEvent.handoff_id.in_(ids), not_(keep))
    report.add("audit_event", _gone(session, delete(AuditEvent).where(doomed)))
    if keep is None:
        return
    for event_row in session.scalars(select(AuditEvent).where(keep)):
        event_row.citizen_id = None
        event_row.details = {key: value for key, value in (event_row.details or {}).items() if key in SAFE_DETAILS}


def erase_citizen(session: Session, citizen_id: int, *, now: datetime,
                  keep_update: tuple[str, int] | None = None) -> ErasureReport:
    """Remove the citizen and everything about them (module docstring); the report says what went and which case
    numbers stay as bare records. Callers with open cases withdraw them and tell staff first
    (StoreActions.delete_everything). `keep_update` is the (source, update id) of the turn running now. Idempotent:
    an unknown citizen removes nothing."""
    session.flush()
    report = ErasureReport()
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return report
    erase_cases(session, session.scalars(select(Handoff).where(Handoff.citizen_id == citizen_id)), now=now,
                report=report)
    to_them = and_(Outbox.channel == citizen.channel, Outbox.recipient == citizen.external_id, Outbox.kind != RETRACT)
    report.add("outbox", _gone(session, delete(Outbox).where(to_them)))
    about_them = [AuditEvent.citizen_id == citizen_id, AuditEvent.actor == f"citizen:{citizen_id}"]
    if citizen.channel == "telegram":  # a staff command or link code tried from their chat is audited by chat id
        about_them.append(AuditEvent.actor == f"chat:{citizen.external_id}"[:48])
    report.add("audit_event", _gone(session, delete(AuditEvent).where(or_(*about_them))))
    report.add("feedback", _gone(session, delete(Feedback).where(Feedback.citizen_id == citizen_id)))
    report.add("message_log", _gone(session, delete(MessageLog).where(MessageLog.citizen_id == citizen_id)))
    report.add("consent", _gone(session, delete(Consent).where(Consent.citizen_id == citizen_id)))
    report.add("need", _gone(session, delete(Need).where(Need.citizen_id == citizen_id)))
    if citizen.channel == "telegram":  # a private chat's id is the user's id
        waiting = InboundUpdate.chat == citizen.external_id
        if keep_update is not None:
            waiting = and_(waiting, not_(and_(InboundUpdate.source == keep_update[0],
                                              InboundUpdate.update_id == keep_update[1])))
        report.add("inbound_update", _gone(session, delete(InboundUpdate).where(waiting)))
    report.add("conversation", _gone(session, delete(Conversation).where(Conversation.citizen_id == citizen_id)))
    report.add("citizen", _gone(session, delete(Citizen).where(Citizen.id == citizen_id)))
    if session.get_bind().dialect.name == "sqlite":
        checkpoint_after_commit(session)
    logger.info("citizen erased: %d case(s) kept as bare records, %d deleted", len(report.kept_cases),
                len(report.deleted_cases))
    return report


def checkpoint_after_commit(session: Session) -> None:
    """SQLite: once this session's transaction has committed, copy the write-ahead log into the database and
    truncate it (PRAGMA wal_checkpoint(TRUNCATE)): the pages that held the deleted rows leave the log."""
    if session.info.get(CHECKPOINT):
        return
    session.info[CHECKPOINT] = True
    engine = session.get_bind().engine

    def checkpoint(committed: Session) -> None:
        committed.info.pop(CHECKPOINT, None)
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        except Exception as error:  # noqa: BLE001 - the erasure is committed; the next checkpoint does it
            logger.warning("write-ahead log not checkpointed after an erasure: %s", type(error).__name__)
            return
        if busy and busy[0]:
            logger.warning("write-ahead log not fully checkpointed after an erasure (readers busy)")

    event.listen(session, "after_commit", checkpoint, once=True)
