"""The flows the bot starts with, the same on SQLite and PostgreSQL; flows never keep it from starting.

FLOWS_DIR when it validates (published as a new version first when its content was never published: a new release or
an edit; content published before, such as the repository's files after an admin published or rolled back, does not
override the newest version); else the newest published version that validates, written to a private temporary
directory; else, with no such version (or no database to ask), the built-in fallback below, which answers every
message with whom to call. One line on stderr says which whenever it is not FLOWS_DIR. The crisis guard runs before
any flow either way, in code. Once running, the bot follows the newest published version (bot/flowspec/live.py).
"""
from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.flowspec.loader import Problem
from bot.flowspec.registry import FlowsInvalid, load_flowset

logger = logging.getLogger(__name__)

START_NOTE = "from FLOWS_DIR at start-up"
TRIED = 20  # published versions looked at, newest first, for one that validates with this release

FALLBACK = {
    "fi": ("Olen juuri nyt suppeassa tilassa enkä pysty opastamaan tavalliseen tapaan. Soita lähitoriin, niin "
           "saat apua: {phones}. Jos joku on hengenvaarassa, soita heti hätänumeroon 112."),
    "sv": ("Jag fungerar just nu bara i begränsad omfattning och kan inte ge råd som vanligt. Ring närtorget, så "
           "får du hjälp: {phones}. Om någon är i livsfara, ring genast nödnumret 112."),
}
FALLBACK_TOPIC = {"fi": "Tässä asiassa saat apua lähitorista: {phones}.",
                  "sv": "I det här ärendet får du hjälp av närtorget: {phones}."}


