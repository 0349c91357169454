"""Erasure that erases: after a whole case and /delete, a scan of every table and column (encrypted ones decrypted)
finds nothing about the citizen; a contacted case stays as a bare record and the citizen is told so in their
language; SQLite's write-ahead log is truncated. Both databases."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, select

from bot.channels.telegram_inbox import InboundStore
from bot.db.models import (
    AuditEvent,
    Base,
    Citizen,
    Consent,
    Coordinator,
    Feedback,
    Handoff,
    InboundUpdate,
    MessageLog,
    Need,
    Outbox,
    StaffMessage,
    Unit,
)
from bot.db.session import make_sessionmaker
from bot.dialogue import crisis
from bot.handoff import consent as consent_rules
from bot.handoff import staff
from bot.handoff.audit import record
from bot.handoff.erasure import SAFE_DETAILS, erase_citizen
from bot.handoff.outbox import Dispatcher, remember_staff_messages
from bot.handoff.service import create_handoff
from tests.auxil.chat import Chat
from tests.conftest import make_settings
from tests.handoff.test_relay import HOLDER, STAFF_CHATS, WAY, act, coordinator, hand_off, newest_case, press_key

TELEGRAM_ID = "7305551234"  # the citizen's Telegram user id: their private chat's id too
SOURCE = "telegram:4242"  # whose update ids the stored updates are
UNIT_GROUP = "-100777"  # Porvoo's staff group chat: crisis alerts go there while it is open
CONFIG = {"unit", "coordinator", "absence", "flow_version", "staff_link_code"}  # the service, not people
STATISTICS = {"stat_count"}  # day, metric, topic, language, count: topics by design, nobody's


@pytest.fixture
def embedded_classifier(keyword_classifier):
    return keyword_classifier


def with_staff(services, clock, *, unit_group: str | None = UNIT_GROUP):
    """The services on the test clock, the coordinators linked to their Telegram chats and, unless None, Porvoo's
    staff group approved."""
    services.clock = clock
    with services.sessions.begin() as session:
        for first, chat_id in STAFF_CHATS.items():
            session.scalar(select(Coordinator).where(Coordinator.first_name == first)).telegram_chat_id = chat_id
        if unit_group is not None:
            session.scalar(select(Unit).where(Unit.code == "porvoo")).staff_chat_id = unit_group
    return services


@pytest.fixture
def bot(services, clock):
    return with_staff(services, clock)


# The scan ------------------------------------------------------------------------------------------------------

def _text(value: object) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def scan(services, *, citizen_id: int, words: list[str], topics: list[str]) -> dict[str, set[str]]:
    """Every table and column of the schema, read through the models' types (encrypted columns decrypted):
    table -> what of the citizen it still holds (their id, their Telegram id, their words, their topic, their crisis
    category). Topics are looked for outside the service's configuration and the statistics."""
    found: dict[str, set[str]] = {}
    actor = re.compile(rf"citizen:{citizen_id}\b")
    with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    hits = found.setdefault(table.name, set())
                    if column == "citizen_id" and value == citizen_id:
                        hits.add(f"{column}={citizen_id}")
                    text = _text(value)
                    if actor.search(text):
                        hits.add(f"actor {column}")
                    hits.update(f"{column}: {needle}" for needle in [TELEGRAM_ID, *words] if needle in text)
                    if table.name not in CONFIG | STATISTICS:
                        hits.update(f"{column}: {topic}" for topic in topics if topic in text)
    return {table: hits for table, hits in found.items() if hits}


def dispatch_all(services) -> None:
    """Deliver what is queued, as the outbox job would (the payloads go at sending)."""
    asyncio.run(Dispatcher(services.sessions, send=lambda row: None, clock=services.clock).run_once())


def store_update(services, update_id: int, text: str) -> None:
    """An update of the citizen's chat stored by the inbox (its payload holds their words)."""
    payload = json.dumps({"update_id": update_id, "message": {"chat": {"id": int(TELEGRAM_ID)}, "text": text}},
                         ensure_ascii=False)
    with services.sessions.begin() as session:
        session.add(InboundUpdate(source=SOURCE, update_id=update_id, chat=TELEGRAM_ID, payload=payload,
                                  received_at=services.clock()))


