"""Retention with a frozen clock, both databases: conversations without a case go after 30 days, closed cases after
180 (a contacted one as a bare record), audit events and bare records after 730, sent notifications after 30; a
purge is idempotent, a dry run changes nothing, `lahitori purge` prints a line per kind and the daily job runs once
a day."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.channels.retention_job import RetentionJob
from bot.db.models import AuditEvent, Base, Citizen, Handoff, MessageLog, Need, Outbox
from bot.handoff import staff
from bot.handoff.retention import KINDS, PURGED, Periods, purge
from tests.auxil.chat import Chat
from tests.conftest import TEST_KEY
from tests.handoff.test_erasure import dispatch_all, with_staff
from tests.handoff.test_relay import act, coordinator, hand_off, press_key

ZERO = dict.fromkeys(KINDS, 0)


@pytest.fixture
def embedded_classifier(keyword_classifier):
    return keyword_classifier


@pytest.fixture
def bot(services, clock):
    return with_staff(services, clock, unit_group=None)


def dump(services) -> dict[str, list[str]]:
    """Every row of every table, as read through the models' types."""
    with services.sessions() as session:
        return {table.name: sorted(json.dumps(dict(row), default=str, sort_keys=True)
                                   for row in session.execute(select(table)).mappings())
                for table in Base.metadata.sorted_tables}


def run_purge(services, *, days: float, dry_run: bool = False) -> dict[str, int]:
    with services.sessions.begin() as session:
        return purge(session, now=services.clock() + timedelta(days=days), periods=Periods(), dry_run=dry_run)


def citizen(services, user: str) -> Citizen | None:
    with services.sessions() as session:
        return session.scalar(select(Citizen).where(Citizen.external_id == user))


def people(bot) -> dict[str, int]:
    """Six citizens on day 0: (external id -> case number or 0)."""
    sari = coordinator(bot, "Sari")
    talked = Chat(bot, user="talked")  # a conversation, nothing more
    talked.start("fi")
    talked.say("hei, mitä lähitori tekee?")
    declined = Chat(bot, user="declined")  # a need, but no consent: no case
    hand_off(declined, "fi", consent=False)
    contacted = Chat(bot, user="contacted")  # a case contacted and closed
    closed_case = hand_off(contacted, "fi")
    act(bot, staff.claim, handoff_id=closed_case, coordinator_id=sari)
    act(bot, staff.mark_contacted, handoff_id=closed_case, coordinator_id=sari)
    act(bot, staff.close, handoff_id=closed_case, coordinator_id=sari)
    withdrawn = Chat(bot, user="withdrawn")  # a case cancelled before anyone contacted them
    cancelled_case = hand_off(withdrawn, "fi")
    withdrawn.say("/mydata")
    press_key(withdrawn, "withdraw")
    active = Chat(bot, user="active")  # writes again on day 25
    active.start("sv")
    active.say("hej")
    waiting = Chat(bot, user="waiting")  # a case still open
    open_case = hand_off(waiting, "fi")
    dispatch_all(bot)
    return {"contacted": closed_case, "withdrawn": cancelled_case, "waiting": open_case}


def test_what_outlives_its_period_goes_and_a_second_purge_removes_nothing(bot, clock):
    cases = people(bot)
    with bot.sessions() as session:
        sent = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_not(None)))
    assert sent > 0
    assert run_purge(bot, days=10) == ZERO

    clock.advance(days=25)
    Chat(bot, user="active").say("kiitos vielä")
    clock.advance(days=-25)
    counts = run_purge(bot, days=40)
    assert counts == {**ZERO, "conversations": 2, "outbox_rows": sent}
    assert citizen(bot, "talked") is None and citizen(bot, "declined") is None
    assert all(citizen(bot, user) is not None for user in ("contacted", "withdrawn", "active", "waiting"))
    assert run_purge(bot, days=40) == ZERO, "idempotent"

    assert run_purge(bot, days=200) == {**ZERO, "closed_cases_bare": 1, "closed_cases_deleted": 1,
                                        "conversations": 3}
    assert run_purge(bot, days=200) == ZERO
    with bot.sessions() as session:
        bare = session.get(Handoff, cases["contacted"])
        assert (bare.need_id, bare.consent_id, bare.citizen_id, bare.status) == (None, None, None, "closed")
        assert bare.erased_at == clock() + timedelta(days=200)
        assert session.get(Handoff, cases["withdrawn"]) is None
        assert {event.actor.split(":")[0] for event in session.scalars(
            select(AuditEvent).where(AuditEvent.handoff_id == cases["contacted"]))} == {"coordinator"}
        waiting = session.get(Handoff, cases["waiting"])
        assert waiting.status == "new" and waiting.need.description, "an open case is kept whole"
    assert [user for user in ("contacted", "withdrawn", "active", "waiting") if citizen(bot, user)] == ["waiting"]

    late = run_purge(bot, days=800)
    assert late["bare_records"] == 1 and late["audit_events"] > 0
    assert (late["conversations"], late["closed_cases_bare"], late["closed_cases_deleted"]) == (0, 0, 0)
    assert run_purge(bot, days=800) == ZERO
    with bot.sessions() as session:
        assert session.get(Handoff, cases["contacted"]) is None
        assert session.scalar(select(func.min(AuditEvent.at))) is None
        assert session.get(Handoff, cases["waiting"]) is not None, "still open: the case stays"


