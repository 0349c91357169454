"""The terminal channel: talk to the real engine and database; scriptable when stdin is not a terminal."""
from __future__ import annotations

import json
from typing import TextIO

from bot.conversation import TurnResult, TurnRunner
from bot.dialogue.models import Button, Reply
from bot.dialogue.render import fold

CHANNEL = "terminal"


def pick_button(text: str, buttons: tuple[Button, ...]) -> Button | None:
    """A typed number or label of the last buttons shown."""
    typed = fold(text)
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return buttons[int(typed) - 1]
    return next((b for b in buttons if fold(b.label) == typed), None)


def render(reply: Reply, *, as_json: bool) -> str:
    if as_json:
        return json.dumps({"text": reply.text, "buttons": [b.label for b in reply.buttons]}, ensure_ascii=False)
    lines = [reply.text]
    lines += [f"[{i}] {button.label}" for i, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


class TerminalChat:
    """Reads lines, sends them as turns, prints replies; remembers the last buttons shown."""

    def __init__(self, runner: TurnRunner, *, user: str, lang: str | None, as_json: bool, out: TextIO) -> None:
        self.runner, self.user, self.lang, self.as_json, self.out = runner, user, lang, as_json, out
        self.buttons: tuple[Button, ...] = ()

    def show(self, result: TurnResult) -> None:
        for reply in result.replies:
            print(render(reply, as_json=self.as_json), file=self.out)
            if not self.as_json:
                print(file=self.out)
            if reply.buttons:
                self.buttons = reply.buttons
        self.out.flush()

    def send(self, line: str) -> TurnResult:
        button = pick_button(line, self.buttons) if self.buttons else None
        if button is not None:
            result = self.runner.handle(channel=CHANNEL, external_id=self.user, payload=button.payload,
                                        lang_hint=self.lang)
        else:
            result = self.runner.handle(channel=CHANNEL, external_id=self.user, text=line, lang_hint=self.lang)
        if result.replies and not any(r.buttons for r in result.replies):
            self.buttons = self.buttons if "stale_button" in result.events else ()
        return result

    def run(self, stdin: TextIO) -> int:
        interactive = stdin.isatty()
        self.show(self.runner.handle(channel=CHANNEL, external_id=self.user, set_lang=self.lang, start=True))
        while True:
            if interactive:
                print("> ", end="", file=self.out, flush=True)
            line = stdin.readline()
            if not line:
                return 0
            self.show(self.send(line.rstrip("\n")))
