"""`lahitori stats --from DATE --to DATE [--format table|csv|json] [--group day|week|month] [--lang fi|sv]`: the
lähitori's figures (bot/handoff/stats_report.py) in the terminal, every table; csv puts a blank line between tables."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

FORMATS = ("table", "csv", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    stats = subparsers.add_parser("stats", help="the lähitori's statistics for a date range (cells under 5 hidden)")
    stats.add_argument("--from", dest="since", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    stats.add_argument("--to", dest="until", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    stats.add_argument("--format", choices=FORMATS, default="table")
    stats.add_argument("--group", choices=("day", "week", "month"), default="day", help="rows per period")
    stats.add_argument("--lang", choices=("fi", "sv"), default="fi", help="language of the labels")
    stats.add_argument("--table", help="only this table (its key, as in the JSON: contacts, topics, ...)")
    stats.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    stats.set_defaults(func=cmd_stats)


def _day(value: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(value) if len(value) == 10 and value[4] == "-" else None
    except ValueError:
        return None


def cmd_stats(args: argparse.Namespace) -> int:
    from bot import crypto
    from bot.config import load_settings
    from bot.db.session import make_engine, make_sessionmaker, require_migrated
    from bot.flowspec.registry import FlowRegistry
    from bot.handoff import stats_report, stats_text
    from bot.i18n import I18n

    since, until = _day(args.since), _day(args.until)
    for day, option in ((since, "--from"), (until, "--to")):
        if day is None:
            print(f"lahitori stats: {option}: use YYYY-MM-DD", file=sys.stderr)
            return 2
    assert since is not None and until is not None
    if until < since:
        print("lahitori stats: --to is before --from", file=sys.stderr)
        return 2
    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    crypto.install(crypto.cipher_from_settings(settings))
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        with make_sessionmaker(engine)() as session:
            report = stats_report.report(session, since, until, args.group, tz=settings.timezone, with_comments=False)
    finally:
        engine.dispose()
    if args.table:
        if args.table not in {table.key for table in report.tables}:
            keys = ", ".join(table.key for table in report.tables)
            print(f"lahitori stats: --table: no table {args.table!r}; the tables: {keys}", file=sys.stderr)
            return 2
        report.tables = [report.table(args.table)]
    if args.format == "json":
        print(json.dumps(stats_text.to_json(report), ensure_ascii=False, indent=1))
        return 0
    say = stats_text.Say(lang=args.lang, i18n=I18n(settings.locales_dir), flows=FlowRegistry(settings.flows_dir),
                         units=report.units)
    if args.format == "csv":
        print("\n".join(f"# {table.key}\n{stats_text.to_csv(table, say)}" for table in report.tables), end="")
    else:
        print(stats_text.to_text(report, say), end="")
    return 0
