"""Published versions are live: every instance follows the newest within seconds, a conversation on its way
finishes on the version it began with, a rollback is live too, and a restart does not undo an admin's publish
(SQLite and PostgreSQL)."""
from __future__ import annotations

import time

import pytest

from bot.config import PROJECT_ROOT
from bot.db.session import make_engine, make_sessionmaker
from bot.demo import seed
from bot.flowspec import versions
from bot.flowspec.live import LiveFlows
from bot.flowspec.startup import publish_flows_dir
from bot.services import build
from tests.auxil.chat import Chat
from tests.conftest import make_settings

OLD, NEW = "Kuinka kiireellinen asia on?", "Kuinka pian tarvitset apua?"
OLD_CONTACT, NEW_CONTACT = "Miten haluaisit, että palveluohjaaja", "Millä tavalla haluaisit, että palveluohjaaja"


def files_with(*changes: tuple[str, str]) -> dict[str, str]:
    files = versions.read_files(PROJECT_ROOT / "flows")
    intake = files["intake.yaml"]
    for old, new in changes:
        assert old in intake
        intake = intake.replace(old, new)
    return {**files, "intake.yaml": intake}


CHANGED = ((OLD, NEW), (OLD_CONTACT, NEW_CONTACT))


def publish(services, files: dict[str, str], note: str) -> int:  # noqa: ANN001
    with services.sessions.begin() as session:
        return versions.publish(session, files, by="admin:test", note=note).id


@pytest.fixture
def instances(db_url: str, embedded_classifier):
    """Two bot instances on one database, each following the published versions."""
    built = [build(make_settings(db_url), classifier=embedded_classifier) for _ in range(2)]
    with make_sessionmaker(built[0].db).begin() as session:
        seed(session)
    publish(built[0], versions.read_files(PROJECT_ROOT / "flows"), "the repository's flows")
    lives = [LiveFlows(services.flows, services.sessions, interval=0.1) for services in built]
    for live in lives:
        live.poll()
    yield built, lives
    for services in built:
        services.close()


def reach_urgency(chat: Chat) -> None:
    chat.start("fi")
    chat.say("mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin")
    chat.press("Kyllä, haluan yhteydenoton")
    assert "Missä kunnassa" in chat.text


def test_a_publish_reaches_both_instances_and_a_conversation_finishes_on_its_version(instances):
    (first, second), lives = instances
    assert first.flows.current().version == second.flows.current().version == "v1"
    before = Chat(first, user="began-before")
    reach_urgency(before)

    number = publish(second, files_with(*CHANGED), "a kinder question")
    assert [live.poll() for live in lives] == [number, number]
    assert first.flows.current().version == second.flows.current().version == f"v{number}"

    before.press("Porvoo")  # began on v1: the rest of the intake is v1's
    assert OLD in before.text and NEW not in before.text
    after = Chat(second, user="began-after")  # on the other instance, on the new version
    reach_urgency(after)
    after.press("Porvoo")
    assert NEW in after.text and OLD not in after.text

    # The conversation that began on v1 goes on at the other instance, which has never run v1: it loads it from
    # the database by its label.
    second.flows._earlier.pop("v1", None)
    moved = Chat(second, user="began-before")
    moved.buttons = before.buttons
    moved.press("Lähiviikkoina")
    assert OLD_CONTACT in moved.text and NEW_CONTACT not in moved.text
    after.press("Lähiviikkoina")
    assert NEW_CONTACT in after.text


def test_a_rollback_is_live_and_a_finished_conversation_starts_on_the_newest(instances):
    (first, _second), lives = instances
    chat = Chat(first, user="citizen")
    publish(first, files_with(*CHANGED), "v2")
    lives[0].poll()
    reach_urgency(chat)
    chat.press("Porvoo")
    assert NEW in chat.text

    with first.sessions.begin() as session:  # what `lahitori flows rollback 1` does
        rolled = versions.publish(session, dict(versions.get(session, 1).files), by="admin:test", note="rollback").id
    assert lives[0].poll() == rolled == 3
    chat.start("fi")  # a new beginning: the newest version, the rolled-back text
    chat.say("mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.press("Porvoo")
    assert OLD in chat.text and NEW not in chat.text


def test_the_watcher_takes_a_publish_within_seconds(instances):
    (first, second), _lives = instances
    live = LiveFlows(first.flows, first.sessions, interval=0.1)
    live.known = 1
    live.watch()
    number = publish(second, files_with(*CHANGED), "from the other instance")
    deadline = time.monotonic() + 10
    while first.flows.current().version != f"v{number}" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.flows.current().version == f"v{number}"


def test_a_restart_with_the_repository_files_keeps_the_admins_newest_version(db_url: str, capsys):
    settings = make_settings(db_url)
    assert publish_flows_dir(settings) == 1  # a new content: published
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        assert versions.publish(session, files_with(*CHANGED), by="admin:test", note="console").id == 2
    capsys.readouterr()
    assert publish_flows_dir(settings) is None  # the repository's files were published before: v2 stays newest
    assert "are those of flow version 1; running the newest published version, 2" in capsys.readouterr().err
    with sessions() as session:
        assert versions.latest(session).id == 2
    engine.dispose()
