"""The inbound store (bot/channels/telegram_inbox.py): updates stored before they are confirmed, encrypted, once;
handled rows go with their update id noted; per-chat locks and job locks across processes on PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from bot import crypto
from bot.channels.telegram_inbox import Bucket, ChatGate, InboundStore, job_lock
from bot.db.models import InboundUpdate, ProcessedUpdate
from bot.db.session import make_engine, make_sessionmaker
from bot.db.types import utcnow
from tests.conftest import TEST_KEY


@pytest.fixture
def store(db_url: str):
    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    engine = make_engine(db_url)
    yield InboundStore(make_sessionmaker(engine), db_url, utcnow)
    engine.dispose()


def payload(update_id: int, words: str) -> str:
    return json.dumps({"update_id": update_id, "message": {"text": words}})


def test_an_update_is_stored_once_encrypted_and_in_arrival_order(store, db_url):
    assert store.store(source="telegram:1", update_id=10, chat="42", payload=payload(10, "Äiti kaatui"),
                       crisis_answered=False)
    assert not store.store(source="telegram:1", update_id=10, chat="42", payload=payload(10, "Äiti kaatui"),
                           crisis_answered=False), "a redelivery of a waiting update is not stored twice"
    assert store.store(source="telegram:2", update_id=10, chat="42", payload=payload(10, "toinen botti"),
                       crisis_answered=True), "another bot's update 10 is another update"
    store.store(source="telegram:1", update_id=11, chat="7", payload=payload(11, "muu"), crisis_answered=False)
    waiting = store.waiting("42")
    assert [(row.update_id, row.crisis_answered) for row in waiting] == [(10, False), (10, True)]
    assert sorted(store.chats()) == ["42", "7"]
    with store.sessions() as session:
        raw = session.execute(text("SELECT payload FROM inbound_update")).scalars().all()
    assert raw and not any("Äiti" in value or "update_id" in value for value in raw), "encrypted at rest"
    assert json.loads(store.payloads([waiting[0].id])[waiting[0].id][1])["message"]["text"] == "Äiti kaatui"


def test_finishing_deletes_the_rows_and_notes_the_ids_with_what_the_record_writes(store):
    store.store(source="telegram:1", update_id=5, chat="42", payload=payload(5, "a"), crisis_answered=False)
    store.store(source="telegram:1", update_id=6, chat="42", payload=payload(6, "b"), crisis_answered=False)
    rows = [(row.id, "telegram:1", row.update_id) for row in store.waiting("42")]
    with store.sessions.begin() as session:  # the turn noted 5 itself already
        session.add(ProcessedUpdate(channel="telegram:1", update_id=5, processed_at=utcnow()))
    recorded = []
    store.finish(rows, record=lambda session: recorded.append(session.scalar(select(func.count())
                                                                             .select_from(InboundUpdate))))
    assert recorded == [0], "the record runs in the same transaction, after the delete"
    assert store.waiting("42") == [] and store.count() == 0
    with store.sessions() as session:
        assert sorted(session.scalars(select(ProcessedUpdate.update_id))) == [5, 6]


@pytest.mark.postgres
def test_a_chat_is_held_by_one_process_at_a_time_and_freed_when_it_dies(pg_migrated):
    first, second = make_engine(pg_migrated), make_engine(pg_migrated)
    one, other = ChatGate(first), ChatGate(second)
    try:
        assert one.take("42") and not other.take("42"), "the other instance waits for the chat"
        assert other.take("43"), "other chats go on"
        one.give_back("42")
        assert other.take("42")
        other.close()  # the process dies: the server releases its locks with the connection
        assert one.take("42") and one.take("43")
    finally:
        one.close()
        other.close()
        first.dispose()
        second.dispose()


@pytest.mark.postgres
def test_a_periodic_job_runs_in_one_instance_at_a_time(pg_migrated):
    engine = make_engine(pg_migrated)
    sessions = make_sessionmaker(engine)
    try:
        with sessions.begin() as first, sessions.begin() as second:
            assert job_lock(first, "escalate") and not job_lock(second, "escalate")
            assert job_lock(second, "forget"), "another job is another lock"
        with sessions.begin() as third:
            assert job_lock(third, "escalate"), "released at commit"
    finally:
        engine.dispose()


def test_sqlite_needs_no_lock(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        gate = ChatGate(engine)
        assert gate.take("1") and gate.take("1")
        with make_sessionmaker(engine).begin() as session:
            assert job_lock(session, "escalate")
    finally:
        engine.dispose()


def test_a_chats_bucket_allows_a_burst_then_a_steady_rate(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("bot.channels.telegram_inbox.time.monotonic", lambda: now[0])
    bucket = Bucket(burst=3, rate=1.0, tokens=3, at=now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.wait() == pytest.approx(1.0)
    now[0] += 0.5
    assert not bucket.take() and bucket.wait() == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.take() and not bucket.full()
    now[0] += 10
    assert bucket.full()


# What a turn's transaction does to its row (bot/db/inbound.py) ---------------------------------------------------

def test_a_turn_keeps_its_replies_in_its_row_encrypted_until_they_are_sent(store):
    from bot.db.inbound import REPLYING, decode_replies, drop_chat, settle
    from bot.dialogue.models import Button, Reply

    for update_id in (20, 21, 22):
        store.store(source="telegram:1", update_id=update_id, chat="42", payload=payload(update_id, "Äiti kaatui"),
                    crisis_answered=False)
    replies = [Reply(text="Kerro omin sanoin, Äiti?"), Reply(text="Kenelle?", buttons=(Button("Itselleni", "m1:a"),))]
    with store.sessions.begin() as session:
        assert settle(session, ("telegram:1", 20), replies, crisis=True)
        assert settle(session, ("telegram:1", 21), [], crisis=False), "nothing to send: the row goes at once"
        assert not settle(session, ("telegram:1", 99), replies, crisis=False), "a row not there (erased): False"
    waiting = store.waiting("42")
    assert [(row.update_id, row.state) for row in waiting] == [(20, REPLYING), (22, "received")]
    with store.sessions() as session:
        raw = session.execute(text("SELECT payload FROM inbound_update WHERE update_id = 20")).scalar_one()
    assert "Kerro" not in raw and "Äiti" not in raw, "the replies are encrypted like the update"
    assert decode_replies(store.kept("telegram:1", 20)) == (replies, True)
    assert store.kept("telegram:1", 22) is None, "not replying: nothing kept"
    with store.sessions.begin() as session:
        assert not settle(session, ("telegram:1", 20), replies, crisis=False), "settled once only"
        assert drop_chat(session, "42", keep=("telegram:1", 22)) == 1, "an erasure: all of the chat but the running"
    assert [row.update_id for row in store.waiting("42")] == [22]


def test_a_store_transaction_deletes_what_was_handled_before_it_stores_a_redelivery(store):
    from bot.db.inbound import Done

    store.store(source="telegram:1", update_id=30, chat="42", payload=payload(30, "a"), crisis_answered=False)
    [row] = store.waiting("42")
    again = {"source": "telegram:1", "update_id": 30, "chat": "42", "payload": payload(30, "a"), "crisis_answered": False}
    assert store.store_many([again]) == [None], "still stored: a redelivery is not stored twice"
    [stored] = store.store_many([again], done=[Done(row.id, "telegram:1", 30, noted=True)])
    assert stored is not None, "handled and deleted in the same transaction first: stored anew (a duplicate turn)"
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0, "the turn had noted it"
