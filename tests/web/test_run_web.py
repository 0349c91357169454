"""The console as an operator starts it, as real processes on SQLite and PostgreSQL: `lahitori web` alone (a port in
use is one line naming WEB_PORT), `lahitori demo` printing its console accounts once, `lahitori chat --console` with
the console beside the chat, and `lahitori run` with WEB_PORT serving it beside the Telegram bot."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.db.models import Handoff
from bot.db.session import make_engine, make_sessionmaker
from bot.db.types import utcnow
from bot.demo import seed
from bot.services import build
from bot.web import accounts
from tests.auxil.nlu import KeywordClassifier
from tests.channels.conftest import (  # noqa: F401 - the emulated Bot API's fixtures
    BOT_IDS,
    TOKEN_TAIL,
    emulator_url,
    front,
)
from tests.conftest import TEST_KEY, make_settings
from tests.web.conftest import make_case

PASSWORD = "correct horse battery staple"
CONSOLE_LINE = re.compile(r"^lahitori: staff console on http://127\.0\.0\.1:(\d+)/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(url: str, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "DATABASE_URL": url, "DATA_KEY": TEST_KEY, "PYTHONPATH": str(PROJECT_ROOT),
            **extra}


def lahitori(*args: str, env: dict[str, str], **options) -> subprocess.Popen:  # noqa: ANN003
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)


def wait_listening(port: int, process: subprocess.Popen, within: float = 60) -> None:
    """Until the port accepts connections; fails with the process's output if it ends first."""
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process ended ({process.returncode}) before listening:\n{out}\n{err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port} after {within} s"
            time.sleep(0.05)


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> tuple[int, str, str]:
    process.send_signal(how)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def sign_in(base: str, username: str, password: str) -> httpx.Response:
    """The login page (its CSRF cookie and field), then the form, as a browser sends it; the answer, not followed."""
    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/login")
        assert page.status_code == 200
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def seeded(db_url: str) -> str:
    """The database, migrated, with the demo units and coordinators and Sari's console account."""
    engine = make_engine(db_url)
    from bot import crypto

    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    with make_sessionmaker(engine).begin() as session:
        seed(session)
        accounts.add(session, username="sari", password=PASSWORD, role="staff", coordinator="Sari Laine",
                     language="fi", now=utcnow())
    engine.dispose()
    return db_url


@contextmanager
def web(url: str, port: int, *extra: str) -> Iterator[subprocess.Popen]:
    process = lahitori("web", "--port", str(port), *extra, env=environment(url))
    try:
        wait_listening(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["systemd", "ctrl-c"])
def test_lahitori_web_serves_the_console_and_stops_cleanly(seeded: str, how: signal.Signals):
    port = free_port()
    with web(seeded, port) as process:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/login").status_code == 200
        signed = sign_in(base, "sari", PASSWORD)
        assert signed.status_code == 303 and "lahitori_session" in "".join(signed.headers.get_list("set-cookie"))
        assert sign_in(base, "sari", "not the password at all").status_code != 303
        code, _out, err = stop(process, how)
    assert code == 0, err
    assert "Traceback" not in err and err.strip().splitlines() == [f"lahitori: staff console on {base}/ (Ctrl+C stops)"]
    assert closed(port)


def test_the_console_alone_escalates_an_unclaimed_case(seeded: str):
    """No Telegram token anywhere: `lahitori web` runs the staff jobs, so an unclaimed case still escalates."""
    services = build(make_settings(seeded), classifier=KeywordClassifier())
    try:
        case = make_case(services, at=utcnow() - timedelta(days=14))
        port = free_port()
        with web(seeded, port) as process:
            deadline = time.monotonic() + 60
            while (level := escalation(services, case.id)) < 2:
                assert time.monotonic() < deadline and process.poll() is None, f"still at level {level}"
                time.sleep(0.1)
            assert stop(process)[0] == 0
    finally:
        services.close()


def escalation(services, number: int) -> int:  # noqa: ANN001
    with services.sessions() as session:
        return session.get_one(Handoff, number).escalation_level


def test_a_second_console_on_the_same_port_is_one_line_naming_web_port(seeded: str):
    port = free_port()
    with web(seeded, port) as first:
        second = subprocess.run([sys.executable, "-m", "bot", "web"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                env=environment(seeded, WEB_PORT=str(port)), timeout=60)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "WEB_PORT" in lines[0] and f"port {port}" in lines[0], second.stderr
        assert first.poll() is None and httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
        assert stop(first)[0] == 0


def test_lahitori_web_on_a_database_not_migrated_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot", "web", "--port", str(free_port())], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, env=environment(f"sqlite:///{tmp_path}/new.db"), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "lahitori db upgrade" in lines[0], result.stderr


# `lahitori demo`: the console accounts, printed once -------------------------------------------------------------

ACCOUNT_ROW = re.compile(r"^  (sari|anna|admin)\s+(\S{16})\s+(staff|admin)\s+(.+)$", re.MULTILINE)


def demo(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "demo", "--db", url], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, env=environment(url), timeout=120)


