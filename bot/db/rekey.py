"""`lahitori rekey`: re-encrypt every encrypted column under the newest data key, so older keys can be retired.

Which columns: every column of `Base.metadata` whose type is EncryptedText or EncryptedJSON (a new one is covered
without a change here). How: per table, in batches by primary key, each batch read in one short transaction and
written in another, under the turns' writer lock on SQLite. A value is written back only if it is still the one
read (compare and swap), so a value the running bot changed meanwhile is never overwritten with an older one; the
batch is read again and what the bot wrote is checked too. A value the first key already opens is skipped (its
HMAC is checked, nothing decrypted), so a rerun after a crash or `--limit` only does what is left; every batch
commits whole, so every row opens with some key of DATA_KEY at every moment. The bot may run meanwhile: no table
is locked, and on PostgreSQL a batch that waits for a row's lock gives way (lock_timeout) and runs again.
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import ColumnElement, Engine, MetaData, Table, Text, and_, bindparam, column, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.schema import Column
from sqlalchemy.sql.expression import table as table_clause

from bot.config import ConfigError
from bot.crypto import Cipher
from bot.db.types import ENCRYPTED_TYPES

BATCH_SIZE = 500
REREADS = 3  # a batch whose values the bot changed while it was being written is read again this many times
RETRIES = 8  # a batch that met a lock (or a dropped connection) runs again this many times, with a pause
LOCK_TIMEOUT = "500ms"  # PostgreSQL: shorter than deadlock_timeout (1 s), so the rekey is the one that gives way


@dataclass
class TableReport:
    table: str
    columns: list[str]
    rows: int = 0  # rows looked at
    rekeyed: int = 0  # rows with a value written anew under the newest key
    changed_meanwhile: int = 0  # values the bot kept changing under the rekey: a rerun checks them

    def line(self) -> str:
        return (f"{self.table} ({', '.join(self.columns)}): {self.rekeyed} of {self.rows} rows re-encrypted"
                + (f", {self.changed_meanwhile} changed meanwhile (run again)" if self.changed_meanwhile else ""))


def encrypted_columns(metadata: MetaData | None = None) -> list[tuple[Table, list[Column]]]:
    """Every table with encrypted columns, in the metadata's order, with those columns."""
    if metadata is None:
        from bot.db.models import Base

        metadata = Base.metadata
    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, ENCRYPTED_TYPES)]
        if columns:
            found.append((table, columns))
    return found


