"""An SQLite database holds what citizens wrote: its file, -wal and -shm are readable by their owner only."""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy import text

from bot.db.session import make_engine, upgrade


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_log_files_are_private(tmp_path: Path):
    path = tmp_path / "new.db"
    old_umask = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            connection.execute(text("INSERT INTO t VALUES ('isä')"))
        with engine.connect() as connection:  # open: the -wal and -shm files exist
            connection.execute(text("SELECT * FROM t")).all()
            assert {name: mode(f"{path}{name}") for name in ("", "-wal", "-shm")} == \
                   {"": 0o600, "-wal": 0o600, "-shm": 0o600}
        engine.dispose()
    finally:
        os.umask(old_umask)


def test_migrating_a_new_database_creates_it_private(tmp_path: Path):
    path = tmp_path / "migrated.db"
    old_umask = os.umask(0o022)
    try:
        upgrade(f"sqlite:///{path}")
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600


def test_an_existing_database_others_can_read_is_tightened_with_one_warning(tmp_path: Path, caplog):
    path = tmp_path / "old.db"
    for name in ("", "-wal", "-shm"):
        Path(f"{path}{name}").write_bytes(b"")
        os.chmod(f"{path}{name}", 0o644)
    with caplog.at_level(logging.WARNING, logger="bot.db.session"):
        make_engine(f"sqlite:///{path}").dispose()
    assert [mode(f"{path}{name}") for name in ("", "-wal", "-shm")] == [0o600] * 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.db.session"]
    assert len(warnings) == 1 and "0600" in warnings[0]
    caplog.clear()
    make_engine(f"sqlite:///{path}").dispose()
    assert not [r for r in caplog.records if r.name == "bot.db.session"], "nothing to say the second time"


def test_memory_databases_and_missing_directories_are_left_to_sqlite(tmp_path: Path):
    make_engine("sqlite://").dispose()
    make_engine("sqlite:///:memory:").dispose()
    make_engine(f"sqlite:///{tmp_path}/no/such/dir.db").dispose()
    assert not (tmp_path / "no").exists()
