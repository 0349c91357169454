"""The flows `lahitori run` starts with, on SQLite and PostgreSQL: FLOWS_DIR when it validates (published when its
content was never published), else the newest published version, else the built-in fallback that says whom to
call; never a refusal to start, and the crisis guard answers either way."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT, Settings
from bot.conversation import TurnRunner
from bot.db.models import FlowVersion
from bot.flowspec import versions
from bot.flowspec.startup import START_NOTE, choose_flows
from tests.auxil.nlu import KeywordClassifier
from tests.channels.conftest import demo_services
from tests.conftest import make_settings

BROKEN = "id: main\nsteps: [broken\n"


@pytest.fixture
def seeded(db_url: str) -> Iterator:
    """The demo units and coordinators (their phones are in the fallback); the services, for the database."""
    with demo_services(db_url, KeywordClassifier()) as services:
        yield services


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT_ROOT / "flows", tmp_path / "flows"))


def published(services) -> list[FlowVersion]:  # noqa: ANN001
    with services.sessions() as session:
        return list(session.scalars(select(FlowVersion).order_by(FlowVersion.id)))


def talk(settings: Settings, *texts: str, user: str = "9", lang: str = "fi") -> list[str]:
    """What the bot built on `settings` answers a new citizen's /start and then each text."""
    from bot.services import build

    services = build(settings, classifier=KeywordClassifier())
    try:
        runner = TurnRunner(services)
        results = [runner.handle(channel="telegram", external_id=user, start=True, lang_hint=lang)]
        results += [runner.handle(channel="telegram", external_id=user, text=text) for text in texts]
    finally:
        services.close()
    return ["\n".join(reply.text for reply in result.replies) for result in results]


def test_a_valid_flows_dir_is_published_once_and_run(seeded, flows, capsys):
    settings = make_settings(seeded.settings.database_url, FLOWS_DIR=str(flows))
    assert choose_flows(settings) is settings
    assert "published as flow version 1" in capsys.readouterr().err
    assert choose_flows(settings) is settings
    assert capsys.readouterr().err == "", "the same flows again: nothing to say, nothing published"
    main = flows / "main.yaml"
    main.write_text(main.read_text().replace("Hyvää jatkoa!", "Mukavaa päivää!"))
    choose_flows(settings)
    rows = published(seeded)
    assert [row.id for row in rows] == [1, 2]
    assert all(row.created_by == "system" and row.note == START_NOTE for row in rows)
    assert rows[1].files == versions.read_files(flows)


def test_a_broken_flows_dir_runs_the_newest_published_version(seeded, flows, capsys):
    settings = make_settings(seeded.settings.database_url, FLOWS_DIR=str(flows))
    choose_flows(settings)
    normal = talk(settings, "haluan kuolla")
    capsys.readouterr()

    (flows / "main.yaml").write_text(BROKEN)
    chosen = choose_flows(settings)
    err = capsys.readouterr().err
    assert f"the flows in {flows} are invalid (1 problem(s)" in err
    assert "running with the published flow version 1 of " in err and " klo " in err, err
    assert Path(chosen.flows_dir).name.startswith("lahitori-flows-v1-") and chosen.flows_dir != flows
    assert versions.read_files(chosen.flows_dir) == versions.read_files(PROJECT_ROOT / "flows")
    answers = talk(chosen, "haluan kuolla", user="10")
    assert answers[0] == normal[0], "the normal first answer"
    assert "112" in answers[1] and answers[1] == normal[1]
    assert len(published(seeded)) == 1, "a broken directory is never published"


def test_a_newest_version_this_release_does_not_accept_is_passed_over(seeded, flows, capsys):
    settings = make_settings(seeded.settings.database_url, FLOWS_DIR=str(flows))
    choose_flows(settings)
    files = versions.read_files(flows)
    with seeded.sessions.begin() as session:  # as if published by a release with other rules
        session.add(FlowVersion(created_by="system", note="", content_hash="x",
                                files={**files, "main.yaml": files["main.yaml"].replace("start:", "strat:", 1)}))
    (flows / "main.yaml").write_text(BROKEN)
    capsys.readouterr()
    chosen = choose_flows(settings)
    err = capsys.readouterr().err
    assert "running with the published flow version 1 of " in err and "(newer v2 not valid with this release)" in err
    assert Path(chosen.flows_dir).name.startswith("lahitori-flows-v1-")


def test_nothing_valid_anywhere_runs_the_fallback_that_says_whom_to_call(seeded, flows, capsys):
    settings = make_settings(seeded.settings.database_url, FLOWS_DIR=str(flows))
    (flows / "main.yaml").write_text(BROKEN)
    chosen = choose_flows(settings)
    assert "no valid published version is at hand: running with the built-in fallback" in capsys.readouterr().err
    assert Path(chosen.flows_dir).name.startswith("lahitori-fallback-flows-")
    answers = talk(chosen, "pappa behöver färdtjänst", lang="sv")
    for text in answers:
        assert "112" in text and "040 000 1001" in text and "Närtorget i Borgå" in text, text
    assert published(seeded) == []


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/never-migrated.db", "postgresql+psycopg://nobody:x@127.0.0.1:9/none"],
                         ids=["sqlite-unmigrated", "postgres-unreachable"])
def test_without_a_database_to_ask_the_bot_still_starts(url, tmp_path, flows, capsys):
    settings = make_settings(url.format(tmp=tmp_path), FLOWS_DIR=str(flows))
    assert choose_flows(settings) is settings, "a valid FLOWS_DIR runs, published or not"
    assert "were not published as a version" in capsys.readouterr().err
    (flows / "main.yaml").write_text(BROKEN)
    chosen = choose_flows(settings)
    assert "running with the built-in fallback" in capsys.readouterr().err
    assert Path(chosen.flows_dir).name.startswith("lahitori-fallback-flows-")


def test_the_old_sqlite_sidecar_is_not_read(sqlite_url, flows, capsys):
    """The `<database>.flows/` directory earlier releases kept is ignored: the versions in the database replace it."""
    settings = make_settings(sqlite_url, FLOWS_DIR=str(flows))
    shutil.copytree(PROJECT_ROOT / "flows", Path(sqlite_url.removeprefix("sqlite:///") + ".flows"))
    (flows / "main.yaml").write_text(BROKEN)
    assert Path(choose_flows(settings).flows_dir).name.startswith("lahitori-fallback-flows-")
    assert "running with the built-in fallback" in capsys.readouterr().err
