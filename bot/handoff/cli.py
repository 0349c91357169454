"""`lahitori staff`: the administrator's commands for coordinators: list them, make a link code, unlink a chat."""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    staff = subparsers.add_parser("staff", help="coordinators: list, link codes for Telegram, unlink")
    staff.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    commands.add_parser("list", help="coordinators with unit, pair, Telegram link and absence").set_defaults(
        func=cmd_list)
    code = commands.add_parser("link-code", help="a one-time code the coordinator sends to the bot: /link CODE")
    code.add_argument("coordinator", help="coordinator id, or 'First Last', or a first name that is unique")
    code.add_argument("--hours", type=float, default=24.0, help="how long the code is valid (default 24)")
    code.set_defaults(func=cmd_link_code)
    unlink = commands.add_parser("unlink", help="detach a coordinator's Telegram chat (a lost phone, a leaver)")
    unlink.add_argument("coordinator")
    unlink.set_defaults(func=cmd_unlink)


def _sessions(args: argparse.Namespace):  # noqa: ANN202
    from bot import crypto
    from bot.db.session import make_engine, make_sessionmaker, require_migrated

    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    crypto.install(crypto.cipher_from_settings(settings))
    engine = make_engine(settings.database_url)
    require_migrated(engine)
    return engine, make_sessionmaker(engine)


def find(session: Session, who: str):  # noqa: ANN201
    """The coordinator `who` names, or a one-line error naming what to type instead."""
    from bot.db.models import Coordinator

    if who.isdigit():
        person = session.get(Coordinator, int(who))
        found = [person] if person else []
    else:
        people = list(session.scalars(select(Coordinator).order_by(Coordinator.id)))
        wanted = who.strip().casefold()
        found = [c for c in people if f"{c.first_name} {c.last_name}".casefold() == wanted] or \
                [c for c in people if c.first_name.casefold() == wanted]
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"no coordinator is '{who}': see `lahitori staff list` for ids and names")
    raise LookupError(f"'{who}' names {len(found)} coordinators: use the id or 'First Last' "
                      f"({', '.join(str(c.id) for c in found)})")


def cmd_list(args: argparse.Namespace) -> int:
    from bot.db.models import Coordinator
    from bot.db.types import utcnow
    from bot.handoff.routing import is_absent

    engine, sessions = _sessions(args)
    with sessions() as session:
        now = utcnow()
        print(f"{'id':>4}  {'name':<24} {'unit':<10} {'pair':<20} {'telegram':<9} status")
        for person in session.scalars(select(Coordinator).order_by(Coordinator.unit_id, Coordinator.id)):
            pair = f"{person.pair.first_name} {person.pair.last_name}" if person.pair else "–"
            status = "inactive" if not person.active else ("away" if is_absent(person, now) else "at work")
            print(f"{person.id:>4}  {person.first_name + ' ' + person.last_name:<24} {person.unit.code:<10} "
                  f"{pair:<20} {'linked' if person.telegram_chat_id else '–':<9} {status}")
    engine.dispose()
    return 0


def _on_coordinator(args: argparse.Namespace, action) -> int:  # noqa: ANN001
    """Run `action(session, person)` in one transaction on the coordinator `args.coordinator` names and print
    the line it returns; a wrong name or a refusal is one line on stderr and exit 1."""
    from bot.handoff import staff

    engine, sessions = _sessions(args)
    try:
        with sessions.begin() as session:
            line = action(session, find(session, args.coordinator))
    except (LookupError, staff.StaffError) as error:
        print(f"lahitori: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(line)
    return 0


def cmd_link_code(args: argparse.Namespace) -> int:
    from bot.db.types import utcnow
    from bot.handoff import staff

    if not 0 < args.hours <= 24 * 14:
        print("lahitori: --hours: give 1 to 336 hours", file=sys.stderr)
        return 2

    def make(session: Session, person) -> str:  # noqa: ANN001
        code = staff.create_link_code(session, coordinator_id=person.id, now=utcnow(),
                                      ttl=timedelta(hours=args.hours), created_by="admin")
        return (f"{person.first_name} {person.last_name}: send /link {code} to the bot in Telegram "
                f"within {args.hours:g} hours (the code works once).")

    return _on_coordinator(args, make)


def cmd_unlink(args: argparse.Namespace) -> int:
    from bot.db.types import utcnow
    from bot.handoff.audit import record

    def unlink(session: Session, person) -> str:  # noqa: ANN001
        was = person.telegram_chat_id is not None
        person.telegram_chat_id = None
        record(session, actor="admin", action="staff_unlinked", at=utcnow(),
               details={"coordinator_id": person.id, "was_linked": was})
        return f"{person.first_name} {person.last_name}: {'Telegram chat unlinked' if was else 'was not linked'}"

    return _on_coordinator(args, unlink)
