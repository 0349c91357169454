"""`lahitori flows publish | versions | diff | export | rollback`: the published flow versions
(bot/flowspec/versions.py). `lahitori flows validate` stays in bot/cli.py."""
from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from bot.config import Settings, load_settings


def register(flows: argparse._SubParsersAction) -> None:
    """Add the version commands to `lahitori flows`."""
    def command(name: str, help_text: str, func) -> argparse.ArgumentParser:  # noqa: ANN001
        parser = flows.add_parser(name, help=help_text)
        parser.add_argument("--db", help="database URL (overrides DATABASE_URL)")
        parser.set_defaults(func=func)
        return parser

    publish = command("publish", "validate flows and store them as the next version", cmd_publish)
    publish.add_argument("path", nargs="?", help="directory of flow files (default: FLOWS_DIR)")
    publish.add_argument("--note", default="", help="what changed (at most 500 characters)")
    publish.add_argument("--by", help="who publishes (default: admin:<login name>)")
    command("versions", "the published versions, the newest first", cmd_versions)
    diff = command("diff", "what changed from version A to version B (unified diff)", cmd_diff)
    diff.add_argument("a", type=int)
    diff.add_argument("b", type=int)
    export = command("export", "write a version's files into a directory", cmd_export)
    export.add_argument("version", type=int)
    export.add_argument("path")
    export.add_argument("--replace", action="store_true",
                        help="replace the flow files already in the directory (those not in the version go)")
    rollback = command("rollback", "publish an earlier version's content again as the newest version", cmd_rollback)
    rollback.add_argument("version", type=int)
    rollback.add_argument("--by", help="who publishes (default: admin:<login name>)")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(**({"DATABASE_URL": args.db} if args.db else {}))


@contextlib.contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """One transaction on a migrated database (NotMigrated otherwise: `lahitori` prints it, exit 2)."""
    from bot.db.session import make_engine, make_sessionmaker, require_migrated

    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        with make_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def _by(args: argparse.Namespace) -> str:
    if args.by:
        return args.by
    try:
        return f"admin:{getpass.getuser()}"
    except (OSError, KeyError):
        return "admin"


def _missing(number: int) -> int:
    print(f"no flow version {number}: `lahitori flows versions` lists them", file=sys.stderr)
    return 1


def cmd_publish(args: argparse.Namespace) -> int:
    from bot.flowspec.validate import validate_dir
    from bot.flowspec.versions import NOTE_MAX, latest, publish, read_files

    settings = _settings(args)
    path = Path(args.path) if args.path else settings.flows_dir
    if not path.is_dir():
        print(f"{path}:1: not a directory of flow files", file=sys.stderr)
        return 1
    if len(args.note) > NOTE_MAX:
        print(f"--note: at most {NOTE_MAX} characters (this one has {len(args.note)})", file=sys.stderr)
        return 1
    _loaded, problems = validate_dir(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {path}: nothing published", file=sys.stderr)
        return 1
    files = read_files(path)
    with _session(settings) as session:
        before = latest(session)
        version = publish(session, files, by=_by(args), note=args.note)
        number = version.id
    if before is not None and before.id == number:
        print(f"nothing published: the flows in {path} are the same as the newest version, {number}")
    else:
        print(f"published flow version {number} ({len(files)} files)")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from bot.flowspec.versions import history, when

    settings = _settings(args)
    with _session(settings) as session:
        rows = [(version.id, when(version, settings.timezone), version.created_by, version.note)
                for version in history(session)]
    if not rows:
        print("no published flow versions yet (`lahitori flows publish`, or start the bot)")
        return 0
    by_width = max(len("by"), *(len(by) for _n, _w, by, _note in rows))
    print(f"{'version':>7}  {'published':<20} {'by':<{by_width}}  note")
    for number, published, by, note in rows:
        print(f"{number:>7}  {published:<20} {by:<{by_width}}  {note}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from bot.flowspec.versions import diff, get

    with _session(_settings(args)) as session:
        a, b = get(session, args.a), get(session, args.b)
        if a is None or b is None:
            return _missing(args.a if a is None else args.b)
        text = diff(a, b)
    if text:
        print(text, end="")
    else:
        print(f"versions {args.a} and {args.b} have the same flows")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.flowspec.versions import export, get

    with _session(_settings(args)) as session:
        version = get(session, args.version)
        if version is None:
            return _missing(args.version)
        try:
            export(version, Path(args.path), replace=args.replace)
        except (FileExistsError, OSError) as error:
            print(f"{args.path}: {error}", file=sys.stderr)
            return 1
        count = len(version.files)
    print(f"flow version {args.version} written to {args.path} ({count} files)")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from bot.flowspec.registry import FlowsInvalid
    from bot.flowspec.versions import get, latest, publish

    settings = _settings(args)
    with _session(settings) as session:
        old = get(session, args.version)
        if old is None:
            return _missing(args.version)
        before = latest(session)
        try:
            version = publish(session, dict(old.files), by=_by(args), note=f"rollback to v{args.version}")
        except FlowsInvalid as error:
            for problem in error.problems:
                print(problem)
            print(f"version {args.version} does not validate with this release: nothing published", file=sys.stderr)
            return 1
        number = version.id
    if before is not None and before.id == number:
        print(f"nothing published: version {args.version}'s flows are already the newest version, {number}")
        return 0
    print(f"published flow version {number}: the flows of version {args.version}")
    print(f"FLOWS_DIR is unchanged: the bot runs version {number} when FLOWS_DIR is invalid at start, and a start "
          f"with a valid FLOWS_DIR publishes that instead; to make it the flows, run `lahitori flows export {number} "
          f"{settings.flows_dir} --replace`")
    return 0
