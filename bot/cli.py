"""The `lahitori` command: db, flows, chat, demo, staff, run, nlu, keygen."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot import logs
from bot.config import ConfigError, Settings, load_settings

logger = logging.getLogger("lahitori")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "db", None):
        overrides["DATABASE_URL"] = args.db
    return load_settings(**overrides)


def cmd_db(args: argparse.Namespace) -> int:
    from bot.db.session import current_revision, downgrade, head_revision, make_engine, upgrade

    settings = _settings(args)
    if args.action in ("upgrade", "downgrade"):
        from bot import crypto

        crypto.install(crypto.cipher_from_settings(settings))  # a migration may encrypt what rows hold
    if args.action == "upgrade":
        upgrade(settings.database_url)
        print(f"database is at migration {head_revision()}")
    elif args.action == "downgrade":
        downgrade(settings.database_url, args.revision)
        print(f"database downgraded to {args.revision}")
    else:
        engine = make_engine(settings.database_url)
        print(f"current: {current_revision(engine) or 'none'}; newest: {head_revision()}")
        engine.dispose()
    return 0


def cmd_flows_validate(args: argparse.Namespace) -> int:
    from bot.flowspec.validate import validate_dir

    path = Path(args.path) if args.path else load_settings().flows_dir
    if not path.is_dir():
        print(f"{path}:1: not a directory of flow files", file=sys.stderr)
        return 1
    loaded, problems = validate_dir(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    steps = sum(len(item.flow.steps) for item in loaded)
    print(f"ok: {len(loaded)} flows, {steps} steps, every text in fi and sv")
    return 0


def _services(args: argparse.Namespace):
    from bot.services import build

    return build(_settings(args))


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.terminal import TerminalChat
    from bot.conversation import TurnRunner
    from bot.flowspec.startup import follow_published

    services = _services(args)
    follow_published(services)  # a publish or rollback in the console is live in this chat within seconds
    console = None
    if not args.verbose:  # the chat is the terminal's: operational warnings (-v shows them) would break into it
        logging.getLogger().setLevel(logging.ERROR)
    try:
        if args.console:  # the staff console beside the chat, in a thread, with the staff jobs (no bot runs)
            from bot.web.server import Console, bind

            settings = services.settings
            console = Console(services, bind(settings.web_host, settings.web_port), jobs=True)
            console.start_thread()
            print(f"lahitori: staff console on {console.url} while this chat runs "
                  "(the accounts `lahitori demo` printed sign in)", file=sys.stderr)
        chat = TerminalChat(TurnRunner(services), user=args.user, lang=args.lang, as_json=args.json, out=sys.stdout)
        return chat.run(sys.stdin)
    except KeyboardInterrupt:
        return 0
    finally:
        if console is not None:
            console.stop_thread()
        services.close()


def cmd_demo(args: argparse.Namespace) -> int:
    from bot import crypto
    from bot.db.session import make_engine, make_sessionmaker, upgrade
    from bot.db.types import utcnow
    from bot.demo import seed, seed_accounts

    settings = _settings(args)
    crypto.install(crypto.cipher_from_settings(settings))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine).begin() as session:
        units, people = seed(session)
        demo_accounts = seed_accounts(session, now=utcnow())
    engine.dispose()
    print(f"demo data ready in {engine.url.render_as_string(hide_password=True)}: {units} units and {people} "
          "coordinators added (all marked demo). Try: lahitori chat")
    made = [item for item in demo_accounts if item.password]
    if made:
        print("staff console accounts (the passwords are shown only now):")
        print(f"  {'username':9} {'password':17} {'role':6} who")
        for item in made:
            print(f"  {item.username:9} {item.password:17} {item.role:6} "
                  f"{item.who if item.role == 'staff' else 'every unit'}")
        print(f"sign in at http://{settings.web_host}:{settings.web_port}/ while `lahitori web` or "
              "`lahitori chat --console` runs")
    kept = [item.username for item in demo_accounts if item.note.startswith("exists")]
    if kept:
        print(f"console accounts {', '.join(kept)} exist: their passwords are unchanged "
              "(a new one: lahitori users reset-password NAME --password-stdin)")
    for item in demo_accounts:
        if not item.password and not item.note.startswith("exists"):
            print(f"console account {item.username}: {item.note}")
    return 0


def cmd_keygen(_args: argparse.Namespace) -> int:
    from bot.crypto import new_key

    print(new_key())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lahitori", description="Lähitori guidance bot")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "current", "downgrade"])
    db.add_argument("revision", nargs="?", default="base")
    db.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    db.set_defaults(func=cmd_db)

    flows = sub.add_parser("flows", help="flow files")
    flows_sub = flows.add_subparsers(dest="flows_command", required=True)
    validate = flows_sub.add_parser("validate", help="check flows; prints file:line: problem")
    validate.add_argument("path", nargs="?")
    validate.set_defaults(func=cmd_flows_validate)
    from bot.flowspec.cli import register as register_versions

    register_versions(flows_sub)  # publish, versions, diff, export, rollback

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=["fi", "sv"])
    chat.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    chat.add_argument("--json", action="store_true", help="one JSON object per reply")
    chat.add_argument("--user", default="local", help="who you are in the bot's eyes (default: local)")
    chat.add_argument("--console", action="store_true",
                      help="serve the staff console (WEB_HOST, WEB_PORT) while the chat runs")
    chat.set_defaults(func=cmd_chat)

    demo = sub.add_parser("demo", help="migrate the database; add demo units, coordinators and console accounts")
    demo.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    demo.set_defaults(func=cmd_demo)

    keygen = sub.add_parser("keygen", help="print a new DATA_KEY")
    keygen.set_defaults(func=cmd_keygen)
    from bot.db.rekey import register as register_rekey

    register_rekey(sub)  # rekey: everything under the first DATA_KEY key

    from bot.handoff.cli import register as register_staff

    register_staff(sub)
    from bot.handoff.purge_cli import register as register_purge

    register_purge(sub)  # purge [--dry-run]: retention
    from bot.handoff.stats_cli import register as register_stats

    register_stats(sub)  # stats --from --to [--format table|csv|json]: the lähitori's figures
    from bot.web.cli import register as register_web

    register_web(sub)  # users add|list|disable|reset-password, web: the staff console

    try:
        from nlu.cli import register
    except ImportError:  # pragma: no cover - the NLU package is part of the project
        pass
    else:
        nlu = sub.add_parser("nlu", help="intent classifier: train, predict, evaluate")
        register(nlu.add_subparsers(dest="nlu_command", required=True))

    try:
        from bot.channels.telegram_cli import register as register_run
    except ImportError:
        pass
    else:
        register_run(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.db.session import NotMigrated
    from bot.flowspec.registry import FlowsInvalid

    args = build_parser().parse_args(argv)
    logs.configure(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return args.func(args)
    except (ConfigError, NotMigrated) as error:
        print(f"lahitori: {error}", file=sys.stderr)
        return 2
    except FlowsInvalid as error:
        print(error, file=sys.stderr)
        print("lahitori: the flows have problems (above); fix them or run `lahitori flows validate`", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
