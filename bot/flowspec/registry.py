"""The live set of flows: reloads good edits without a restart and keeps the last valid set on a bad one; the running
bot publishes every good edit it takes (on_reload, bot/flowspec/versions.py) and follows the newest published version
(bot/flowspec/live.py). Earlier sets stay at hand by their version, so a conversation finishes on the set it began
with (`pinned`)."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.flowspec.loader import Problem
from bot.flowspec.schema import ChoiceStep, Flow, HandoffStep, InfoStep, MessageStep, Step, Text
from bot.flowspec.validate import ENTRY, resolve, validate_dir
from nlu.types import SERVICE_TOPICS

logger = logging.getLogger(__name__)


class FlowsInvalid(Exception):
    """The flows directory has problems and there is no earlier valid set to keep."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, eq=False)
class FlowSet:
    """One validated, immutable set of flows."""

    flows: dict[str, Flow]
    version: str

    @cached_property
    def option_labels(self) -> dict[tuple[str, str], Text]:
        """(slot, value) -> the label of the choice option that sets it, for summaries."""
        labels: dict[tuple[str, str], Text] = {}
        for flow in self.flows.values():
            for step in flow.steps.values():
                if isinstance(step, ChoiceStep) and step.slot:
                    for option in step.options:
                        if option.value is not None:
                            labels.setdefault((step.slot, option.value), option.label)
        return labels

    def step(self, flow_id: str, step_id: str) -> Step | None:
        flow = self.flows.get(flow_id)
        return flow.steps.get(step_id) if flow else None

    def resolve(self, ref: str, flow_id: str) -> tuple[str, str]:
        return resolve(ref, flow_id)

    @property
    def entry(self) -> tuple[str, str]:
        return ENTRY, self.flows[ENTRY].start

    @property
    def idle(self) -> tuple[str, str]:
        """The first waiting step after the entry: where a returning citizen's words are understood."""
        flow_id, step_id = self.entry
        for _ in range(50):
            step = self.step(flow_id, step_id)
            if not isinstance(step, (MessageStep, HandoffStep, InfoStep)):
                break  # no such step, a step that waits for the citizen, or the end
            flow_id, step_id = self.resolve(step.next, flow_id)
        return flow_id, step_id

    @cached_property
    def feedback(self) -> tuple[str, str] | None:
        """The feedback step a closed case's rating continues at: the entry flow's first, else any flow's."""
        ordered = sorted(self.flows.values(), key=lambda flow: flow.id != ENTRY)
        return next(((flow.id, step_id) for flow in ordered for step_id, step in flow.steps.items()
                     if step.kind == "feedback"), None)

    def topic_flows(self) -> list[Flow]:
        """Flows that serve a service topic, in the order of the intent contract."""
        order = {topic: index for index, topic in enumerate(SERVICE_TOPICS)}
        return sorted((flow for flow in self.flows.values() if flow.topic), key=lambda f: order.get(f.topic or "", 99))

    def flow_for_topic(self, topic: str) -> Flow | None:
        return next((flow for flow in self.flows.values() if flow.topic == topic), None)


def _fingerprint(directory: Path) -> tuple:
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def load_flowset(directory: Path) -> FlowSet:
    loaded, problems = validate_dir(directory)
    if problems:
        raise FlowsInvalid(problems)
    version = str(abs(hash(_fingerprint(directory))))
    return FlowSet(flows={item.flow.id: item.flow for item in loaded}, version=version)


class FlowRegistry:
    """Gives the current FlowSet; checks the files for changes at most every `interval` seconds. `install` makes a
    set (a published version) current; `pinned` gives an earlier set by its version: from memory, or through
    `loader` (a published version from the database, 'v12'), else None."""

    KEEP = 16  # earlier sets kept in memory for conversations still on them

    def __init__(self, directory: Path, *, interval: float = 1.0,
                 on_reload: Callable[[Path], None] | None = None) -> None:
        self.directory = Path(directory)
        self.interval = interval
        self.on_reload = on_reload  # told the directory after each good edit is taken (the bot publishes it)
        self._lock = threading.Lock()
        self._fingerprint = _fingerprint(self.directory)
        self._current = load_flowset(self.directory)
        self._checked = time.monotonic()
        self.last_problems: list[Problem] = []
        self._earlier: OrderedDict[str, FlowSet] = OrderedDict()
        self.loader: Callable[[str], FlowSet | None] | None = None

    def current(self) -> FlowSet:
        now = time.monotonic()
        if now - self._checked >= self.interval:
            with self._lock:
                self._checked = now
                self._maybe_reload()
        return self._current

    def install(self, flowset: FlowSet) -> None:
        """Make `flowset` current (a newly published version); the one it replaces stays at hand for `pinned`."""
        with self._lock:
            self._remember(self._current)
            self._current = flowset
        logger.info("flows now at %s", flowset.version)

    def _remember(self, flowset: FlowSet) -> None:
        self._earlier[flowset.version] = flowset
        self._earlier.move_to_end(flowset.version)
        while len(self._earlier) > self.KEEP:
            self._earlier.popitem(last=False)

    def pinned(self, version: str) -> FlowSet | None:
        """The set with this version (the current one, one kept, or one the loader finds); None when gone."""
        current = self._current
        if current.version == version:
            return current
        found = self._earlier.get(version)
        if found is None and self.loader is not None:
            try:
                found = self.loader(version)
            except Exception as error:  # noqa: BLE001 - the conversation goes on with the current set
                logger.warning("flows %s not loaded (%s)", version, type(error).__name__)
                found = None
            if found is not None:
                with self._lock:
                    self._remember(found)
        return found

    def _maybe_reload(self) -> None:
        try:
            fingerprint = _fingerprint(self.directory)
        except OSError:
            return
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        try:
            loaded = load_flowset(self.directory)
        except FlowsInvalid as error:
            self.last_problems = error.problems
            logger.error("flow edit rejected, keeping the last valid flows (%d problem(s)):\n%s",
                         len(error.problems), error)
            return
        self._remember(self._current)
        self._current = loaded
        self.last_problems = []
        logger.info("flows reloaded (%d flows)", len(self._current.flows))
        if self.on_reload is not None:
            try:
                self.on_reload(self.directory)
            except Exception as error:  # noqa: BLE001 - the new flows run whatever the hook does
                logger.warning("after the flows reloaded: %s", type(error).__name__)

    def watch(self) -> threading.Thread:
        """Check for edits every `interval` seconds in a daemon thread too, not only when something asks for the
        flows (the bot process, whose turns run in workers, seldom asks)."""

        def loop() -> None:
            while True:
                time.sleep(max(self.interval, 0.1))
                try:
                    self.current()
                except Exception as error:  # noqa: BLE001 - a watcher that stops would stop publishing edits
                    logger.warning("checking the flows for edits failed (%s)", type(error).__name__)

        thread = threading.Thread(target=loop, name="flows-watch", daemon=True)
        thread.start()
        return thread
