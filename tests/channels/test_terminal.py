"""`lahitori chat` as a citizen would use it from a script: one message per line, numbered buttons, JSON."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.db.session import upgrade
from tests.conftest import TEST_KEY


@pytest.fixture
def demo_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/chat.db"
    env = {"PATH": "/usr/bin:/bin", "DATA_KEY": TEST_KEY}
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--db", url], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "3 units and 8 coordinators added" in result.stdout
    return url


def chat(url: str, lines: list[str], *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DATA_KEY": TEST_KEY}
    verbose = [arg for arg in args if arg == "-v"]
    args = tuple(arg for arg in args if arg != "-v")
    return subprocess.run([sys.executable, "-m", "bot", *verbose, "chat", "--db", url, *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, timeout=120)


def test_scripted_finnish_chat_reaches_a_handoff(demo_db: str):
    result = chat(demo_db, ["Kuljetuspalvelu", "1", "Isä ei pääse enää bussilla kauppaan.", "Läheistäni", "1", "3",
                            "2", "Ohita", "1", "1"], "--lang", "fi")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Apuvälineet" not in out  # the menu follows the contract's order
    assert "[1] Kotona pärjääminen" in out and "[5] Kuljetuspalvelu" in out
    assert "Kuljetuspalvelu\n" in out
    assert "Palveluohjaajasi on Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in out
    assert "nobody to notify" not in result.stderr  # no log lines in the chat: Sari has no Telegram link here


def test_verbose_chat_shows_the_log(demo_db: str):
    result = chat(demo_db, ["Kuljetuspalvelu", "1", "Isä ei pääse enää bussilla kauppaan.", "Läheistäni", "1", "3",
                            "2", "Ohita", "1", "1"], "--lang", "fi", "-v")
    assert result.returncode == 0, result.stderr
    assert "nobody to notify (coordinator not linked" in result.stderr


def test_json_output_in_swedish(demo_db: str):
    result = chat(demo_db, ["/help"], "--lang", "sv", "--json")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert replies[0]["text"].startswith("Hej! Jag är närtorgets rådgivningsbot.")
    assert "Färdtjänst" in replies[1]["buttons"]
    assert any("/mydata" in r["text"] for r in replies)


def test_database_must_be_migrated(tmp_path):
    result = chat(f"sqlite:///{tmp_path}/empty.db", ["hei"])
    assert result.returncode == 2 and "run `lahitori db upgrade`" in result.stderr