@dataclass
class Rekey:
    engine: Engine
    cipher: Cipher
    batch_size: int = BATCH_SIZE
    limit: int | None = None  # stop after looking at this many rows in all (a rerun goes on)
    lock: AbstractContextManager[Any] = field(default_factory=nullcontext)  # the turns' writer lock (SQLite)
    examined: int = field(default=0, init=False)

    @property
    def stopped(self) -> bool:
        return self.limit is not None and self.examined >= self.limit

    def run(self, tables: Sequence[tuple[Table, list[Column]]] | None = None,
            out: Callable[[str], None] | None = None) -> list[TableReport]:
        reports = []
        for table, columns in tables if tables is not None else encrypted_columns():
            if self.stopped:
                break
            reports.append(self.table(table, columns))
            if out is not None:
                out(reports[-1].line())
        if self.engine.dialect.name == "sqlite":
            # its commits wait for the disk only at checkpoints (synchronous=NORMAL), and a checkpoint syncs the
            # log first: what it says is done is on the disk before an old key may go
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        return reports

    def table(self, table: Table, columns: list[Column]) -> TableReport:
        report = TableReport(table.name, [c.name for c in columns])
        keys = list(table.primary_key.columns)
        if not keys:
            raise ConfigError(f"rekey: table {table.name} has no primary key")
        plain = table_clause(table.name, *(column(c.name, c.type) for c in keys),
                             *(column(c.name, Text()) for c in columns), schema=table.schema)
        after: tuple | None = None
        while not self.stopped:
            size = self.batch_size if self.limit is None else min(self.batch_size, self.limit - self.examined)
            for _ in range(REREADS + 1):
                rows = self._read(plain, len(keys), after, size)
                groups = self._rotate(table, columns, len(keys), rows)
                wanted = sum(len(params) for params in groups.values())
                written = self._write(plain, len(keys), groups)
                report.rekeyed += written
                if written == wanted:
                    break
            else:
                report.changed_meanwhile += wanted - written
            report.rows += len(rows)
            self.examined += len(rows)
            if len(rows) < size:
                break
            after = tuple(rows[-1][:len(keys)])
        return report

    def _read(self, plain: Any, nkeys: int, after: tuple | None, size: int) -> list[Sequence[Any]]:
        cols = list(plain.columns)
        keys = cols[:nkeys]
        query = select(*cols).order_by(*keys).limit(size)
        if after is not None:
            query = query.where(_after(keys, after))
        with self.engine.connect() as connection:
            return list(connection.execute(query).all())

    def _rotate(self, table: Table, columns: list[Column], nkeys: int,
                rows: list[Sequence[Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
        """The rows to write, grouped by which of their columns change: bind parameters k<i>, o_<col>, n_<col>."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            params: dict[str, Any] = {f"k{i}": value for i, value in enumerate(row[:nkeys])}
            for col, token in zip(columns, row[nkeys:], strict=True):
                if token is None:
                    continue
                try:
                    fresh = self.cipher.rotate(token)
                except InvalidToken:
                    ident = ", ".join(str(value) for value in row[:nkeys])
                    raise ConfigError(f"configuration error: DATA_KEY: {table.name}.{col.name} of row {ident} "
                                      "opens with no key in DATA_KEY (add the key it was written with after the "
                                      "new one, comma-separated)") from None
                if fresh is not None:
                    params[f"o_{col.name}"], params[f"n_{col.name}"] = token, fresh
            changed = tuple(name[2:] for name in params if name.startswith("n_"))
            if changed:
                groups.setdefault(changed, []).append(params)
        return groups

    def _write(self, plain: Any, nkeys: int, groups: dict[tuple[str, ...], list[dict[str, Any]]]) -> int:
        """Write the groups in one transaction; the number of rows written (a row the bot changed is not)."""
        if not groups:
            return 0
        keys = list(plain.columns)[:nkeys]
        statements = []
        for changed, params in groups.items():
            where = [key == bindparam(f"k{i}", type_=key.type) for i, key in enumerate(keys)]
            where += [plain.c[name] == bindparam(f"o_{name}", type_=Text()) for name in changed]
            values = {plain.c[name]: bindparam(f"n_{name}", type_=Text()) for name in changed}
            statements.append((update(plain).where(*where).values(values), params))
        for attempt in range(RETRIES + 1):
            try:
                with self.lock, self.engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    return sum(connection.execute(statement, params).rowcount for statement, params in statements)
            except DBAPIError as error:
                if attempt == RETRIES or not (isinstance(error, OperationalError) or error.connection_invalidated):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def _after(keys: list[ColumnElement[Any]], last: tuple) -> ColumnElement[bool]:
    """Rows after `last` in primary key order (a composite key compares column by column)."""
    if len(keys) == 1:
        return keys[0] > last[0]
    terms = [and_(*(keys[j] == last[j] for j in range(i)), keys[i] > last[i]) for i in range(len(keys))]
    return or_(*terms)


def register(subparsers: argparse._SubParsersAction) -> None:
    rekey = subparsers.add_parser("rekey", help="re-encrypt stored data under the first key of DATA_KEY, so the "
                                                "older keys can be removed")
    rekey.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    rekey.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"rows a transaction (default {BATCH_SIZE})")
    rekey.add_argument("--limit", type=int, help="stop after looking at this many rows (running it again goes on)")
    rekey.set_defaults(func=cmd_rekey)


def cmd_rekey(args: argparse.Namespace) -> int:
    from bot import crypto
    from bot.config import load_settings
    from bot.db.session import make_engine, require_migrated, writer_lock

    if args.batch_size < 1 or (args.limit is not None and args.limit < 1):
        raise ConfigError("rekey: --batch-size and --limit must be at least 1")
    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    cipher = crypto.cipher_from_settings(settings)
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        job = Rekey(engine, cipher, batch_size=args.batch_size, limit=args.limit,
                    lock=writer_lock(settings.database_url))
        started = time.perf_counter()
        reports = job.run(out=lambda line: print(line, flush=True))
    finally:
        engine.dispose()
    total = sum(report.rekeyed for report in reports)
    seconds = time.perf_counter() - started
    if job.stopped:
        print(f"stopped after {job.examined} rows (--limit), {total} re-encrypted in {seconds:.1f} s: run "
              "`lahitori rekey` again to go on")
    elif any(report.changed_meanwhile for report in reports):
        print(f"{total} rows re-encrypted in {seconds:.1f} s; some values kept changing meanwhile: run "
              "`lahitori rekey` again before removing an old key")
    else:
        print(f"done: {total} rows re-encrypted in {seconds:.1f} s; everything stored opens with the first key of "
              "DATA_KEY, and the other keys can be removed once every running process has that key first")
    return 0