def test_demo_prints_its_accounts_once_and_the_printed_password_signs_in(db_url: str):
    first = demo(db_url)
    assert first.returncode == 0, first.stderr
    rows = {name: (password, role, who) for name, password, role, who in ACCOUNT_ROW.findall(first.stdout)}
    assert set(rows) == {"sari", "anna", "admin"}, first.stdout
    assert rows["sari"][1:] == ("staff", "Sari Laine") and rows["anna"][1:] == ("staff", "Anna Lindholm")
    assert rows["admin"][1] == "admin" and len({password for password, *_ in rows.values()}) == 3
    assert "the passwords are shown only now" in first.stdout

    again = demo(db_url)
    assert again.returncode == 0, again.stderr
    assert not ACCOUNT_ROW.findall(again.stdout) and not any(p in again.stdout for p, *_ in rows.values())
    assert "console accounts sari, anna, admin exist: their passwords are unchanged" in again.stdout

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        made = {account.username: accounts.is_demo(session, account) for account in accounts.listing(session)}
    engine.dispose()
    assert made == {"sari": True, "anna": True, "admin": True}, "every demo account is marked demo"

    port = free_port()
    with web(db_url, port) as process:
        for name in ("anna", "admin"):
            signed = sign_in(f"http://127.0.0.1:{port}", name, rows[name][0])
            assert signed.status_code == 303, signed.text
        assert stop(process)[0] == 0


def test_an_account_of_the_same_name_that_is_not_a_demo_one_is_left_alone(db_url: str):
    engine = make_engine(db_url)
    from bot import crypto

    crypto.install(crypto.Cipher([TEST_KEY.encode()]))
    with make_sessionmaker(engine).begin() as session:  # an operator's own `admin`, made before any demo
        accounts.add(session, username="admin", password=PASSWORD, role="admin", coordinator=None, language="fi",
                     now=utcnow())
    result = demo(db_url)
    assert result.returncode == 0, result.stderr
    assert {name for name, *_ in ACCOUNT_ROW.findall(result.stdout)} == {"sari", "anna"}
    assert "console account admin: the name is taken by an account that is not a demo one" in result.stdout
    with make_sessionmaker(engine)() as session:
        admin = accounts.named(session, "admin")
        assert not accounts.is_demo(session, admin) and admin.unit_id is None
    engine.dispose()
    port = free_port()
    with web(db_url, port) as process:
        assert sign_in(f"http://127.0.0.1:{port}", "admin", PASSWORD).status_code == 303, "its password unchanged"
        assert stop(process)[0] == 0


# `lahitori chat --console`: the console beside the terminal chat -------------------------------------------------

def test_chat_with_the_console_beside_it(db_url: str):
    assert demo(db_url).returncode == 0
    port = free_port()
    chat = lahitori("chat", "--console", "--lang", "fi", env=environment(db_url, WEB_PORT=str(port)),
                    stdin=subprocess.PIPE)
    try:
        wait_listening(port, chat)
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
        out, err = chat.communicate("Kuljetuspalvelu\n", timeout=120)
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.communicate()
    assert chat.returncode == 0, err
    assert "[1] Kotona pärjääminen" in out and "Kuljetuspalvelu" in out
    lines = err.strip().splitlines()  # the chat's terminal stays the chat's: no uvicorn or access log
    assert len(lines) == 1 and CONSOLE_LINE.match(lines[0]) and f":{port}/" in lines[0], err
    assert closed(port), "the console stops with the chat"


def test_chat_console_on_a_port_in_use_is_one_line(db_url: str):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "bot", "chat", "--console"], cwd=PROJECT_ROOT, input="hei\n",
                                capture_output=True, text=True, env=environment(db_url, WEB_PORT=str(port)),
                                timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WEB_PORT" in lines[0] and "Traceback" not in result.stderr, result.stderr


# `lahitori run` with WEB_PORT: one process, one loop, bot and console -------------------------------------------

@pytest.mark.e2e
async def test_lahitori_run_with_web_port_serves_the_console_while_the_bot_answers(db_url: str, front):  # noqa: F811
    assert (await asyncio.to_thread(demo, db_url)).returncode == 0
    token, port = f"{next(BOT_IDS)}:{TOKEN_TAIL}", free_port()
    env = environment(db_url, TELEGRAM_TOKEN=token, TELEGRAM_API_URL=f"{front.url}/bot", TELEGRAM_POLL_INTERVAL="0.05",
                      TURN_WORKERS="0", WEB_PORT=str(port))
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    chat_id = 6401
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                assert process.returncode is None and time.monotonic() < deadline, "the console did not come up"
                try:
                    login = await http.get(f"http://127.0.0.1:{port}/login")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert login.status_code == 200
            user = {"id": chat_id, "is_bot": False, "first_name": "Testi", "language_code": "fi"}
            message = {"botToken": token, "from": user, "date": int(time.time()), "text": "/start",
                       "chat": {"id": chat_id, "type": "private", "first_name": "Testi"},
                       "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}
            assert (await http.post(f"{front.url}/sendCommand", json=message)).status_code == 200
            received: list[str] = []
            while not any("Kotona pärjääminen" in str(item) for item in received):
                assert time.monotonic() < deadline, f"the bot did not answer: {received}"
                answer = await http.post(f"{front.url}/getUpdates", json={"token": token, "chatId": chat_id})
                received += answer.json()["result"]
                await asyncio.sleep(0.1)
            assert (await http.get(f"http://127.0.0.1:{port}/login")).status_code == 200, "still, beside the bot"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert f"staff console on http://127.0.0.1:{port}/" in log and "Traceback" not in log, log[-2000:]
    assert closed(port)


def test_run_serves_the_console_only_when_web_port_is_set(monkeypatch, tmp_path):
    from argparse import Namespace

    from bot.channels.telegram_cli import wants_console
    from bot.config import load_settings

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("WEB_PORT", raising=False)
    assert not wants_console(load_settings(), Namespace(no_web=False)), "the default 8080 is `lahitori web`'s"
    monkeypatch.setenv("WEB_PORT", "8080")
    assert wants_console(load_settings(), Namespace(no_web=False))
    assert not wants_console(load_settings(), Namespace(no_web=True))
    monkeypatch.delenv("WEB_PORT")
    (tmp_path / ".env").write_text("WEB_PORT=9090\n")
    assert wants_console(load_settings(), Namespace(no_web=False)), "set in .env counts as set"
