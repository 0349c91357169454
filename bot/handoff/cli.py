"""`lahitori staff`: the administrator's commands for coordinators (list them, make a link code, unlink a chat) and
for the units' staff group chats (list them, approve the one a coordinator asked for, revoke)."""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    staff = subparsers.add_parser("staff", help="coordinators: list, link codes for Telegram, unlink; staff groups")
    staff.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    commands.add_parser("list", help="coordinators with unit, pair, Telegram link and absence").set_defaults(
        func=cmd_list)
    code = commands.add_parser("link-code", help="a one-time code the coordinator sends to the bot: /link CODE")
    code.add_argument("coordinator", help="coordinator id, or 'First Last', or a first name that is unique")
    code.add_argument("--hours", type=float, default=24.0, help="how long the code is valid (at most 24, the default)")
    code.add_argument("--bot", help="the bot's @username for the link to open (default: TELEGRAM_BOT_USERNAME)")
    code.set_defaults(func=cmd_link_code)
    unlink = commands.add_parser("unlink", help="detach a coordinator's Telegram chat (a lost phone, a leaver)")
    unlink.add_argument("coordinator")
    unlink.set_defaults(func=cmd_unlink)
    group = commands.add_parser("group", help="units' staff group chats: list, approve, revoke")
    groups = group.add_subparsers(dest="group_command", required=True)
    groups.add_parser("list", help="every unit with its approved group and the one waiting for approval").set_defaults(
        func=cmd_group_list)
    approve = groups.add_parser("approve", help="the group a coordinator asked for with /unitgroup gets the cases")
    approve.add_argument("unit", help="the unit's code (see `lahitori staff group list`)")
    approve.set_defaults(func=cmd_group_approve)
    revoke = groups.add_parser("revoke", help="the unit's group gets nothing more; a waiting request is turned down")
    revoke.add_argument("unit")
    revoke.set_defaults(func=cmd_group_revoke)


def _sessions(args: argparse.Namespace):  # noqa: ANN202
    from bot import crypto
    from bot.db.session import make_engine, make_sessionmaker, require_migrated

    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    args.settings = settings
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


def _in_one_transaction(args: argparse.Namespace, lookup, action, *, prefix: str = "") -> int:  # noqa: ANN001
    """Run `action(session, lookup(session))` in one transaction and print the line it returns; a wrong name or
    a refusal is one line on stderr and exit 1."""
    from bot.handoff import staff

    engine, sessions = _sessions(args)
    try:
        with sessions.begin() as session:
            line = action(session, lookup(session))
    except (LookupError, staff.StaffError) as error:
        print(f"lahitori: {prefix}{error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(line)
    return 0


def _on_coordinator(args: argparse.Namespace, action) -> int:  # noqa: ANN001
    """`action(session, person)` on the coordinator `args.coordinator` names."""
    return _in_one_transaction(args, lambda session: find(session, args.coordinator), action)


def cmd_link_code(args: argparse.Namespace) -> int:
    from bot.db.types import utcnow
    from bot.handoff import staff_link

    if not 0 < args.hours <= staff_link.MAX_TTL.total_seconds() / 3600:
        print("lahitori: --hours: a link code lives at most 24 hours: give more than 0 and at most 24",
              file=sys.stderr)
        return 2
    if args.bot is not None and staff_link.BOT_USERNAME.fullmatch(args.bot.strip()) is None:
        print(f"lahitori: --bot: '{args.bot}' is not a Telegram bot username (letters, digits and _, 5-32 characters)",
              file=sys.stderr)
        return 2

    def make(session: Session, person) -> str:  # noqa: ANN001
        code = staff_link.create_link_code(session, coordinator_id=person.id, now=utcnow(),
                                           ttl=timedelta(hours=args.hours), created_by="admin")
        line = (f"{person.first_name} {person.last_name}: send /link {code} to the bot in Telegram "
                f"within {args.hours:g} hours (the code works once)")
        bot = args.bot or args.settings.telegram_bot_username
        if bot is None:
            return line + ".\n(Set TELEGRAM_BOT_USERNAME or give --bot NAME for a link that does the same.)"
        return line + f",\nor open {staff_link.deep_link(code, bot_username=bot)} in Telegram and press Start."

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


# Staff group chats -------------------------------------------------------------------------------------------

def find_unit(session: Session, code: str):  # noqa: ANN201
    """The unit `code` names (its code, any case, or its id), or a one-line error naming what to type instead."""
    from bot.db.models import Unit

    wanted = code.strip().casefold()
    unit = session.get(Unit, int(wanted)) if wanted.isdigit() else None
    unit = unit or next((u for u in session.scalars(select(Unit)) if u.code.casefold() == wanted), None)
    if unit is None:
        raise LookupError(f"no unit is '{code}': see `lahitori staff group list` for the codes")
    return unit


def cmd_group_list(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.handoff.staff_group import unit_groups

    engine, sessions = _sessions(args)
    tz = ZoneInfo(args.settings.timezone)
    with sessions() as session:
        print(f"{'unit':<12} {'name':<28} {'approved group':<16} waiting for approval")
        for row in unit_groups(session):
            waiting = row.pending or "–"
            if row.pending and row.asked_by is not None and row.asked_at is not None:
                waiting += (f" (asked by {row.asked_by.first_name} {row.asked_by.last_name} "
                            f"{row.asked_at.astimezone(tz):%-d.%-m.%Y %H.%M}; approve: "
                            f"lahitori staff group approve {row.unit.code})")
            print(f"{row.unit.code:<12} {row.unit.name_fi:<28} {row.approved or '–':<16} {waiting}")
    engine.dispose()
    return 0


def _on_unit(args: argparse.Namespace, action) -> int:  # noqa: ANN001
    """`action(session, unit)` on the unit `args.unit` names."""
    return _in_one_transaction(args, lambda session: find_unit(session, args.unit), action, prefix=f"{args.unit}: ")


def cmd_group_approve(args: argparse.Namespace) -> int:
    from bot.db.types import utcnow
    from bot.handoff.staff_group import approve_unit_group

    def approve(session: Session, unit) -> str:  # noqa: ANN001
        previous = unit.staff_chat_id
        approve_unit_group(session, unit_id=unit.id, now=utcnow(), actor="admin")
        replaced = f" (instead of {previous})" if previous and previous != unit.staff_chat_id else ""
        return (f"{unit.code}: group {unit.staff_chat_id} approved{replaced}: "
                "it now gets the unit's new and escalated cases and its crisis alerts.")

    return _on_unit(args, approve)


def cmd_group_revoke(args: argparse.Namespace) -> int:
    from bot.db.types import utcnow
    from bot.handoff.staff_group import revoke_unit_group

    def revoke(session: Session, unit) -> str:  # noqa: ANN001
        approved, pending = revoke_unit_group(session, unit_id=unit.id, now=utcnow(), actor="admin")
        done = [f"group {approved} gets nothing more"] if approved else []
        done += [f"the request of group {pending} is turned down"] if pending else []
        return f"{unit.code}: {' and '.join(done)}."

    return _on_unit(args, revoke)
