"""The running bot follows the published flow versions: every instance looks for a newer version every INTERVAL
seconds and makes it current (a publish or a rollback from the console or the CLI is live everywhere within
seconds), while a conversation already on its way finishes on the version it began with: the registry loads that
version from the database by its label ('v12') when no longer in memory (bot/flowspec/registry.py `pinned`).
"""
from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import FlowVersion
from bot.flowspec.registry import FlowRegistry, FlowSet, FlowsInvalid, load_flowset
from bot.flowspec.versions import export

logger = logging.getLogger(__name__)

INTERVAL = 2.0  # seconds between looks for a newer published version
LABEL = re.compile(r"v(\d{1,9})")


def label(number: int) -> str:
    return f"v{number}"


def load_version(version: FlowVersion) -> FlowSet:
    """A published version as a FlowSet labelled 'v<number>'; FlowsInvalid when this release cannot run it."""
    directory = Path(tempfile.mkdtemp(prefix=f"lahitori-flows-v{version.id}-"))
    try:
        export(version, directory)
        loaded = load_flowset(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return FlowSet(flows=loaded.flows, version=label(version.id))


class LiveFlows:
    """Keeps `registry` on the newest published version that this release can run."""

    def __init__(self, registry: FlowRegistry, sessions: sessionmaker[Session], *,
                 interval: float = INTERVAL) -> None:
        self.registry, self.sessions, self.interval = registry, sessions, interval
        self.known = 0  # the newest version number looked at (taken, or found invalid)
        registry.loader = self.load

    def load(self, version_label: str) -> FlowSet | None:
        """A pinned conversation's version from the database; None when it is not a published one or gone."""
        match = LABEL.fullmatch(version_label)
        if match is None:
            return None
        with self.sessions() as session:
            version = session.get(FlowVersion, int(match.group(1)))
            if version is None:
                return None
            try:
                return load_version(version)
            except FlowsInvalid:
                return None

    def poll(self) -> int | None:
        """Take a newer published version if there is one; its number, or None when nothing changed."""
        with self.sessions() as session:
            newest = session.scalar(select(func.max(FlowVersion.id)))
            if newest is None or newest <= self.known:
                return None
            version = session.get_one(FlowVersion, newest)
            self.known = newest
            if self.registry.current().version == label(newest):
                return None
            try:
                flowset = load_version(version)
            except FlowsInvalid as error:  # published under other rules than this release's: keep what runs
                logger.error("published flow version %d is not valid with this release (%d problem(s)); "
                             "keeping %s", newest, len(error.problems), self.registry.current().version)
                return None
        self.registry.install(flowset)
        logger.info("following published flow version %d", newest)
        return newest

    def watch(self) -> threading.Thread:
        """Poll in a daemon thread for as long as the process runs."""

        def loop() -> None:
            while True:
                time.sleep(self.interval)
                try:
                    self.poll()
                except Exception as error:  # noqa: BLE001 - a database hiccup: the next look tries again
                    logger.warning("looking for published flows failed (%s)", type(error).__name__)

        thread = threading.Thread(target=loop, name="flows-follow", daemon=True)
        thread.start()
        return thread
