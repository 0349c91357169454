"""`lahitori staff`: an administrator lists coordinators, makes a link code that really links (typed or as a link to
open), unlinks, and lists, approves and revokes the units' staff groups."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import AuditEvent, Coordinator, Unit
from bot.db.session import make_engine, make_sessionmaker
from bot.demo import seed
from bot.handoff import staff, staff_group
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
    code = re.search(r"/link ([0-9A-Z]{5}-[0-9A-Z]{5}(-[0-9A-Z]{4}){4})\b", printed).group(1)
    assert printed.startswith("Anna Lindholm:") and "2 hours" in printed
    assert "TELEGRAM_BOT_USERNAME" in printed and "t.me" not in printed, "no bot name given: no link, a hint"

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


@pytest.mark.parametrize("hours", ["1000", "24.5", "0"])
def test_a_validity_over_24_hours_is_refused_naming_the_option(demo_db, capsys, hours):
    capsys.readouterr()
    assert main(["staff", "link-code", "Sari", "--hours", hours]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("lahitori: --hours: a link code lives at most 24 hours")


@pytest.mark.parametrize("given", ["option", "setting"])
def test_the_code_comes_with_a_deep_link_that_links_through_start(demo_db, capsys, monkeypatch, given):
    capsys.readouterr()
    if given == "setting":
        monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@lahitori_demo_bot")
    assert main(["staff", "link-code", "Sari", *(["--bot", "lahitori_demo_bot"] if given == "option" else [])]) == 0
    printed = capsys.readouterr().out
    code = re.search(r"/link (\S+) to the bot", printed).group(1)
    link = re.search(r"https://t\.me/lahitori_demo_bot\?start=([A-Za-z0-9_-]{1,64})\s", printed).group(1)
    assert link == code.replace("-", "") and "24 hours" in printed
    engine = make_engine(demo_db)
    with make_sessionmaker(engine).begin() as session:
        assert staff.link_account(session, code=link, chat_id=4343, now=utcnow()).first_name == "Sari"
    engine.dispose()


def test_a_wrong_bot_name_is_refused_naming_the_option(demo_db, capsys):
    capsys.readouterr()
    assert main(["staff", "link-code", "Sari", "--bot", "no spaces please"]) == 2
    assert capsys.readouterr().err.startswith("lahitori: --bot:")


# Staff groups --------------------------------------------------------------------------------------------------

def ask_for_group(url: str, first_name: str, chat_id: int) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        person = session.scalar(select(Coordinator).where(Coordinator.first_name == first_name))
        staff_group.request_unit_group(session, coordinator_id=person.id, chat_id=chat_id, now=utcnow())
    engine.dispose()


def groups_of(url: str, code: str) -> tuple[str | None, str | None]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        found = unit.staff_chat_id, unit.staff_chat_pending
    engine.dispose()
    return found


def test_an_administrator_lists_approves_and_revokes_a_units_staff_group(demo_db, capsys):
    ask_for_group(demo_db, "Sari", -100777)
    capsys.readouterr()
    assert main(["staff", "group", "list"]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"porvoo\s+Porvoon lähitori \(demo\)\s+–\s+-100777 \(asked by Sari Laine \d+\.\d+\.2\d{3} "
                     r"\d+\.\d\d; approve: lahitori staff group approve porvoo\)", listing), listing
    assert re.search(r"loviisa\s+.+\s+–\s+–$", listing, re.MULTILINE), listing
    assert groups_of(demo_db, "porvoo") == (None, "-100777")

    assert main(["staff", "group", "approve", "PORVOO"]) == 0
    assert capsys.readouterr().out == ("porvoo: group -100777 approved: it now gets the unit's new and escalated "
                                       "cases and its crisis alerts.\n")
    assert groups_of(demo_db, "porvoo") == ("-100777", None)
    assert main(["staff", "group", "list"]) == 0
    assert re.search(r"porvoo\s+Porvoon lähitori \(demo\)\s+-100777\s+–$", capsys.readouterr().out, re.MULTILINE)

    ask_for_group(demo_db, "Anna", -100888)
    assert main(["staff", "group", "approve", "porvoo"]) == 0
    assert capsys.readouterr().out.startswith("porvoo: group -100888 approved (instead of -100777):")

    ask_for_group(demo_db, "Sari", -100999)
    assert main(["staff", "group", "revoke", "porvoo"]) == 0
    assert capsys.readouterr().out == ("porvoo: group -100888 gets nothing more and the request of group -100999 "
                                       "is turned down.\n")
    assert groups_of(demo_db, "porvoo") == (None, None)

    engine = make_engine(demo_db)
    with make_sessionmaker(engine)() as session:
        events = [(e.action, e.actor) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("unit_group_%")).order_by(AuditEvent.id))]
    engine.dispose()
    assert [actor for action, actor in events if action in ("unit_group_approved", "unit_group_revoked")] == [
        "admin", "admin", "admin"]
    assert [action for action, _ in events] == ["unit_group_requested", "unit_group_approved", "unit_group_requested",
                                                "unit_group_approved", "unit_group_requested", "unit_group_revoked"]


@pytest.mark.parametrize(("command", "message"), [
    (["approve", "porvoo"], "lahitori: porvoo: no group is waiting for approval for this unit"),
    (["revoke", "porvoo"], "lahitori: porvoo: this unit has no staff group"),
    (["approve", "kotka"], "lahitori: kotka: no unit is 'kotka': see `lahitori staff group list`"),
])
def test_nothing_to_approve_or_revoke_is_one_line_and_exit_1(demo_db, capsys, command, message):
    capsys.readouterr()
    assert main(["staff", "group", *command]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith(message)
