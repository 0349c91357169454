"""Storage: migrations on both databases, the migration guard, encryption at rest, optimistic locking."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, String, column, select, table, text
from sqlalchemy.orm.exc import StaleDataError

from bot import crypto
from bot.config import ConfigError
from bot.db.models import Base, Citizen, Conversation, MessageLog, Need, Outbox
from bot.db.session import NotMigrated, downgrade, make_engine, make_sessionmaker, require_migrated, upgrade
from bot.db.types import EncryptedJSON, UTCDateTime
from tests.conftest import TEST_KEY


@pytest.fixture
def sessions(db_url: str):
    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_citizen_text_is_encrypted_at_rest(sessions):
    with sessions.begin() as session:
        citizen = Citizen(channel="t", external_id="1", language="fi")
        session.add(citizen)
        session.flush()
        session.add(MessageLog(citizen_id=citizen.id, direction="in", sender="citizen", text="äiti kaatui eilen"))
        session.add(Need(citizen_id=citizen.id, topic="home_support", language="fi", description="äiti kaatui eilen",
                         phone="+358401234567"))
        session.add(Conversation(citizen_id=citizen.id, flow="main", step="menu", slots={"description": "äiti kaatui"},
                                 menu_id=0))
    with sessions() as session:
        raw = [session.execute(text(q)).scalar() for q in (
            "SELECT text FROM message_log", "SELECT description FROM need", "SELECT phone FROM need",
            "SELECT slots FROM conversation")]
        assert all(value and "äiti" not in value and "358" not in value and value.startswith("gAAAA") for value in raw)
        assert session.scalar(select(Need)).description == "äiti kaatui eilen"


def test_optimistic_locking_refuses_a_lost_update(sessions):
    with sessions.begin() as session:
        citizen = Citizen(channel="t", external_id="2", language="fi")
        session.add(citizen)
        session.flush()
        session.add(Conversation(citizen_id=citizen.id, flow="main", step="menu", slots={}, menu_id=0))
    first, second = sessions(), sessions()
    a = first.scalar(select(Conversation))
    b = second.scalar(select(Conversation))
    a.step = "again"
    first.commit()
    b.step = "human"
    with pytest.raises(StaleDataError):
        second.commit()
    first.close()
    second.close()


def test_migrations_go_down_and_up(db_url: str):
    downgrade(db_url, "base")
    engine = make_engine(db_url)
    with pytest.raises(NotMigrated, match="run `lahitori db upgrade`"):
        require_migrated(engine)
    upgrade(db_url)
    require_migrated(engine)
    engine.dispose()


def test_the_migrations_build_the_models_schema(db_url: str):
    """A model changed without a migration (or the other way round) shows here as a difference."""
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_upgrading_empties_the_outbox_rows_delivered_before(db_url: str, sessions):
    """Up to migration 0003, sent and given-up outbox rows kept their payload: the case card, relayed words."""
    now = datetime.now(timezone.utc)
    downgrade(db_url, "0003")
    try:
        # The outbox of revision 0003 (the model has columns added since): its columns only.
        old = table("outbox", *(column(name, type_) for name, type_ in (
            ("channel", String()), ("recipient", String()), ("kind", String()), ("payload", EncryptedJSON()),
            ("dedupe_key", String()), ("attempts", Integer()), ("created_at", UTCDateTime()),
            ("next_attempt_at", UTCDateTime()), ("sent_at", UTCDateTime()), ("failed_at", UTCDateTime()))))
        with sessions.begin() as session:
            for kind, sent_at, failed_at in (("relay_in", now, None), ("handoff_new", None, now), ("case_claimed", None, None)):
                session.execute(old.insert().values(channel="telegram", recipient="1", kind=kind, attempts=0,
                                                    payload={"text": "Isä kaatui eilen"}, dedupe_key=kind,
                                                    created_at=now, next_attempt_at=now, sent_at=sent_at,
                                                    failed_at=failed_at))
    finally:
        upgrade(db_url)
    with sessions() as session:
        payloads = {row.kind: row.payload for row in session.scalars(select(Outbox))}
    assert payloads == {"relay_in": None, "handoff_new": None, "case_claimed": {"text": "Isä kaatui eilen"}}


def test_the_app_refuses_an_unmigrated_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/new.db", "DATA_KEY": TEST_KEY, "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot", "chat"], input="", capture_output=True, text=True, env=env,
                            cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("is not initialised: run `lahitori db upgrade`")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("env", "message"), [
    ({"NLU_BACKEND": "spacy"}, "configuration error: NLU_BACKEND: Input should be 'embedded' or 'rasa'"),
    ({"DATABASE_URL": "mysql://x"}, "configuration error: DATABASE_URL: must start with sqlite://"),
    ({"WEBHOOK_URL": "http://bot.example"}, "configuration error: WEBHOOK_URL: must be a public https:// URL"),
    ({"APP_ENV": "production"}, "configuration error: DATA_KEY: required when APP_ENV=production"),
    ({"DATA_KEY": "not-a-key"}, "configuration error: DATA_KEY: not a Fernet key"),
    ({"RASA_TIMEOUT": "fast"}, "configuration error: RASA_TIMEOUT: Input should be a valid number"),
])
def test_misconfiguration_is_one_line_naming_the_setting(tmp_path, env: dict, message: str):
    full = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env}
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, env=full, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_wrong_key_for_stored_data_is_a_clear_error(sessions):
    with sessions.begin() as session:
        citizen = Citizen(channel="t", external_id="3", language="fi")
        session.add(citizen)
        session.flush()
        session.add(MessageLog(citizen_id=citizen.id, direction="in", sender="citizen", text="salaisuus"))
    crypto.install(crypto.Cipher([crypto.new_key().encode()]))
    with sessions() as session, pytest.raises(ConfigError, match="DATA_KEY: stored data was encrypted with another key"):
        session.scalar(select(MessageLog)).text
    crypto.install(crypto.Cipher([crypto.new_key().encode(), TEST_KEY.encode()]))  # rotation: the old key decrypts
    with sessions() as session:
        assert session.scalar(select(MessageLog)).text == "salaisuus"


def terminate_other_backends(url: str) -> None:
    """What a PostgreSQL restart does to the application's pooled connections."""
    engine = make_engine(url)
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    engine.dispose()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_turn_survives_a_database_restart_between_messages(chat, caplog):
    """The server drops every connection (as a restart does): the next turn fails on its pooled connection,
    SQLAlchemy discards the pool, and the runner runs the turn again on a fresh one; the citizen sees nothing."""
    chat.start("fi")
    before = chat.last.replies[0].text
    terminate_other_backends(chat.services.settings.database_url)
    chat.start("fi")
    assert chat.last.replies[0].text == before
    assert "the database connection was lost; retrying the turn" in caplog.text


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_staff_action_survives_a_database_restart(services, caplog):
    from bot.channels.telegram_staff import StaffDesk
    from bot.db.models import Coordinator
    from bot.handoff import staff

    with services.sessions.begin() as session:
        sari = session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari"))
        code = staff.create_link_code(session, coordinator_id=sari.id, now=services.clock(), created_by="test")
        staff.link_account(session, code=code, chat_id=9001, now=services.clock())
    desk = StaffDesk(services)
    before = desk.handle(user_id=9001, text="/cases").messages
    terminate_other_backends(services.settings.database_url)
    assert desk.handle(user_id=9001, text="/cases").messages == before
    assert "a staff action met OperationalError; retrying" in caplog.text