def unit_phones(settings: Settings) -> dict[str, str]:
    """'Porvoon lähitori 040 000 1001, ...' per language, from the units in the database (empty if unreadable)."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(settings.database_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT name_fi, name_sv, phone FROM unit ORDER BY id")).all()
        engine.dispose()
    except Exception:  # noqa: BLE001 - the fallback must start whatever the database says
        rows = []
    return {"fi": ", ".join(f"{fi} {phone}" for fi, _sv, phone in rows),
            "sv": ", ".join(f"{sv} {phone}" for _fi, sv, phone in rows)}


def write_fallback_flows(directory: Path, phones: dict[str, str]) -> None:
    """The built-in flows: the entry says whom to call (the lähitori and 112), and every service topic too."""
    import yaml

    from nlu.types import SERVICE_TOPICS

    def words(template: dict[str, str]) -> dict[str, str]:
        return {lang: template[lang].format(phones=phones.get(lang) or "112").replace(": 112.", ".")
                for lang in ("fi", "sv")}

    directory.mkdir(parents=True, exist_ok=True)
    main = {"id": "main", "title": {"fi": "Alku", "sv": "Början"}, "start": "welcome",
            "steps": {"welcome": {"kind": "topic", "menu": False, "text": words(FALLBACK),
                                  "fallback": words(FALLBACK)}}}
    (directory / "main.yaml").write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    for topic in SERVICE_TOPICS:
        flow = {"id": topic, "topic": topic, "title": {"fi": topic, "sv": topic}, "start": "call",
                "steps": {"call": {"kind": "message", "text": words(FALLBACK_TOPIC), "next": "main.welcome"}}}
        (directory / f"{topic}.yaml").write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")


def _sessions(settings: Settings):  # noqa: ANN202
    """An engine and its sessionmaker on a migrated database (NotMigrated or a database error otherwise)."""
    from bot.db.session import make_engine, make_sessionmaker, require_migrated

    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, make_sessionmaker(engine)


def publish_flows_dir(settings: Settings) -> int | None:
    """Publish FLOWS_DIR (already validated) when its content was never published; the new version's number, or
    None when nothing was published. A database that cannot take it is one line on stderr: the bot runs anyway."""
    from sqlalchemy import select

    from bot.db.models import FlowVersion
    from bot.flowspec.versions import content_hash, latest, publish, read_files

    try:
        files = read_files(settings.flows_dir)
        engine, sessions = _sessions(settings)
        try:
            with sessions.begin() as session:
                seen = session.scalar(select(FlowVersion.id).where(FlowVersion.content_hash == content_hash(files))
                                      .limit(1))
                before = latest(session)
                if seen is not None:
                    number = None
                    if before is not None and before.content_hash != content_hash(files):
                        print(f"lahitori: the flows in {settings.flows_dir} are those of flow version {seen}; "
                              f"running the newest published version, {before.id}", file=sys.stderr)
                else:
                    version = publish(session, files, by="system", note=START_NOTE)
                    number = None if before is not None and before.id == version.id else version.id
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - an unreachable or unmigrated database: the next start publishes
        print(f"lahitori: the flows in {settings.flows_dir} were not published as a version "
              f"({type(error).__name__}); running with them", file=sys.stderr)
        return None
    if number is not None:
        print(f"lahitori: the flows in {settings.flows_dir} were published as flow version {number}", file=sys.stderr)
    return number


def newest_valid_version(settings: Settings) -> tuple[Path, str] | None:
    """The newest published version that validates, written to a private temporary directory, and how to name it
    ('flow version 4 of 3.12.2026 klo 14.05'); None when there is none or no database to ask."""
    from sqlalchemy import select

    from bot.db.models import FlowVersion
    from bot.flowspec.versions import export, when

    skipped: list[int] = []
    try:
        engine, sessions = _sessions(settings)
    except Exception as error:  # noqa: BLE001 - no database: the fallback
        logger.warning("no published flows to start with: the database is not available (%s)", type(error).__name__)
        return None
    try:
        with sessions() as session:
            for version in session.scalars(select(FlowVersion).order_by(FlowVersion.id.desc()).limit(TRIED)):
                directory = Path(tempfile.mkdtemp(prefix=f"lahitori-flows-v{version.id}-"))
                export(version, directory)
                try:
                    load_flowset(directory)
                except FlowsInvalid:  # published under other rules than this release's
                    shutil.rmtree(directory, ignore_errors=True)
                    skipped.append(version.id)
                    continue
                name = f"published flow version {version.id} of {when(version, settings.timezone)}"
                if skipped:
                    name += f" (newer {', '.join(f'v{n}' for n in skipped)} not valid with this release)"
                return directory, name
    except Exception as error:  # noqa: BLE001
        logger.warning("no published flows to start with (%s)", type(error).__name__)
    finally:
        engine.dispose()
    return None


def choose_flows(settings: Settings) -> Settings:
    """The settings with the flows the bot can start with (see the module's docstring)."""
    try:
        load_flowset(settings.flows_dir)
    except FlowsInvalid as error:
        return _without_flows_dir(settings, error.problems)
    publish_flows_dir(settings)
    return settings


def _without_flows_dir(settings: Settings, problems: list[Problem]) -> Settings:
    invalid = (f"the flows in {settings.flows_dir} are invalid ({len(problems)} problem(s); "
               f"`lahitori flows validate` lists them)")
    found = newest_valid_version(settings)
    if found is not None:
        directory, name = found
        print(f"lahitori: {invalid}: running with the {name}", file=sys.stderr)
        return settings.model_copy(update={"flows_dir": directory})
    fallback = Path(tempfile.mkdtemp(prefix="lahitori-fallback-flows-"))
    write_fallback_flows(fallback, unit_phones(settings))
    print(f"lahitori: {invalid} and no valid published version is at hand: running with the built-in fallback "
          f"(the lähitori's phone and 112)", file=sys.stderr)
    return settings.model_copy(update={"flows_dir": fallback})


def publish_reloads(services) -> None:  # noqa: ANN001 - bot.services.Services
    """In the running bot: every good edit the registry takes from FLOWS_DIR is published too (in the background,
    a failure one log line), the registry checks for edits every second even when no turn asks, and the bot
    follows the newest published version (a publish or rollback elsewhere is live here within seconds)."""
    from bot.flowspec.versions import Publisher

    services.flows.on_reload = Publisher(services.sessions)
    services.flows.watch()
    follow_published(services)


def follow_published(services):  # noqa: ANN001, ANN201 - bot.services.Services -> LiveFlows
    """Take the newest published version now (when there is one) and look for newer ones every few seconds."""
    from bot.flowspec.live import LiveFlows

    live = LiveFlows(services.flows, services.sessions)
    try:
        live.poll()
    except Exception as error:  # noqa: BLE001 - the flows at hand run; the watcher tries again
        logger.warning("published flows not looked at (%s)", type(error).__name__)
    live.watch()
    return live