def other_citizen(services) -> int:
    """Someone else, with a case, a transcript and feedback of their own: the erasure must leave them whole."""
    at = services.clock()
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id="7305559999", language="sv", created_at=at, last_seen_at=at)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic="home_support", description="Mamma klarar sig inte hemma",
                    language="sv", created_at=at)
        session.add(need)
        session.flush()
        anna = session.scalar(select(Coordinator).where(Coordinator.first_name == "Anna"))
        consent = consent_rules.record_decision(session, citizen_id=citizen.id, need_id=need.id, text="samtycke",
                                                decision="given", lang="sv", unit_id=anna.unit_id,
                                                coordinator_id=anna.id, pair_id=anna.pair_id, now=at)
        handoff, _ = create_handoff(session, need=need, consent=consent, now=at)
        session.add(MessageLog(citizen_id=citizen.id, direction="in", sender="citizen", text="Hej", created_at=at))
        session.add(Feedback(citizen_id=citizen.id, handoff_id=handoff.id, score=5, topic="home_support",
                             comment="Bra", created_at=at))
        return citizen.id


def rows_of(services, citizen_id: int) -> dict[str, int]:
    with services.sessions() as session:
        return {model.__tablename__: len(list(session.scalars(select(model).where(model.citizen_id == citizen_id))))
                for model in (Need, Consent, Handoff, MessageLog, Feedback, AuditEvent)}


# The whole case, then /delete ------------------------------------------------------------------------------------

WORDS = {  # what the citizen (and their coordinator, to them) wrote: none of it may stay
    "need": "mun isä ei enää pääse bussilla kauppaan", "describe": "Isä on 84-vuotias",
    "relay": "Sopiiko että kirjoitan huomenna lisää isän tilanteesta?",
    "reply": "Hei, tässä Sari. Voinko soittaa huomenna kello kymmenen?",
    "addition": "Isällä on rollaattori ja kolmas kerros ilman hissiä.", "crisis": "en jaksa enää elää, haluan kuolla",
    "comment": "Sari vastasi nopeasti ja selkeästi", "phone": "401234567", "waiting": "Unohdin vielä kertoa jotain",
}


def whole_case(bot) -> tuple[Chat, int, int]:
    """A citizen's full way: a chat case claimed, words both ways, an addition, a crisis alarm, contacted, closed
    and rated; then a second case by phone, still waiting; then /mydata. (the citizen's chat, case 1, case 2)"""
    sari = coordinator(bot, "Sari")
    chat = Chat(bot, user=TELEGRAM_ID, channel="telegram")
    first = hand_off(chat, "fi")
    act(bot, staff.claim, handoff_id=first, coordinator_id=sari)
    chat.say(WORDS["relay"])
    act(bot, staff.reply, handoff_id=first, coordinator_id=sari, text=WORDS["reply"])
    chat.say("/mycase")
    press_key(chat, "add")
    chat.say(WORDS["addition"])
    assert "case_addition" in chat.last.events
    chat.say(WORDS["crisis"])
    assert "112" in chat.text
    act(bot, staff.mark_contacted, handoff_id=first, coordinator_id=sari)
    act(bot, staff.close, handoff_id=first, coordinator_id=sari)
    chat.press_payload(f"fb:{first}:4")
    chat.say(WORDS["comment"])
    assert "feedback" in chat.last.events
    dispatch_all(bot)  # the crisis alert, the cards and the words went out: sent rows keep no payload
    with bot.sessions.begin() as session:
        remember_staff_messages(session, handoff_id=first, chat_id=STAFF_CHATS["Sari"], message_ids=[501, 502],
                                now=bot.clock())
    second = hand_off(chat, "fi", contact="phone")  # waiting: its card to Sari is still queued, with the phone
    assert second != first
    chat.say("/mydata")
    press_key(chat, "continue")
    return chat, first, second


def delete_everything(chat: Chat, *, update_id: int) -> None:
    """/delete and "yes", the "yes" as a stored Telegram update whose turn is running."""
    chat.say("/delete")
    assert "Poistanko kaiken" in chat.text
    [yes] = [button.payload for button in chat.buttons if button.payload.endswith(":yes")]
    chat._keep(chat.runner.handle(channel=chat.channel, external_id=chat.user, payload=yes, update_id=update_id,
                                  update_from=SOURCE))
    assert "deleted" in chat.last.events


