"""Database engine, sessions and the migration check."""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import TextIO, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.sql.dml import Delete, Insert, UpdateBase
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import TableClause

try:
    import fcntl
except ImportError:  # not POSIX: one process only, the thread lock is enough
    HAVE_FLOCK = False
else:
    HAVE_FLOCK = True

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class NotMigrated(Exception):
    """The database schema is not at the newest migration."""


def make_engine(url: str) -> Engine:
    """An engine with SQLite made safe for concurrent turns (WAL, busy timeout, foreign keys), whose transactions
    note what they write: only a plain dialogue step may commit without waiting for the disk."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        in_file = ":memory:" not in url and url != "sqlite://"
        private_sqlite_file(url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted or overwritten rows are zeroed, not left in free space (many builds default to off): an
            # erasure leaves no copy in the file (bot/handoff/erasure.py checkpoints the log after it).
            cursor.execute("PRAGMA secure_delete=ON")
            if in_file:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # a commit reaches the disk at the next checkpoint
            cursor.close()

        if in_file:
            log = f"{make_url(url).database}-wal"
            event.listen(engine, "commit", _note_commit)
            event.listen(engine, "checkin", lambda _dbapi, record: _sync_records(log, record))
    else:
        # No pre-ping: it would cost a round trip per transaction (about a tenth of a turn's CPU, telegram_bench.py).
        # A connection the server dropped (a restart) fails its statement instead, SQLAlchemy then discards the
        # pool, and the turn runner and the staff desk run the transaction again on a fresh connection
        # (worth_retrying).
        engine = create_engine(url, pool_size=10, max_overflow=10)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_execute", _note_write)
    return engine


# What a transaction wrote, kept on its connection: ("insert" | "update" | "delete" | "sql", table). Every statement
# goes through Connection.execute (the ORM's flushes too); raw SQL and DDL count as "sql", which no dialogue step
# writes. Not seen: a data-modifying WITH inside a SELECT; the turn runner's update id insert is the only one.
WRITES, RECORDED = "lahitori_writes", "lahitori_recorded"
DIALOGUE_TABLES = ("processed_update", "citizen", "conversation", "message_log")
# A handled inbound update's row goes without waiting for the disk: should the deletion be lost, the update runs
# again and its turn, whose update id is noted, is a duplicate (bot/channels/telegram_inbox.py). Storing it waits.
# A turn keeping its replies in the row (bot/db/inbound.py) is a dialogue step too: lost with the turn, the row is
# the update again, and the turn runs again.
DIALOGUE_STEP = frozenset({*((kind, table) for kind in ("insert", "update") for table in DIALOGUE_TABLES),
                           ("delete", "inbound_update"), ("update", "inbound_update")})


def _forget_writes(connection) -> None:  # noqa: ANN001
    connection.info[WRITES] = set()


def _note_write(connection, clause, *_args) -> None:  # noqa: ANN001
    if isinstance(clause, UpdateBase):
        kind = "insert" if isinstance(clause, Insert) else "delete" if isinstance(clause, Delete) else "update"
        # the project's statements write to tables (SQLAlchemy also allows an alias or a join)
        connection.info.setdefault(WRITES, set()).add((kind, cast(TableClause, clause.table).name))
    elif isinstance(clause, (TextClause, ExecutableDDLElement)):
        connection.info.setdefault(WRITES, set()).add(("sql", ""))


def _dialogue_step(connection) -> bool:  # noqa: ANN001
    return connection.info.get(WRITES, {("sql", "")}) <= DIALOGUE_STEP


def _note_commit(connection) -> None:  # noqa: ANN001 - SQLite, as the transaction commits (all flushed)
    # or: a connection may commit more than once before it goes back to the pool, and a plain step after a
    # recording commit must not cancel that commit's sync
    connection.info[RECORDED] = connection.info.get(RECORDED, False) or not _dialogue_step(connection)


def _sync_records(log: str, record) -> None:  # noqa: ANN001 - SQLite, back in the pool after its commit
    """SQLite in WAL mode cannot change its synchronous setting inside a transaction, so it commits with NORMAL
    (the log reaches the disk at checkpoints), and a transaction that recorded more than a dialogue step has the
    log synced right after its commit, before the session returns and the citizen is told. fsync on a descriptor
    of our own flushes the whole file, whoever wrote it."""
    if record.info.pop(RECORDED, False):
        try:
            descriptor = os.open(log, os.O_RDONLY)
        except FileNotFoundError:  # the last connection closed: SQLite checkpointed (and synced) the log away
            return
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def commit_without_waiting_for_disk(session: Session) -> bool:
    """On PostgreSQL, let this transaction commit without waiting for its WAL to reach the disk when it is a
    plain dialogue step: it only inserted or updated the update id, the citizen, the conversation and the
    transcript. A server crash can then lose the last fraction of a second of such steps (the citizen is asked
    again); it never loses a consent, a need, a handoff, a relayed message, an audit record or a deletion, whose
    transactions still wait, and a later waiting commit makes every earlier one durable. True when relaxed."""
    session.flush()
    connection = session.connection()
    if connection.dialect.name != "postgresql" or not _dialogue_step(connection):
        return False
    connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")  # not through execute: not noted as a write
    return True


def worth_retrying(error: BaseException) -> bool:
    """A transaction that failed with this may simply run again: a concurrent change of a versioned row, or a
    connection the server dropped (SQLAlchemy has then discarded the pool; there is no pre-ping, see make_engine)."""
    return isinstance(error, StaleDataError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


class WriterLock:
    """Turns on SQLite queue here instead of in SQLite's busy handler, which sleeps in growing steps: a thread lock
    within the process, and an exclusive flock on `<database file>.turns.lock` across the turn worker processes.
    PostgreSQL needs none (row versions and the database's own locks)."""

    def __init__(self, url: str) -> None:
        self._thread = threading.Lock()
        database = make_url(url).database if url.startswith("sqlite") else None
        self.path = Path(f"{database}.turns.lock") if database and database != ":memory:" else None
        self._file: TextIO | None = None  # opened in the process that uses it (a worker builds its own lock)

    def __enter__(self) -> WriterLock:
        self._thread.acquire()
        if self.path is not None and HAVE_FLOCK:
            try:
                if self._file is None:
                    self._file = open(self.path, "a")  # noqa: SIM115 - held for the life of the process
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._thread.release()
                raise
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._thread.release()


def writer_lock(url: str) -> contextlib.AbstractContextManager:
    """The lock a turn holds around its transaction: WriterLock on SQLite, nothing on PostgreSQL."""
    return WriterLock(url) if url.startswith("sqlite") else contextlib.nullcontext()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    private_sqlite_file(url)  # alembic's own engine would create the file with the umask's mode
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    private_sqlite_file(url)
    command.downgrade(alembic_config(url), revision)


def private_sqlite_file(url: str) -> None:
    """An SQLite database holds what citizens wrote: its file is created 0600 before SQLite first opens it (SQLite
    gives its -wal and -shm files the database file's mode), and existing files others may read are made 0600."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):  # a URI name: SQLite's business
        return
    if not os.path.exists(database):
        with contextlib.suppress(OSError):  # a missing directory: SQLite says so on connect, as before
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
        return
    tightened = []
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_mode & 0o077:
                try:
                    os.chmod(path, 0o600)
                except PermissionError:
                    logger.warning("%s can be read by others and is not ours to chmod: make it 0600", path)
                else:
                    tightened.append(path)
    if tightened:
        logger.warning("the database could be read by others: made %s readable by its owner only (0600)",
                       ", ".join(tightened))


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_migrated(engine: Engine) -> None:
    """Refuse to run on a database that `lahitori db upgrade` has not brought up to date."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "not initialised" if current is None else f"at migration {current}, newest is {head}"
        raise NotMigrated(f"database {where} is {state}: run `lahitori db upgrade`")
