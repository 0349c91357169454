"""The terminal channel: talk to the real engine and database; scriptable when stdin is not a terminal."""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import TextIO

from bot.conversation import TurnResult, TurnRunner
from bot.dialogue.models import Button, Document, Reply
from bot.dialogue.render import fold
from bot.i18n import N_

CHANNEL = "terminal"
SAVED = N_("Saved in the file {path}")


def pick_button(text: str, buttons: tuple[Button, ...]) -> Button | None:
    """A typed number or label of the last buttons shown."""
    typed = fold(text)
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return buttons[int(typed) - 1]
    return next((b for b in buttons if fold(b.label) == typed), None)


def save(document: Document, folder: Path) -> Path:
    """Write a document for the citizen into `folder`, readable by its owner only (0600), never over another file
    ("name-2.json" when the name is taken); its path."""
    stem, suffix = Path(document.filename).stem, Path(document.filename).suffix
    for number in itertools.count(1):
        path = folder / (document.filename if number == 1 else f"{stem}-{number}{suffix}")
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.fchmod(handle, 0o600)  # whatever the umask
        with os.fdopen(handle, "wb") as file:
            file.write(document.data)
        return path.resolve()
    raise AssertionError("unreachable")


def render(reply: Reply, *, as_json: bool, saved: str | None = None) -> str:
    """A reply as printed; `saved` is the line telling where its document was written."""
    if as_json:
        shown: dict[str, object] = {"text": reply.text, "buttons": [b.label for b in reply.buttons]}
        if saved is not None:
            shown["document"] = saved
        return json.dumps(shown, ensure_ascii=False)
    lines = [reply.text] + ([saved] if saved is not None else [])
    lines += [f"[{i}] {button.label}" for i, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


class TerminalChat:
    """Reads lines, sends them as turns, prints replies; remembers the last buttons shown."""

    def __init__(self, runner: TurnRunner, *, user: str, lang: str | None, as_json: bool, out: TextIO,
                 export_dir: Path | None = None) -> None:
        self.runner, self.user, self.lang, self.as_json, self.out = runner, user, lang, as_json, out
        self.export_dir = export_dir  # where documents for the citizen are written (default: the working directory)
        self.buttons: tuple[Button, ...] = ()

    def show(self, result: TurnResult) -> None:
        for reply in result.replies:
            saved = None
            if reply.document is not None:
                path = save(reply.document, self.export_dir or Path.cwd())
                saved = str(path) if self.as_json else self.runner.services.i18n.gettext(
                    result.lang, SAVED).format(path=path)
            print(render(reply, as_json=self.as_json, saved=saved), file=self.out)
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
