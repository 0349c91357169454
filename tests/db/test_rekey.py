"""`lahitori rekey` (bot/db/rekey.py): everything stored under key A is re-encrypted under key B, after which A
can leave DATA_KEY; in batches that each commit, so a stop or a crash leaves every row readable and a rerun
finishes; a value the bot changes meanwhile is never overwritten; a value no key opens is named in one line."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, inspect, select, text

from bot import crypto
from bot.config import ConfigError
from bot.db.models import Base, CaseNote, Citizen, Conversation, Handoff, InboundUpdate, MessageLog, Need, Outbox
from bot.db.rekey import Rekey, encrypted_columns
from bot.db.session import make_engine, make_sessionmaker, writer_lock
from bot.db.types import EncryptedJSON, EncryptedText
from tests.conftest import TEST_KEY
from tests.dialogue.test_conversations import reach_consent_fi

KEY_A = TEST_KEY  # what the services fixture writes with
KEY_B = crypto.new_key()


def cipher(*keys: str) -> crypto.Cipher:
    return crypto.Cipher([key.encode() for key in keys])


def readable(sessions) -> dict[tuple[str, tuple, str], object]:  # noqa: ANN001
    """Every encrypted attribute of every stored object, read through the ORM."""
    values = {}
    with sessions() as session:
        for mapper in Base.registry.mappers:
            names = [prop.key for prop in mapper.column_attrs
                     if any(isinstance(c.type, (EncryptedText, EncryptedJSON)) for c in prop.columns)]
            if not names:
                continue
            for obj in session.scalars(select(mapper.class_)):
                ident = inspect(obj).identity
                for name in names:
                    values[(mapper.local_table.name, ident, name)] = getattr(obj, name)
    return values


def raw_tokens(engine) -> list[tuple[str, str]]:  # noqa: ANN001
    found = []
    with engine.connect() as connection:
        for table, columns in encrypted_columns():
            for col in columns:
                found += [(f"{table.name}.{col.name}", token) for token in connection.execute(
                    text(f"SELECT {col.name} FROM {table.name} WHERE {col.name} IS NOT NULL")).scalars()]
    return found


def add_messages(sessions, count: int, words: str = "isä kaatui") -> None:  # noqa: ANN001
    with sessions.begin() as session:
        citizen = Citizen(channel="t", external_id=f"c{count}", language="fi")
        session.add(citizen)
        session.flush()
        session.add_all(MessageLog(citizen_id=citizen.id, direction="in", sender="citizen", text=f"{words} {i}")
                        for i in range(count))


@pytest.fixture
def sessions(db_url: str):
    crypto.install(cipher(KEY_A))
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_after_rekey_the_old_key_can_leave_data_key(chat, services):
    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    chat.press("Ei muuta, kiitos")
    chat.press("5")
    chat.say("Tosi selkeä, kiitos!")
    with services.sessions.begin() as session:  # what the dialogue above writes no value into
        citizen = session.scalar(select(Citizen))
        session.add(Need(citizen_id=citizen.id, topic="transport_service", language="fi", description="toinen",
                         contact_time="aamupäivisin"))
        session.add(InboundUpdate(source="telegram:1", update_id=1, chat="1", payload='{"text": "hei"}'))
        session.add(Outbox(channel="telegram", recipient="1", kind="relay_in", payload={"text": "isä kaatui"},
                           dedupe_key="relay_in:1"))
        handoff = session.scalar(select(Handoff))
        handoff.outcome, handoff.outcome_note = "referred", "Omaishoidon tuki"
        session.add(CaseNote(handoff_id=handoff.id, author="coordinator:1", text="soitettu, ei vastannut"))
    engine = services.db
    with engine.connect() as connection:
        for table, columns in encrypted_columns():
            for col in columns:
                assert connection.scalar(text(f"SELECT count(*) FROM {table.name} WHERE {col.name} IS NOT NULL")), \
                    f"{table.name}.{col.name} holds a value for this test"
    before = readable(services.sessions)
    assert ("feedback", (1,), "comment") in before and len(before) > 20

    crypto.install(cipher(KEY_B, KEY_A))  # step 1: the new key first, the old one after it
    reports = Rekey(engine, crypto.active(), batch_size=3).run()
    by_table = {report.table: report for report in reports}
    assert by_table["message_log"].rekeyed == by_table["message_log"].rows > 3
    assert by_table["need"].rekeyed == 2 and by_table["inbound_update"].rekeyed == 1

    crypto.install(cipher(KEY_B))  # step 3: the old key removed
    assert all(cipher(KEY_B).is_current(token) for _where, token in raw_tokens(engine))
    assert readable(services.sessions) == before
    chat.say("/mydata")
    assert "mun isä ei enää pääse bussilla kauppaan" in chat.text and "aamupäivisin" in chat.text
    again = Rekey(engine, crypto.active()).run()
    assert sum(report.rekeyed for report in again) == 0, "a second run finds nothing to do"


def test_a_stopped_rekey_leaves_everything_readable_and_a_rerun_finishes(sessions):
    add_messages(sessions, 7)
    engine = sessions.kw["bind"]
    crypto.install(cipher(KEY_B, KEY_A))
    first = Rekey(engine, crypto.active(), batch_size=2, limit=2)
    assert [(r.table, r.rows, r.rekeyed) for r in first.run() if r.rows] == [("message_log", 2, 2)]
    assert first.stopped
    assert sorted(cipher(KEY_B).is_current(token) for _where, token in raw_tokens(engine)) == [False] * 5 + [True] * 2
    assert sorted(readable(sessions).values()) == [f"isä kaatui {i}" for i in range(7)]

    rest = Rekey(engine, crypto.active(), batch_size=2).run()
    assert [(r.table, r.rows, r.rekeyed) for r in rest if r.rows] == [("message_log", 7, 5)]
    crypto.install(cipher(KEY_B))
    assert sorted(readable(sessions).values()) == [f"isä kaatui {i}" for i in range(7)]


def test_a_crash_inside_a_batch_writes_none_of_it(sessions):
    add_messages(sessions, 5)
    engine = sessions.kw["bind"]
    updates = []

    def crash_on_the_second_write(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.startswith("UPDATE"):
            updates.append(statement)
            if len(updates) == 2:
                raise RuntimeError("power cut")

    event.listen(engine, "before_cursor_execute", crash_on_the_second_write)
    crypto.install(cipher(KEY_B, KEY_A))
    with pytest.raises(RuntimeError, match="power cut"):
        Rekey(engine, crypto.active(), batch_size=2).run()
    event.remove(engine, "before_cursor_execute", crash_on_the_second_write)
    assert sorted(cipher(KEY_B).is_current(token) for _where, token in raw_tokens(engine)) == [False] * 3 + [True] * 2
    assert sorted(readable(sessions).values()) == [f"isä kaatui {i}" for i in range(5)]

    reports = Rekey(engine, crypto.active(), batch_size=2).run()
    assert [(r.rows, r.rekeyed) for r in reports if r.table == "message_log"] == [(5, 3)]


def test_a_value_the_bot_changes_meanwhile_is_not_overwritten(sessions, monkeypatch):
    add_messages(sessions, 3)
    engine = sessions.kw["bind"]
    crypto.install(cipher(KEY_A, KEY_B))  # a process that still writes with the old key first
    original_read, changed = Rekey._read, []

    def read_then_the_bot_writes(self, *args):  # noqa: ANN001, ANN202
        rows = original_read(self, *args)
        if rows and not changed:
            with sessions.begin() as session:
                session.get(MessageLog, rows[0][0]).text = "korjattu"
            changed.append(rows[0][0])
        return rows

    monkeypatch.setattr(Rekey, "_read", read_then_the_bot_writes)
    reports = Rekey(engine, cipher(KEY_B, KEY_A)).run()
    assert [(r.rows, r.rekeyed, r.changed_meanwhile) for r in reports if r.table == "message_log"] == [(3, 3, 0)]
    crypto.install(cipher(KEY_B))
    with sessions() as session:
        assert session.get(MessageLog, changed[0]).text == "korjattu", "the bot's newer value stays (re-encrypted)"


def test_rekey_runs_while_the_bot_writes(sessions, db_url):
    add_messages(sessions, 600)
    with sessions.begin() as session:
        citizen = session.scalar(select(Citizen))
        session.add(Conversation(citizen_id=citizen.id, flow="main", step="menu", slots={"n": 0}))
    engine = sessions.kw["bind"]
    crypto.install(cipher(KEY_B, KEY_A))
    errors: list[BaseException] = []
    done = threading.Event()

    def bot() -> None:
        n, lock = 0, writer_lock(db_url)  # as a turn does
        try:
            while not done.is_set() or n < 20:
                n += 1
                with lock, sessions.begin() as session:
                    conversation = session.scalar(select(Conversation))
                    conversation.slots = {"n": n}
                    session.add(MessageLog(citizen_id=conversation.citizen_id, direction="in", sender="citizen",
                                           text=f"uusi {n}"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=bot)
    thread.start()
    try:
        Rekey(engine, crypto.active(), batch_size=50, lock=writer_lock(db_url)).run()
    finally:
        done.set()
        thread.join(60)
    assert not errors
    crypto.install(cipher(KEY_B))
    values = readable(sessions)
    assert sum(1 for (table, _i, _n) in values if table == "message_log") >= 620
    with sessions() as session:
        assert session.scalar(select(Conversation)).slots["n"] >= 20


def test_a_composite_key_and_a_new_encrypted_column_are_covered(sessions):
    metadata = MetaData()
    notes = Table("rekey_test_note", metadata, Column("chat", String(8), primary_key=True),
                  Column("n", Integer, primary_key=True), Column("body", EncryptedText), Column("extra", EncryptedJSON))
    engine = sessions.kw["bind"]
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            connection.execute(notes.insert(), [{"chat": chat, "n": n, "body": f"{chat}{n}",
                                                 "extra": {"n": n} if n % 2 else None}
                                                for chat in ("a", "b") for n in range(3)])
        crypto.install(cipher(KEY_B, KEY_A))
        reports = Rekey(engine, crypto.active(), batch_size=4).run(encrypted_columns(metadata))
        assert [(r.table, r.columns, r.rows, r.rekeyed) for r in reports] == [
            ("rekey_test_note", ["body", "extra"], 6, 6)]
        crypto.install(cipher(KEY_B))
        with engine.connect() as connection:
            rows = connection.execute(select(notes).order_by(notes.c.chat, notes.c.n)).all()
        assert [(row.body, row.extra) for row in rows] == [
            (f"{chat}{n}", {"n": n} if n % 2 else None) for chat in ("a", "b") for n in range(3)]
    finally:
        metadata.drop_all(engine)


def test_a_value_no_key_opens_is_named_in_one_line(sessions, db_url):
    add_messages(sessions, 2)
    crypto.install(cipher(KEY_B))
    with pytest.raises(ConfigError, match=r"DATA_KEY: stored data was encrypted with another key \(message_log.text;"):
        readable(sessions)
    with pytest.raises(ConfigError, match=r"^configuration error: DATA_KEY: message_log.text of row 1 opens with no"):
        Rekey(sessions.kw["bind"], cipher(KEY_B)).run()
    env = {"PATH": "/usr/bin:/bin", "DATA_KEY": KEY_B}
    result = subprocess.run([sys.executable, "-m", "bot", "rekey", "--db", db_url], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "lahitori: configuration error: DATA_KEY: message_log.text of row 1 opens with no key in DATA_KEY (add the "
        "key it was written with after the new one, comma-separated)"]


def test_the_command_prints_each_table_and_a_rerun_goes_on(sessions, db_url):
    add_messages(sessions, 5)
    env = {"PATH": "/usr/bin:/bin", "DATA_KEY": f"{KEY_B},{KEY_A}"}
    run = [sys.executable, "-m", "bot", "rekey", "--db", db_url, "--batch-size", "2"]
    stopped = subprocess.run([*run, "--limit", "2"], capture_output=True, text=True, env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert "message_log (text): 2 of 2 rows re-encrypted" in stopped.stdout
    assert "stopped after 2 rows (--limit)" in stopped.stdout
    finished = subprocess.run(run, capture_output=True, text=True, env=env)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert "message_log (text): 3 of 5 rows re-encrypted" in lines
    assert "conversation (flow, step, slots): 0 of 0 rows re-encrypted" in lines
    assert lines[-1].startswith("done: 3 rows re-encrypted")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_batch_gives_way_to_a_row_the_bot_holds_and_runs_again(sessions, monkeypatch):
    """The rekey waits at most LOCK_TIMEOUT for a row's lock (less than PostgreSQL's deadlock_timeout, so in a
    deadlock it is the rekey that gives way, never a turn), then runs the batch again."""
    import bot.db.rekey

    pauses: list[float] = []
    monkeypatch.setattr(bot.db.rekey, "time", type("Clock", (), {"sleep": staticmethod(pauses.append)}))
    add_messages(sessions, 4)
    engine = sessions.kw["bind"]
    crypto.install(cipher(KEY_B, KEY_A))
    held, finished = threading.Event(), []

    def turn() -> None:
        with sessions.begin() as session:
            session.execute(text("SELECT id FROM message_log WHERE id = 2 FOR UPDATE"))
            held.set()
            threading.Event().wait(1.5)
            finished.append(True)

    thread = threading.Thread(target=turn)
    thread.start()
    held.wait(10)
    reports = Rekey(engine, crypto.active()).run()
    thread.join(10)
    assert finished == [True], "the bot's transaction committed"
    assert [(r.rows, r.rekeyed) for r in reports if r.table == "message_log"] == [(4, 4)]
    assert pauses, "it gave way (after 500 ms each time) until the row was free"