def test_a_dry_run_counts_the_same_and_changes_nothing(bot, clock):
    people(bot)
    before = dump(bot)
    counts = run_purge(bot, days=200, dry_run=True)
    assert counts["closed_cases_bare"] == 1 and counts["conversations"] == 5
    assert dump(bot) == before
    assert run_purge(bot, days=200) == counts


def test_a_closed_case_of_a_citizen_still_talking_goes_and_the_citizen_stays(bot, clock):
    chat = Chat(bot, user="returning")
    case = hand_off(chat, "fi")
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    act(bot, staff.close, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))  # closed, never contacted
    clock.advance(days=190)
    chat.say("hei taas")
    assert run_purge(bot, days=0) == {**ZERO, "closed_cases_deleted": 1, "outbox_rows": 0}
    with bot.sessions() as session:
        assert session.get(Handoff, case) is None and session.scalar(select(Need)) is None
        assert session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.handoff_id == case)) == 0
    assert citizen(bot, "returning") is not None


def test_the_daily_job_runs_once_a_day(bot, clock):
    people(bot)
    job = RetentionJob(bot)
    clock.advance(days=40)
    first = job.run_once()
    assert first is not None and first["conversations"] == 3  # talked, declined, active (silent since)
    assert job.run_once() is None, "already purged today"
    clock.advance(hours=23)
    assert job.run_once() is None
    clock.advance(hours=1)
    assert job.run_once() == ZERO
    with bot.sessions() as session:
        assert [event.actor for event in session.scalars(select(AuditEvent).where(AuditEvent.action == PURGED))] == [
            "system", "system"]


def test_the_command_prints_a_line_per_kind_and_a_dry_run_removes_nothing(bot, clock, db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    monkeypatch.setenv("APP_ENV", "dev")
    clock.at = clock.at.replace(year=2000)  # long ago: the command purges with the real clock
    Chat(bot, user="long-ago").start("fi")
    before = dump(bot)
    assert cli.main(["purge", "--dry-run", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "nothing was removed" in out and "conversations without a case: 1" in out
    assert dump(bot) == before
    assert cli.main(["purge", "--db", db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{label}: {1 if kind == 'conversations' else 0}" for kind, label in KINDS.items()]
    assert citizen(bot, "long-ago") is None
    assert cli.main(["purge", "--db", db_url]) == 0
    assert "conversations without a case: 0" in capsys.readouterr().out


def test_a_citizen_whose_new_message_waits_for_its_turn_is_not_purged(bot, clock):
    from bot.db.models import InboundUpdate

    Chat(bot, user="7305550000", channel="telegram").start("fi")
    clock.advance(days=40)
    with bot.sessions.begin() as session:  # they write again; the inbox has stored the update, its turn not yet run
        session.add(InboundUpdate(source="telegram:4242", update_id=1, chat="7305550000", payload="{}",
                                  received_at=clock()))
    assert run_purge(bot, days=0)["conversations"] == 0
    assert citizen(bot, "7305550000") is not None
    with bot.sessions.begin() as session:
        session.execute(InboundUpdate.__table__.delete())
    assert run_purge(bot, days=0)["conversations"] == 1


def test_used_or_expired_link_codes_and_old_login_failures_go_after_a_day(bot, clock):
    from bot.db.models import Coordinator, LoginFailure, StaffLinkCode

    with bot.sessions.begin() as session:
        person = session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari"))
        session.add_all([
            StaffLinkCode(coordinator_id=person.id, code_hash="a" * 64, created_at=clock(),
                          expires_at=clock() + timedelta(hours=24), created_by="admin"),
            StaffLinkCode(coordinator_id=person.id, code_hash="b" * 64, created_at=clock(),
                          expires_at=clock() + timedelta(hours=24), used_at=clock(), created_by="admin"),
            LoginFailure(at=clock(), address_hash="c" * 64),
        ])
    assert run_purge(bot, days=0.5)["link_codes"] == 0
    counts = run_purge(bot, days=1.5)
    assert (counts["link_codes"], counts["login_failures"]) == (1, 1)  # the used one; the live one expires later
    counts = run_purge(bot, days=2.5)
    assert counts["link_codes"] == 1
    with bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffLinkCode)) == 0
