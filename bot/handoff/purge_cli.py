"""`lahitori purge [--dry-run]`: the retention purge now (bot/handoff/retention.py), one line per kind removed."""
from __future__ import annotations

import argparse

from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    purge = subparsers.add_parser("purge", help="remove what has outlived its retention period "
                                                "(RETENTION_*_DAYS); --dry-run only counts")
    purge.add_argument("--dry-run", action="store_true", help="count what would be removed, remove nothing")
    purge.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    purge.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from bot import crypto
    from bot.db.session import make_engine, make_sessionmaker, require_migrated, writer_lock
    from bot.db.types import utcnow
    from bot.handoff.audit import record
    from bot.handoff.retention import KINDS, PURGED, Periods, purge

    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    crypto.install(crypto.cipher_from_settings(settings))  # audit details and erased rows are encrypted
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        now = utcnow()
        with writer_lock(settings.database_url), make_sessionmaker(engine)() as session:
            counts = purge(session, now=now, periods=Periods.from_settings(settings), dry_run=args.dry_run)
            if args.dry_run:
                session.rollback()
            else:
                record(session, actor="admin", action=PURGED, details=counts, at=now)
                session.commit()
    finally:
        engine.dispose()
    if args.dry_run:
        print("dry run: nothing was removed; a purge now would remove:")
    for kind, label in KINDS.items():
        print(f"{label}: {counts[kind]}")
    return 0
