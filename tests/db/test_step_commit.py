"""Which transactions may commit without waiting for the disk: plain dialogue steps only.

A consent, a recorded need, a handoff, a crisis alarm and a deletion always wait for their commit to be durable:
on PostgreSQL the others commit with synchronous_commit off; on SQLite (WAL, synchronous NORMAL) the log is synced
right after these commits, seen here by a spy on os.fsync that passes every call on.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import delete, event, text

from bot.db.models import AuditEvent, Citizen, Conversation, MessageLog
from bot.db.session import commit_without_waiting_for_disk, make_sessionmaker
from bot.demo import seed
from bot.services import build
from tests.auxil.chat import Chat
from tests.conftest import make_settings
from tests.dialogue.test_conversations import reach_consent_fi

RELAXED = "SET LOCAL synchronous_commit TO off"  # PostgreSQL
SYNCED = "fsync -wal"  # SQLite: the log synced after the commit


def traced(services, monkeypatch) -> list[str]:
    """Every statement run from now on, and on SQLite every fsync of the database's log."""
    statements: list[str] = []
    event.listen(services.db, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    fsync = os.fsync

    def spy(descriptor: int) -> None:
        if os.readlink(f"/proc/self/fd/{descriptor}").endswith(".db-wal"):
            statements.append(SYNCED)
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", spy)
    return statements


def turns_that_waited(chat, services, monkeypatch) -> list[tuple[str, bool]]:
    """Wrap the chat's runner: (input, whether its commit waited for the disk) for every turn from now on."""
    statements, turns = traced(services, monkeypatch), []
    handle = chat.runner.handle

    def noted(**kwargs):
        statements.clear()
        result = handle(**kwargs)
        waited = SYNCED in statements if services.db.dialect.name == "sqlite" else RELAXED not in statements
        turns.append((kwargs.get("text") or kwargs.get("payload") or "/start", waited))
        return result

    chat.runner.handle = noted
    return turns


def test_only_plain_dialogue_steps_commit_without_waiting(chat, services, monkeypatch):
    turns = turns_that_waited(chat, services, monkeypatch)
    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    chat.say("en jaksa enää elää, haluan kuolla")
    chat.say("/delete")
    chat.press("Kyllä, poista")
    assert "Kaikki sinusta tallennettu on nyt poistettu" in chat.text
    # the summary confirmed (the need recorded), the consent with its handoff, the crisis alarm, the deletion
    assert [what for what, waited in turns if waited] == ["m8:yes", "m9:yes", "en jaksa enää elää, haluan kuolla",
                                                          "m11:yes"]
    assert len(turns) == 13  # every other step, the first message (kept as the description) and the phone number


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_durable_steps_setting_keeps_every_commit_waiting(db_url, embedded_classifier, monkeypatch):
    built = build(make_settings(db_url, DURABLE_STEPS="true"), classifier=embedded_classifier)
    try:
        with make_sessionmaker(built.db).begin() as session:
            seed(session)
        chat = Chat(built, user="citizen-2")
        turns = turns_that_waited(chat, built, monkeypatch)
        reach_consent_fi(chat)
        assert turns and all(waited for _, waited in turns)
    finally:
        built.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_syncs_after_any_transaction_that_records_more_than_a_step(services, monkeypatch):
    """The staff desk's and the outbox's transactions too, not only the turns."""
    statements = traced(services, monkeypatch)
    with services.sessions.begin() as session:
        citizen(session)
    assert SYNCED not in statements
    with services.sessions.begin() as session:
        session.add(AuditEvent(actor="coordinator:1", action="case_claimed"))
    assert statements.count(SYNCED) == 1
    with services.db.connect() as connection:  # two commits before the connection goes back to the pool
        with connection.begin():
            connection.execute(AuditEvent.__table__.insert(), {"actor": "system", "action": "x", "details": {}})
        with connection.begin():
            connection.execute(Citizen.__table__.update().values(language="sv"))
    assert statements.count(SYNCED) == 2, "the plain second commit did not cancel the first one's sync"


ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # synchronous_commit is PostgreSQL's


@pytest.fixture
def pg_sessions(db_url, services):
    """Sessions whose connections wait for the disk, as on a production server (the test server's do not)."""

    def durable(dbapi_connection, _record) -> None:
        dbapi_connection.execute("SET synchronous_commit TO on")
        dbapi_connection.commit()

    services.db.dispose()
    event.listen(services.db, "connect", durable)
    return services.sessions


def citizen(session) -> Citizen:
    row = Citizen(channel="t", external_id="9", language="fi")
    session.add(row)
    session.flush()
    return row


def synchronous_commit(session) -> str:
    return session.connection().exec_driver_sql("SHOW synchronous_commit").scalar()


@ON_POSTGRESQL
def test_a_dialogue_write_is_relaxed_within_its_transaction_only(pg_sessions):
    with pg_sessions.begin() as session:
        person = citizen(session)
        session.add(Conversation(citizen_id=person.id, flow="main", step="menu", slots={}, menu_id=0))
        session.add(MessageLog(citizen_id=person.id, direction="in", sender="citizen", text="hei"))
        assert commit_without_waiting_for_disk(session)
        assert synchronous_commit(session) == "off"
    with pg_sessions.begin() as session:  # SET LOCAL: the pooled connection is back to waiting
        assert synchronous_commit(session) == "on"


@ON_POSTGRESQL
@pytest.mark.parametrize("write", ["audit", "delete", "raw sql"])
def test_anything_else_written_keeps_the_commit_waiting(pg_sessions, write):
    with pg_sessions.begin() as session:
        person = citizen(session)
        if write == "audit":
            session.add(AuditEvent(actor="system", action="x", citizen_id=person.id))
        elif write == "delete":
            session.execute(delete(MessageLog).where(MessageLog.citizen_id == person.id))
        else:
            session.execute(text("UPDATE citizen SET language = 'sv'"))
        assert not commit_without_waiting_for_disk(session)
        assert synchronous_commit(session) == "on"


@ON_POSTGRESQL
def test_a_new_transaction_starts_with_nothing_noted(pg_sessions):
    with pg_sessions.begin() as session:
        session.add(AuditEvent(actor="system", action="x"))
    with pg_sessions.begin() as session:  # same pooled connection, earlier writes forgotten
        citizen(session)
        assert commit_without_waiting_for_disk(session)