def test_after_delete_a_scan_of_every_table_finds_nothing_about_the_citizen(bot):
    chat, first, second = whole_case(bot)
    other = other_citizen(bot)
    other_rows = rows_of(bot, other)
    with bot.sessions.begin() as session:  # they once typed a staff command: the staff desk audits their chat id
        record(session, actor=f"chat:{TELEGRAM_ID}", action="staff_command_refused", at=bot.clock(),
               details={"command": "cases"})
    store_update(bot, 9001, "kyllä")  # the "yes" below: its turn is running
    store_update(bot, 9002, WORDS["waiting"])  # written after it, not yet run
    with bot.sessions() as session:
        citizen_id = session.scalar(select(Citizen.id).where(Citizen.external_id == TELEGRAM_ID))
    hit = crisis.check(WORDS["crisis"])
    assert hit is not None
    needles = dict(citizen_id=citizen_id, words=list(WORDS.values()), topics=["transport_service", hit.category,
                                                                              hit.help])
    before = scan(bot, **needles)
    assert {"citizen", "conversation", "message_log", "need", "consent", "handoff", "feedback", "audit_event",
            "outbox", "inbound_update"} <= set(before), before  # the scan sees what there is to see

    delete_everything(chat, update_id=9001)

    with bot.sessions() as session:  # the running update is the inbox's to delete, once the turn has committed
        [running] = session.scalars(select(InboundUpdate))
        assert running.update_id == 9001
    InboundStore(bot.sessions, bot.settings.database_url, bot.clock).finish([(running.id, SOURCE, 9001)])
    assert scan(bot, **needles) == {}
    assert rows_of(bot, other) == other_rows, "someone else's data is untouched"
    with bot.sessions() as session:
        assert list(session.scalars(select(StaffMessage))) == []
        kinds = sorted((row.kind, row.recipient) for row in session.scalars(select(Outbox).where(
            Outbox.sent_at.is_(None))))
        assert kinds == [("case_withdrawn", STAFF_CHATS["Sari"]), ("retract", STAFF_CHATS["Sari"])]
        assert session.get(Handoff, second) is None


def test_a_contacted_case_stays_as_a_bare_record_and_the_citizen_is_told(bot):
    chat, first, second = whole_case(bot)
    sari = coordinator(bot, "Sari")
    delete_everything(chat, update_id=9001)
    assert f"asiassa #{first}" in chat.text and "jää merkintä" in chat.text
    assert "Hyvinvointialue säilyttää sen" in chat.text

    with bot.sessions() as session:
        bare = session.get(Handoff, first)
        assert (bare.need_id, bare.consent_id, bare.citizen_id, bare.status) == (None, None, None, "closed")
        assert bare.erased_at == bot.clock() and bare.contacted_at is not None and bare.closed_at is not None
        assert (bare.coordinator_id, bare.expected_contact_at) == (sari, None)
        assert session.get(Handoff, second) is None, "a case nobody contacted is deleted"
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.handoff_id == first)
                                      .order_by(AuditEvent.id)))
        assert [event.action for event in events] == ["handoff_claimed", "relay_to_citizen", "handoff_contacted",
                                                       "handoff_closed"]
        assert all(event.actor == f"coordinator:{sari}" and event.citizen_id is None for event in events)
        assert all(set(event.details) <= SAFE_DETAILS and event.details["coordinator_id"] == sari for event in events)
        assert session.scalar(select(AuditEvent).where(AuditEvent.handoff_id == second)) is None
    with pytest.raises(staff.CaseNotFound):  # nothing left to act on
        act(bot, staff.view, handoff_id=first, coordinator_id=sari)
    with bot.sessions.begin() as session:  # a card delivered while the erasure ran is deleted from the chat at once
        remember_staff_messages(session, handoff_id=first, chat_id=STAFF_CHATS["Sari"], message_ids=[777],
                                now=bot.clock())
    with bot.sessions() as session:
        assert list(session.scalars(select(StaffMessage))) == []
        assert {"messages": [777]} in [row.payload for row in session.scalars(select(Outbox).where(
            Outbox.kind == "retract"))]


def test_the_bare_record_message_in_swedish_and_a_new_number_after_erasure(bot):
    chat = Chat(bot, user=TELEGRAM_ID, channel="telegram")
    anna = coordinator(bot, HOLDER["sv"][0])
    case = hand_off(chat, "sv")
    act(bot, staff.claim, handoff_id=case, coordinator_id=anna)
    act(bot, staff.mark_contacted, handoff_id=case, coordinator_id=anna)  # contacted, still open
    chat.say("/delete")
    assert "Ska jag radera allt" in chat.text
    chat.say("ja")
    assert "deleted" in chat.last.events
    assert f"i ärende #{case}" in chat.text and "en anteckning om det finns kvar" in chat.text
    with bot.sessions() as session:
        bare = session.get(Handoff, case)
        assert bare.status == "closed" and bare.closed_at == bot.clock() and bare.citizen_id is None
        assert session.scalar(select(Citizen).where(Citizen.external_id == TELEGRAM_ID)) is None
    again = Chat(bot, user=TELEGRAM_ID, channel="telegram")  # the same person, later: a new citizen, a new number
    assert hand_off(again, "sv") > case and newest_case(again) > case


