"""Transcript-style driving of the real runner: say text, press buttons by label, read the replies."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation import TurnResult, TurnRunner
from bot.dialogue.models import Button


@dataclass
class Chat:
    services: object
    user: str
    channel: str = "test"
    runner: TurnRunner = field(init=False)
    last: TurnResult | None = field(init=False, default=None)
    buttons: tuple[Button, ...] = field(init=False, default=())
    history: list[TurnResult] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.runner = TurnRunner(self.services)

    def _keep(self, result: TurnResult) -> TurnResult:
        self.last = result
        self.history.append(result)
        for reply in result.replies:
            if reply.buttons:
                self.buttons = reply.buttons
        return result

    def start(self, lang: str | None = None) -> TurnResult:
        return self._keep(self.runner.handle(channel=self.channel, external_id=self.user, start=True, set_lang=lang))

    def say(self, text: str) -> TurnResult:
        return self._keep(self.runner.handle(channel=self.channel, external_id=self.user, text=text))

    def press(self, label: str) -> TurnResult:
        """Press the button whose label contains `label` (case-insensitive) among the latest buttons."""
        matches = [b for b in self.buttons if label.lower() in b.label.lower()]
        assert matches, f"no button like {label!r} in {[b.label for b in self.buttons]}"
        return self.press_payload(matches[0].payload)

    def press_payload(self, payload: str) -> TurnResult:
        return self._keep(self.runner.handle(channel=self.channel, external_id=self.user, payload=payload))

    @property
    def text(self) -> str:
        """All reply texts of the last turn, joined."""
        return "\n".join(reply.text for reply in self.last.replies) if self.last else ""

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]
