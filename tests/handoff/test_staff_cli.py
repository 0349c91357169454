"""`lahitori staff`: an administrator lists coordinators, makes a link code that really links, and unlinks."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import AuditEvent, Coordinator
from bot.db.session import make_engine, make_sessionmaker
from bot.demo import seed
from bot.handoff import staff
from tests.conftest import TEST_KEY
from bot.db.types import utcnow


@pytest.fixture
def demo_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/staff.db"
    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        seed(session)
    engine.dispose()
    return url


def test_a_link_code_from_the_command_line_links_the_named_coordinator(demo_db, capsys):
    capsys.readouterr()
    assert main(["staff", "link-code", "Anna Lindholm", "--hours", "2"]) == 0
    printed = capsys.readouterr().out
    code = re.search(r"/link ([A-Z0-9]{8})", printed).group(1)
    assert printed.startswith("Anna Lindholm:") and "2 hours" in printed

    engine = make_engine(demo_db)
    with make_sessionmaker(engine).begin() as session:
        linked = staff.link_account(session, code=code, chat_id=4242, now=utcnow())
        assert linked.first_name == "Anna"
    assert main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"Anna Lindholm\s+porvoo\s+Sari Laine\s+linked\s+at work", listing)
    assert re.search(r"Sari Laine\s+porvoo\s+Anna Lindholm\s+–", listing)

    assert main(["staff", "unlink", "Anna Lindholm"]) == 0
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(Coordinator.telegram_chat_id).where(Coordinator.first_name == "Anna")) is None
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    engine.dispose()
    assert actions[-3:] == ["staff_link_code_created", "staff_linked", "staff_unlinked"]
    assert code not in printed.replace(f"/link {code}", "")  # printed once, for the administrator


@pytest.mark.parametrize(("who", "message"), [
    ("Nobody", "no coordinator is 'Nobody'"),
    ("999", "no coordinator is '999'"),
])
def test_an_unknown_coordinator_is_one_line_and_no_code(demo_db, capsys, who, message):
    capsys.readouterr()
    assert main(["staff", "link-code", who]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err


def test_a_too_long_validity_is_refused_naming_the_option(demo_db, capsys):
    capsys.readouterr()
    assert main(["staff", "link-code", "Sari", "--hours", "1000"]) == 2
    assert "--hours" in capsys.readouterr().err