def test_without_a_contacted_case_the_plain_message_and_nothing_left(bot):
    chat = Chat(bot, user=TELEGRAM_ID, channel="telegram")
    hand_off(chat, "fi")
    chat.say("/delete")
    press_key(chat, "yes")
    assert "Kaikki sinusta tallennettu on nyt poistettu. Voit aloittaa alusta milloin vain." == chat.text
    with bot.sessions() as session:
        assert session.scalar(select(Handoff)) is None and session.scalar(select(Need)) is None


def test_in_relay_asking_in_plain_words_asks_for_the_confirmation_instead_of_relaying(bot):
    chat = Chat(bot, user=TELEGRAM_ID, channel="telegram")
    case = hand_off(chat, "fi")
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    chat.say("poistakaa kaikki minun tiedot")
    assert "Poistanko kaiken" in chat.text and "relayed" not in chat.last.events
    chat.say("kyllä")
    assert "deleted" in chat.last.events
    with bot.sessions() as session:
        assert [row.kind for row in session.scalars(select(Outbox).where(Outbox.kind == "relay_in"))] == []


def test_erasing_an_unknown_citizen_removes_nothing(bot):
    with bot.sessions.begin() as session:
        report = erase_citizen(session, 424242, now=bot.clock())
    assert (report.kept_cases, report.deleted_cases, report.rows) == ([], [], {})


# SQLite: nothing left in the files ------------------------------------------------------------------------------

@pytest.fixture
def sqlite_bot(sqlite_url, keyword_classifier, clock):
    from bot.demo import seed
    from bot.services import build

    services = build(make_settings(sqlite_url), classifier=keyword_classifier, clock=clock)
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
        for first, chat_id in STAFF_CHATS.items():
            session.scalar(select(Coordinator).where(Coordinator.first_name == first)).telegram_chat_id = chat_id
    yield services
    services.close()


def test_sqlite_write_ahead_log_is_truncated_and_the_file_keeps_no_trace(sqlite_bot):
    database = Path(sqlite_bot.settings.database_url.removeprefix("sqlite:///"))
    log = Path(f"{database}-wal")

    def build_without_secure_delete(dbapi_connection, _record) -> None:  # noqa: ANN001 - as many SQLite builds are
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    event.listen(sqlite_bot.db, "connect", build_without_secure_delete, insert=True)  # before the engine's pragmas
    sqlite_bot.db.dispose()
    with sqlite_bot.db.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    for number in range(40):  # others' rows share the pages: deleting one citizen frees cells, not whole pages
        Chat(sqlite_bot, user=f"73055{number:05d}", channel="telegram").say("hei")
    chat = Chat(sqlite_bot, user=TELEGRAM_ID, channel="telegram")
    case = hand_off(chat, "fi", contact="phone")
    act(sqlite_bot, staff.claim, handoff_id=case, coordinator_id=coordinator(sqlite_bot, "Sari"))
    chat.say("/delete")
    assert log.stat().st_size > 0
    assert TELEGRAM_ID.encode() in database.read_bytes() + log.read_bytes()  # in clear: an index, the citizen row
    press_key(chat, "yes")
    assert "deleted" in chat.last.events
    assert log.stat().st_size == 0, "checkpointed and truncated after the erasure committed"
    raw = database.read_bytes()
    assert TELEGRAM_ID.encode() not in raw, "secure_delete: no copy of the plain id in freed space either"


def test_the_turn_stays_pure_the_checkpoint_runs_only_after_an_erasure(sqlite_bot):
    database = Path(sqlite_bot.settings.database_url.removeprefix("sqlite:///"))
    chat = Chat(sqlite_bot, user=TELEGRAM_ID, channel="telegram")
    chat.start("fi")
    chat.say(WAY["fi"]["need"])
    assert Path(f"{database}-wal").stat().st_size > 0, "an ordinary turn leaves the log to SQLite's checkpoints"


def test_an_erasure_rolled_back_keeps_everything(sqlite_bot):
    chat = Chat(sqlite_bot, user=TELEGRAM_ID, channel="telegram")
    hand_off(chat, "fi")
    with sqlite_bot.sessions() as session:
        citizen_id = session.scalar(select(Citizen.id))
        erase_citizen(session, citizen_id, now=sqlite_bot.clock())
        session.rollback()
    with sqlite_bot.sessions() as session:
        assert session.get(Citizen, citizen_id) is not None and session.scalar(select(Need)) is not None


def test_the_scan_reads_every_column_of_every_table(bot):
    """The scan's reach: every mapped table is read, so a new table cannot escape it."""
    with bot.sessions() as session:
        names = {table.name for table in Base.metadata.sorted_tables}
        assert names == set(inspect(session.get_bind()).get_table_names()) - {"alembic_version"}
