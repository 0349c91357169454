"""A session on a migrated database with the demo units and coordinators."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from bot import crypto
from bot.db.session import make_engine, make_sessionmaker
from bot.demo import seed
from tests.conftest import TEST_KEY


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        seed(session)
        session.commit()
        yield session
    engine.dispose()
