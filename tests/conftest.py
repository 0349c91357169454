"""Shared fixtures: settings, a migrated database (SQLite and PostgreSQL), services and a transcript chat."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import crypto
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.db.models import Base
from bot.db.session import make_engine, make_sessionmaker, upgrade
from bot.demo import seed
from tests.auxil.nlu import KeywordClassifier

PG_URL = os.environ.get("LAHITORI_TEST_PG_URL")
TEST_KEY = crypto.new_key()
BACKENDS = ["sqlite", "postgres"]


def pytest_report_header(config: pytest.Config) -> str:
    return f"PostgreSQL: {PG_URL or 'not configured (LAHITORI_TEST_PG_URL unset): postgres cases are skipped'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL cases: start it with scripts/pg-test-server (make test does)")
        pytest.skip("PostgreSQL not configured: run the suite with `make test` (LAHITORI_TEST_PG_URL)")
    engine = make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the PostgreSQL test database truncated."""
    if request.param == "sqlite":
        path = tmp_path / "lahitori.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_migrated")
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "lahitori.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_settings(db_url: str, **extra: object) -> Settings:
    return load_settings(**{"DATABASE_URL": db_url, "DATA_KEY": TEST_KEY, "APP_ENV": "dev", "DEFAULT_LANGUAGE": "fi",
                            "FLOWS_DIR": str(PROJECT_ROOT / "flows"), **extra})


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
def keyword_classifier() -> KeywordClassifier:
    return KeywordClassifier()


@pytest.fixture(scope="session")
def embedded_classifier():
    """The real embedded classifier, trained once for the session."""
    from bot.services import build_classifier

    return build_classifier(make_settings("sqlite://"))


@pytest.fixture
def services(settings: Settings, embedded_classifier):
    from bot.services import build

    built = build(settings, classifier=embedded_classifier)
    with make_sessionmaker(built.db).begin() as session:
        seed(session)
    yield built
    built.close()


@pytest.fixture
def chat(services):
    from tests.auxil.chat import Chat

    return Chat(services, user="citizen-1")
