"""The inbound store: `inbound_update` rows, written before Telegram is told an update arrived, and what a turn's
transaction does to its row (bot/channels/telegram_inbox.py runs them).

A row is `received` (its payload is the update as Telegram sent it) until the turn it runs commits. That turn's
transaction, through `settle`, either deletes the row (the turn has nothing to send) or replaces its payload with the
turn's replies, encrypted like the update, and marks it `replying`. The replies are then sent and the row deleted.
A crash between the turn's commit and its replies leaves a `replying` row: at the restart its replies are sent and
the turn is not run again. A crash before the commit leaves the row `received`, and the turn runs again.

Everything here is synchronous database work; the inbox calls it in threads.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import InboundUpdate, ProcessedUpdate
from bot.db.session import commit_without_waiting_for_disk, writer_lock
from bot.dialogue.models import Button, Reply

logger = logging.getLogger(__name__)

RECEIVED, REPLYING = "received", "replying"
LOCK_SPACE = 0x1A5  # first key of this bot's PostgreSQL advisory locks on chats (the second: hashtext(chat))
JOB_SPACE = 0x1A6  # first key of the periodic jobs' advisory locks


def job_lock(session: Session, job: str) -> bool:
    """Whether this transaction may run the periodic `job`: on PostgreSQL one instance at a time (a transaction
    advisory lock, released at commit); SQLite has one instance."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:job))"),
                                {"space": JOB_SPACE, "job": job}).scalar())


# What a turn's transaction does to its row ------------------------------------------------------------------------

_KEEP = (update(InboundUpdate)
         .where(InboundUpdate.source == bindparam("s"), InboundUpdate.update_id == bindparam("u"),
                InboundUpdate.state == RECEIVED)
         .values(state=REPLYING, payload=bindparam("replies", type_=InboundUpdate.payload.type))
         .execution_options(synchronize_session=False))
_DROP = (delete(InboundUpdate)
         .where(InboundUpdate.source == bindparam("s"), InboundUpdate.update_id == bindparam("u"),
                InboundUpdate.state == RECEIVED)
         .execution_options(synchronize_session=False))


def encode_replies(replies: list[Reply], *, crisis: bool) -> str:
    """The replies still to send, as kept in the row. A document (a citizen's data export) is never stored: a
    resend after a crash sends its text only (the citizen can ask for it again)."""
    kept = [{"text": reply.text, "buttons": [[button.label, button.payload] for button in reply.buttons],
             "document": getattr(reply, "document", None) is not None} for reply in replies]
    return json.dumps({"crisis": crisis, "replies": kept}, ensure_ascii=False, separators=(",", ":"))


def decode_replies(payload: str) -> tuple[list[Reply], bool]:
    """(the replies, whether the turn answered a crisis) of a `replying` row."""
    kept = json.loads(payload)
    replies = [Reply(text=item["text"], buttons=tuple(Button(label, data) for label, data in item["buttons"]))
               for item in kept["replies"]]
    return replies, bool(kept.get("crisis"))


def settle(session: Session, update: tuple[str, int], replies: list[Reply], *, crisis: bool) -> bool:
    """In the turn's transaction: the update's row keeps the replies still to send (or goes, when there are none).
    False when the row is no longer there to run (an erasure deleted it, or it ran elsewhere): the caller then rolls
    the turn back."""
    keys = {"s": update[0], "u": update[1]}
    if replies:
        result = session.connection().execute(_KEEP, {**keys, "replies": encode_replies(replies, crisis=crisis)})
    else:
        result = session.connection().execute(_DROP, keys)
    return result.rowcount == 1


