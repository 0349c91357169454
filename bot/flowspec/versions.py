"""Published flow sets in the database (table flow_version): numbered, immutable, validated before they are stored.

The bot publishes FLOWS_DIR at start-up when it validates and differs from the newest version, and every good edit
it reloads while running; an admin publishes with `lahitori flows publish`. When FLOWS_DIR is invalid at start the
bot runs the newest published version, on SQLite and PostgreSQL alike (bot/flowspec/startup.py).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import logging
import queue
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import false, select, text, update
from sqlalchemy.orm import Session

from bot.db.models import FlowVersion
from bot.flowspec.loader import Problem
from bot.flowspec.registry import FlowsInvalid
from bot.flowspec.validate import validate_dir
from bot.i18n import I18n

logger = logging.getLogger(__name__)

LOCK_SPACE = 0x1A7  # PostgreSQL advisory lock (this space, 0) held while publishing; see telegram_inbox for 0x1A5-6
NOTE_MAX = 500  # FlowVersion.note
BY_MAX = 48  # FlowVersion.created_by


def flow_files(directory: Path) -> list[Path]:
    """The flow files of a directory, as validate_dir reads them."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def read_files(directory: Path) -> dict[str, str]:
    """{file name: YAML text} of a directory's flow files (read them after validating: a non-UTF-8 file raises)."""
    return {path.name: path.read_text(encoding="utf-8") for path in flow_files(Path(directory))}


def content_hash(files: dict[str, str]) -> str:
    canonical = json.dumps(files, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write(files: dict[str, str], directory: Path) -> None:
    for name, body in files.items():
        if Path(name).name != name or not name.endswith((".yaml", ".yml")):
            raise ValueError(f"not a flow file name: {name!r}")
        (directory / name).write_text(body, encoding="utf-8")


def problems_of(files: dict[str, str]) -> list[Problem]:
    """What validate_dir finds in these files, each problem naming the file by its name."""
    with tempfile.TemporaryDirectory(prefix="lahitori-flows-check-") as scratch:
        _write(files, Path(scratch))
        _loaded, problems = validate_dir(Path(scratch))
    prefix = f"{scratch}/"
    return [Problem("flows" if p.file == scratch else p.file.removeprefix(prefix), p.line, p.message)
            for p in problems]


def when(version: FlowVersion, timezone: str = "Europe/Helsinki") -> str:
    """When it was published, in Finland's format: '3.12.2026 klo 14.05'."""
    created = version.created_at if version.created_at.tzinfo else version.created_at.replace(tzinfo=UTC)
    local = created.astimezone(ZoneInfo(timezone))
    return f"{I18n.date_text(local, 'fi')} {I18n.clock(local, 'fi')}"


def latest(session: Session) -> FlowVersion | None:
    return session.scalars(select(FlowVersion).order_by(FlowVersion.id.desc()).limit(1)).first()


def get(session: Session, number: int) -> FlowVersion | None:
    return session.get(FlowVersion, number)


def history(session: Session) -> list[FlowVersion]:
    """Every version, the newest first."""
    return list(session.scalars(select(FlowVersion).order_by(FlowVersion.id.desc())))


def _lock(session: Session) -> None:
    """One publisher at a time (instances, the running bot and the CLI), so the same set is never stored twice in a
    row: PostgreSQL an advisory lock until commit; SQLite its write lock, taken by a write that changes nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, 0)"), {"space": LOCK_SPACE})
    else:
        session.execute(update(FlowVersion).where(false()).values(note=FlowVersion.note),
                        execution_options={"synchronize_session": False})


def publish(session: Session, files: dict[str, str], *, by: str, note: str = "") -> FlowVersion:
    """Store `files` as the next version, in the caller's transaction; returns it. A set that does not validate
    raises FlowsInvalid (problems name the files by name); a set identical to the newest version is not stored
    again: the newest is returned."""
    if len(note) > NOTE_MAX:
        raise ValueError(f"the note is {len(note)} characters; at most {NOTE_MAX}")
    problems = problems_of(files)
    if problems:
        raise FlowsInvalid(problems)
    digest = content_hash(files)
    _lock(session)
    newest = latest(session)
    if newest is not None and newest.content_hash == digest:
        return newest
    version = FlowVersion(created_by=by[:BY_MAX], note=note, content_hash=digest, files=dict(files))
    session.add(version)
    session.flush()
    return version


def diff(a: FlowVersion, b: FlowVersion) -> str:
    """A unified diff from version a to version b, file by file ('' when the contents are the same)."""
    out: list[str] = []
    for name in sorted(set(a.files) | set(b.files)):
        old, new = a.files.get(name), b.files.get(name)
        if old == new:
            continue
        lines = difflib.unified_diff(
            (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
            fromfile=f"v{a.id}/{name}" if old is not None else "/dev/null",
            tofile=f"v{b.id}/{name}" if new is not None else "/dev/null")
        out.extend(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines)
    return "".join(out)


def export(version: FlowVersion, directory: Path, *, replace: bool = False) -> Path:
    """Write the version's files into `directory` (made if missing). A directory that already holds flow files is
    refused (FileExistsError) unless `replace`, which removes those the version does not have."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    present = flow_files(directory)
    if present and not replace:
        raise FileExistsError(f"{directory} already holds flow files ({len(present)}); "
                              "export into a new directory, or replace them with --replace")
    for path in present:
        if path.name not in version.files:
            path.unlink()
    _write(version.files, directory)
    return directory


class Publisher:
    """Publishes the flows the running bot reloads (FlowRegistry's on_reload), one set after another in a daemon
    thread, so a slow database never holds up a turn; a failure logs one line and the bot goes on."""

    def __init__(self, sessions: Callable[[], Session], *, by: str = "system",
                 note: str = "edit of FLOWS_DIR reloaded by the running bot") -> None:
        self.sessions, self.by, self.note = sessions, by, note
        self._queue: queue.Queue[dict[str, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def __call__(self, directory: Path) -> None:
        try:
            files = read_files(directory)
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("the reloaded flows were not published: cannot read them (%s)", type(error).__name__)
            return
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="flows-publisher", daemon=True)
                self._thread.start()
        self._queue.put(files)

    def _run(self) -> None:
        while True:
            files = self._queue.get()
            try:
                with self.sessions() as session, session.begin():
                    version = publish(session, files, by=self.by, note=self.note)
                    number = version.id
                logger.info("reloaded flows published: version %d", number)
            except FlowsInvalid as error:  # changed again since the reload, and not for the better
                logger.warning("the reloaded flows were not published: %d problem(s) by now", len(error.problems))
            except Exception as error:  # noqa: BLE001 - never stops the bot; the next start publishes FLOWS_DIR
                logger.warning("the reloaded flows were not published (%s)", type(error).__name__)
            finally:
                self._queue.task_done()

    def join(self) -> None:
        """Wait until every set handed over so far has been published or given up on."""
        self._queue.join()
