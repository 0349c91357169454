"""`lahitori users add|list|disable|reset-password` (console accounts) and `lahitori web` (the console)."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.db.types import utcnow
from nlu.types import Prediction

logger = logging.getLogger(__name__)


def _sessions(args: argparse.Namespace):  # noqa: ANN202 - a sessionmaker and its engine
    from bot import crypto
    from bot.cli import _settings
    from bot.db.session import make_engine, make_sessionmaker, require_migrated

    settings = _settings(args)
    crypto.install(crypto.cipher_from_settings(settings))  # audit details are encrypted
    engine = make_engine(settings.database_url)
    require_migrated(engine)
    return make_sessionmaker(engine), engine


def _password(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise SystemExit("lahitori: give the password on standard input with --password-stdin")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from bot.web import accounts

    sessions, engine = _sessions(args)
    try:
        with sessions.begin() as session:
            if args.users_command == "add":
                account = accounts.add(session, username=args.username, password=_password(args), role=args.role,
                                       coordinator=args.coordinator, language=args.language, now=utcnow())
                print(f"added {account.username} ({account.role}"
                      + (f", {account.display_name}" if account.coordinator_id else "") + ")")
            elif args.users_command == "list":
                for account in accounts.listing(session):
                    state = "disabled" if account.disabled_at else "active"
                    person = account.coordinator.full_name if account.coordinator else "–"
                    demo = "  (demo)" if accounts.is_demo(session, account) else ""
                    print(f"{account.username:20} {account.role:6} {state:9} {account.language}  {person}{demo}")
            elif args.users_command == "disable":
                account = accounts.disable(session, username=args.username, now=utcnow())
                print(f"disabled {account.username}: signed out everywhere")
            else:
                account = accounts.reset_password(session, username=args.username, password=_password(args),
                                                  now=utcnow())
                print(f"new password set for {account.username}: signed out everywhere")
    except accounts.AccountError as error:
        print(f"lahitori: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """The console alone: its lifespan runs the staff jobs (escalation, staff e-mail), so they run with no bot."""
    import asyncio
    import signal

    from bot.cli import _settings
    from bot.services import build
    from bot.web.server import Console, bind

    settings = _settings(args)
    services = build(settings, classifier=_NoClassifier())  # the console classifies nothing; NotMigrated: one line
    from bot.flowspec.startup import follow_published

    follow_published(services)  # the flows the bot runs: labels of answers, the topics' names
    try:
        sock = bind(args.host or settings.web_host, args.port or settings.web_port)
        console = Console(services, sock, jobs=True, signals=True)
        print(f"lahitori: staff console on {console.url} (Ctrl+C stops)", file=sys.stderr)
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # systemd's stop: the same clean end as Ctrl+C
        asyncio.run(console.serve())  # uvicorn stops gracefully on the signal, then raises it again
    except KeyboardInterrupt:
        pass
    finally:
        services.close()
    return 0


class _NoClassifier:
    """The console needs no NLU; the Services object has a slot for it (try-it builds the real one when asked)."""

    console_only = True

    def predict(self, text: str) -> Prediction:
        return Prediction.nothing(backend="console")


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="staff console accounts: add, list, disable, reset-password")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add an account (the password on standard input)")
    add.add_argument("username")
    add.add_argument("--role", choices=["staff", "admin"], required=True)
    add.add_argument("--coordinator", help='the coordinator the account is, e.g. "Sari Laine" (required for staff)')
    add.add_argument("--language", choices=["fi", "sv"], help="console language (default: the coordinator's first)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users_sub.add_parser("list", help="the accounts")
    disable = users_sub.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("username")
    reset = users_sub.add_parser("reset-password", help="set a new password (on standard input), ending its sessions")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for parser in users_sub.choices.values():
        parser.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    users.set_defaults(func=cmd_users)

    web = sub.add_parser("web", help="the staff console (WEB_HOST, WEB_PORT)")
    web.add_argument("--host", help="address to listen on (default WEB_HOST)")
    web.add_argument("--port", type=int, help="port (default WEB_PORT)")
    web.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    web.set_defaults(func=cmd_web)