def note_processed(session: Session, update: tuple[str, int], *, now: datetime) -> bool:
    """In the caller's transaction (a staff action's): note the update as processed; False when it was already."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(ProcessedUpdate).values(channel=update[0], update_id=update[1], processed_at=now)
                 .on_conflict_do_nothing(index_elements=["channel", "update_id"]).returning(ProcessedUpdate.update_id))
    return session.execute(statement).first() is not None


def drop_chat(session: Session, chat: str, *, keep: tuple[str, int] | None = None) -> int:
    """In the caller's transaction: delete every row of this chat still waiting, updates not yet run and replies not
    yet sent (an erasure of the citizen), but `keep` (source, update id: the turn running now); how many."""
    statement = delete(InboundUpdate).where(InboundUpdate.chat == chat)
    if keep is not None:
        statement = statement.where((InboundUpdate.source != keep[0]) | (InboundUpdate.update_id != keep[1]))
    return cast(CursorResult[Any], session.execute(statement.execution_options(synchronize_session=False))).rowcount


# The inbox's side -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Waiting:
    id: int
    update_id: int
    crisis_answered: bool
    state: str = RECEIVED

    @property
    def replying(self) -> bool:
        return self.state == REPLYING


@dataclass(frozen=True, slots=True)
class Done:
    """A row handled here: deleted by `finish`, with its update id noted as processed unless its turn did."""

    id: int
    source: str
    update_id: int
    noted: bool = False  # the turn's transaction noted the update id


class InboundStore:
    """Synchronous database work of the inbox (called in threads)."""

    def __init__(self, sessions: sessionmaker[Session], url: str, clock: Callable[[], datetime]) -> None:
        self.sessions, self.clock = sessions, clock
        self._serial = writer_lock(url)  # SQLite: queue with the turns' transactions instead of in busy waits
        self._postgresql = url.startswith("postgresql")
        insert = postgresql.insert if self._postgresql else sqlite.insert
        # Built once, run with a list of rows (executemany; RETURNING rows come back through SQLAlchemy's
        # insertmanyvalues): a statement built per call costs more to compile than to run.
        self._store = (insert(InboundUpdate).on_conflict_do_nothing(index_elements=["source", "update_id"])
                       .returning(InboundUpdate.id, InboundUpdate.source, InboundUpdate.update_id,
                                  sort_by_parameter_order=True))
        self._mark = insert(ProcessedUpdate).on_conflict_do_nothing(index_elements=["channel", "update_id"])
        self._delete = delete(InboundUpdate).where(InboundUpdate.id.in_(bindparam("ids", expanding=True)))
        self._waiting = (select(InboundUpdate.id, InboundUpdate.update_id, InboundUpdate.crisis_answered,
                                InboundUpdate.state)
                         .where(InboundUpdate.chat == bindparam("chat")).order_by(InboundUpdate.id))

    def store(self, *, source: str, update_id: int, chat: str, payload: str, crisis_answered: bool) -> bool:
        """Write the update durably (it records something beyond a dialogue step: the commit waits for the disk);
        False when it was stored already (a redelivery of an update still waiting)."""
        return self.store_many([{"source": source, "update_id": update_id, "chat": chat, "payload": payload,
                                 "crisis_answered": crisis_answered}])[0] is not None

    def store_many(self, rows: list[dict[str, Any]], *, done: list[Done] | None = None) -> list[int | None]:
        """Several updates in one transaction (one commit, one wait for the disk): for each, its row id, or None when
        it was stored already. `done`: rows handled since the last write, finished in the same transaction (a
        commit fewer)."""
        now = self.clock()
        with self._serial, self.sessions.begin() as session:
            if done:  # first: a redelivery of an update handled meanwhile is stored anew (its turn is a duplicate)
                self._finish(session, done, now)
            result = session.connection().execute(self._store, [{**row, "received_at": now, "state": RECEIVED}
                                                                for row in rows])
            new = {(source, update_id): row_id for row_id, source, update_id in result}
        return [new.get((row["source"], row["update_id"])) for row in rows]

    def chats(self) -> list[str]:
        with self.sessions() as session:
            return list(session.scalars(select(InboundUpdate.chat).distinct()))

    def waiting(self, chat: str) -> list[Waiting]:
        with self.sessions() as session:
            rows = session.connection().execute(self._waiting, {"chat": chat}).all()
        return [Waiting(*row) for row in rows]

    def count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(InboundUpdate)) or 0

    def payloads(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """id -> (source, payload)."""
        with self.sessions() as session:
            rows = session.execute(select(InboundUpdate.id, InboundUpdate.source, InboundUpdate.payload)
                                   .where(InboundUpdate.id.in_(ids))).all()
        return {row_id: (source, payload) for row_id, source, payload in rows}

    def kept(self, source: str, update_id: int) -> str | None:
        """The replies a turn kept in this update's row (None when the row is not `replying`)."""
        with self.sessions() as session:
            return session.scalar(select(InboundUpdate.payload).where(
                InboundUpdate.source == source, InboundUpdate.update_id == update_id, InboundUpdate.state == REPLYING))

    def finish(self, rows: list[Done] | list[tuple[int, str, int]], *,
               record: Callable[[Session], None] | None = None) -> None:
        """Delete the handled rows and note the update ids their turns did not (rows given as (id, source, update id)
        are noted), in one transaction (with `record`'s writes). A delete lost in a crash only runs the update again
        as a duplicate (or sends a turn's replies once more): on PostgreSQL it need not wait for the disk when it
        writes nothing else."""
        done = [row if isinstance(row, Done) else Done(*row) for row in rows]
        with self._serial, self.sessions.begin() as session:
            self._finish(session, done, self.clock())
            if record is not None:
                record(session)
            if self._postgresql:
                commit_without_waiting_for_disk(session)

    def _finish(self, session: Session, rows: list[Done], now: datetime) -> None:
        connection = session.connection()
        connection.execute(self._delete, {"ids": [row.id for row in rows]})
        marks = [{"channel": row.source, "update_id": row.update_id, "processed_at": now}
                 for row in rows if not row.noted]
        if marks:
            connection.execute(self._mark, marks)

    def drop_chat(self, chat: str) -> int:
        """Delete what waits of a chat (updates and replies), in a transaction of its own; how many."""
        with self._serial, self.sessions.begin() as session:
            return drop_chat(session, chat)


class ChatGate:
    """Per-chat exclusivity across processes: PostgreSQL session advisory locks, all held on one connection of this
    process (released by the server if the process dies); on SQLite (one instance) the in-process pump suffices."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._mutex = threading.Lock()
        self._connection: Any = None

    def _run(self, sql: str, chat: str) -> bool:
        with self._mutex:
            for attempt in range(2):
                try:
                    if self._connection is None:
                        self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                    return bool(self._connection.execute(text(sql), {"space": LOCK_SPACE, "chat": chat}).scalar())
                except SQLAlchemyError:
                    with contextlib.suppress(SQLAlchemyError):
                        if self._connection is not None:
                            self._connection.invalidate()
                    self._connection = None
                    if attempt:
                        raise
                    logger.error("the chat lock connection was lost; reconnecting (locks held on it are gone)")
        return False

    def take(self, chat: str) -> bool:
        return not self.shared or self._run("SELECT pg_try_advisory_lock(:space, hashtext(:chat))", chat)

    def give_back(self, chat: str) -> None:
        if self.shared:
            self._run("SELECT pg_advisory_unlock(:space, hashtext(:chat))", chat)

    def close(self) -> None:
        with self._mutex:
            if self._connection is not None:
                with contextlib.suppress(SQLAlchemyError):
                    self._connection.invalidate()  # really closed, not pooled: the server releases its locks
                    self._connection.close()
                self._connection = None
