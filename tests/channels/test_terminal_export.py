"""The export in the terminal: `lahitori chat` writes the citizen's file (0600) and prints where it is."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.terminal import save
from bot.config import PROJECT_ROOT
from bot.dialogue.models import Document
from tests.conftest import TEST_KEY

ENV = {"PATH": "/usr/bin:/bin", "DATA_KEY": TEST_KEY, "PYTHONPATH": str(PROJECT_ROOT)}
NEED = "Isä ei pääse enää bussilla kauppaan eikä apteekkiin."


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/chat.db"
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--db", url], capture_output=True, text=True,
                            env=ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return url


def chat(url: str, lines: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "chat", "--db", url, *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=ENV, cwd=cwd, timeout=120)


@pytest.mark.parametrize(("lang", "button", "saved", "name"), [
    ("fi", "Lähetä kaikki tiedostona", "Tallennettu tiedostoon ", "lahitori-omat-tiedot-"),
    ("sv", "Skicka allt som en fil", "Sparat i filen ", "lahitori-mina-uppgifter-"),
])
def test_the_export_is_written_to_a_file_only_its_owner_can_read(demo_db, tmp_path, lang, button, saved, name):
    result = chat(demo_db, ["Kuljetuspalvelu", "1", NEED, "/mydata", button], tmp_path, "--lang", lang)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith(saved)]
    path = Path(line.removeprefix(saved))
    assert path.parent == tmp_path.resolve() and path.name.startswith(name) and path.suffix == ".json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["you"]["channel"] == "terminal" and data["language"] == lang
    assert any(message["text"] == NEED for message in data["transcript"]["messages"])
    assert data["conversation"]["answers"]["description"] == NEED  # not yet a need: what the conversation holds


def test_json_output_names_the_file(demo_db, tmp_path):
    result = chat(demo_db, ["/mydata", "tiedostona"], tmp_path, "--lang", "fi", "--json")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    [written] = [reply["document"] for reply in replies if "document" in reply]
    assert Path(written).is_file() and json.loads(Path(written).read_bytes())["format"] == "lahitori-my-data/1"


def test_save_never_overwrites_and_ignores_the_umask(tmp_path):
    document = Document(filename="lahitori-omat-tiedot-2026-12-03.json", media_type="application/json", data=b"{}")
    previous = os.umask(0)
    try:
        first, second = save(document, tmp_path), save(document, tmp_path)
    finally:
        os.umask(previous)
    assert (first.name, second.name) == ("lahitori-omat-tiedot-2026-12-03.json", "lahitori-omat-tiedot-2026-12-03-2.json")
    assert {stat.S_IMODE(p.stat().st_mode) for p in (first, second)} == {0o600}
