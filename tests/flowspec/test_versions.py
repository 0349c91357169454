"""Published flow versions on SQLite and PostgreSQL: publish (validated, never the newest twice, one publisher at a
time), diff, export, and the running bot's registry publishing the good edits it takes."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import PROJECT_ROOT
from bot.db.models import FlowVersion
from bot.db.session import make_engine, make_sessionmaker
from bot.flowspec import versions
from bot.flowspec.registry import FlowRegistry, FlowsInvalid, load_flowset
from tests.flowspec.test_registry import touch_later

BYE_FI = "Hyvää jatkoa!"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def files() -> dict[str, str]:
    return versions.read_files(PROJECT_ROOT / "flows")


def edited(files: dict[str, str], old: str = BYE_FI, new: str = "Mukavaa päivää!") -> dict[str, str]:
    assert old in files["main.yaml"]
    return {**files, "main.yaml": files["main.yaml"].replace(old, new)}


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FlowVersion)) or 0


def test_publish_stores_a_valid_set_once_and_refuses_an_invalid_one(sessions, files):
    with sessions.begin() as session:
        first = versions.publish(session, files, by="admin:sari", note="first")
        assert first.id == 1 and first.files == files and first.created_by == "admin:sari"
    with sessions.begin() as session:
        assert versions.publish(session, dict(files), by="system", note="again").id == 1, "the newest, not again"
        assert versions.latest(session).id == 1 and versions.get(session, 1).note == "first"
    with sessions.begin() as session:
        assert versions.publish(session, edited(files), by="system").id == 2
    with sessions.begin() as session:
        back = versions.publish(session, files, by="admin:sari", note="rollback to v1")
        assert back.id == 3 and back.content_hash == first.content_hash, "an older set may come back as the newest"

    broken = {**files, "main.yaml": files["main.yaml"].replace("start:", "strat:", 1)}
    with sessions.begin() as session, pytest.raises(FlowsInvalid) as error:
        versions.publish(session, broken, by="admin:sari")
    assert error.value.problems and all(problem.file.endswith(".yaml") and "/" not in problem.file
                                        for problem in error.value.problems), error.value.problems
    assert str(error.value).startswith("main.yaml:")
    with sessions.begin() as session, pytest.raises(FlowsInvalid):
        versions.publish(session, {}, by="admin:sari")
    assert count(sessions) == 3


def test_two_publishers_at_once_store_one_version(sessions, files, monkeypatch):
    newest = versions.latest

    def slow_latest(session: Session) -> FlowVersion | None:  # wide open for a race, were there no lock
        found = newest(session)
        time.sleep(0.1)
        return found

    monkeypatch.setattr(versions, "latest", slow_latest)
    start = threading.Barrier(4)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            start.wait()
            with sessions.begin() as session:
                numbers.append(versions.publish(session, edited(files), by="system").id)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and numbers == [1, 1, 1, 1]
    assert count(sessions) == 1


def test_diff_and_export(sessions, files, tmp_path: Path):
    changed = edited(files)
    changed["work_ability.yml"] = changed.pop("work_ability.yaml")  # a file renamed: one gone, one new
    with sessions.begin() as session:
        a = versions.publish(session, files, by="system")
        b = versions.publish(session, changed, by="system")
        text = versions.diff(a, b)
        assert versions.diff(a, a) == ""
    assert "--- v1/main.yaml\n+++ v2/main.yaml\n" in text
    assert any(line.startswith("-") and BYE_FI in line for line in text.splitlines())
    assert any(line.startswith("+") and "Mukavaa päivää!" in line for line in text.splitlines())
    assert "--- v1/work_ability.yaml\n+++ /dev/null\n" in text and "--- /dev/null\n+++ v2/work_ability.yml\n" in text

    out = versions.export(a, tmp_path / "v1")
    assert versions.read_files(out) == files
    load_flowset(out)
    with pytest.raises(FileExistsError):
        versions.export(b, out)
    versions.export(b, out, replace=True)
    assert versions.read_files(out) == changed, "the file v2 does not have is gone"


def test_when_is_in_finnish_format():
    version = FlowVersion(id=3, created_at=datetime(2026, 12, 3, 12, 5, tzinfo=UTC), created_by="system", note="",
                          content_hash="", files={})
    assert versions.when(version) == "3.12.2026 klo 14.05"
    naive = FlowVersion(id=4, created_at=datetime(2026, 7, 1, 9, 0), created_by="system", note="", content_hash="",
                        files={})
    assert versions.when(naive) == "1.7.2026 klo 12.00", "summer time; SQLite may give the UTC time without zone"


def test_the_registry_publishes_each_good_edit_it_takes(sessions, flows_copy, caplog):
    publisher = versions.Publisher(sessions)
    registry = FlowRegistry(flows_copy, interval=0, on_reload=publisher)
    registry.current()
    main = flows_copy / "main.yaml"
    original = main.read_text()

    main.write_text(original.replace(BYE_FI, "Mukavaa päivää!"))
    touch_later(main)
    registry.current()
    publisher.join()
    with sessions() as session:
        newest = versions.latest(session)
        assert newest is not None and newest.id == 1 and "Mukavaa päivää!" in newest.files["main.yaml"]
        assert newest.created_by == "system" and "reloaded" in newest.note

    main.write_text("id: main\nsteps: [broken\n")  # a bad edit: kept out of the registry, and so never published
    touch_later(main)
    registry.current()
    publisher.join()
    assert count(sessions) == 1


def test_a_publish_failure_logs_one_line_and_the_new_flows_run(flows_copy, caplog):
    def broken_sessions() -> Session:
        raise ConnectionError("the database is away")

    registry = FlowRegistry(flows_copy, interval=0, on_reload=versions.Publisher(broken_sessions))
    main = flows_copy / "main.yaml"
    main.write_text(main.read_text().replace(BYE_FI, "Mukavaa päivää!"))
    touch_later(main)
    with caplog.at_level(logging.WARNING):
        assert "Mukavaa päivää!" in registry.current().flows["main"].steps["bye"].text.fi
        registry.on_reload.join()  # type: ignore[union-attr]
    lines = [record.getMessage() for record in caplog.records if record.name == "bot.flowspec.versions"]
    assert lines == ["the reloaded flows were not published (ConnectionError)"]


def test_the_watch_thread_takes_edits_nobody_asks_for(flows_copy):
    seen = threading.Event()
    registry = FlowRegistry(flows_copy, interval=0.1, on_reload=lambda _directory: seen.set())
    registry.watch()
    main = flows_copy / "main.yaml"
    main.write_text(main.read_text().replace(BYE_FI, "Mukavaa päivää!"))
    touch_later(main)
    assert seen.wait(5), "the watcher did not reload the edit"
