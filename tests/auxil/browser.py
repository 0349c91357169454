"""The staff console in a real browser: uvicorn serving the app in a thread on a seeded database, and Debian's
Chromium (scripts/chromium-install) driven headless by Playwright. Never skipped: without /usr/bin/chromium the
tests fail. Fixtures: `live` (the server), and `browser_tab`, a function opening a tab in a fresh context (its own
cookies); every tab is checked at the end for errors in its console (a CSP violation shows there)."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from starlette.applications import Starlette

from bot.config import PROJECT_ROOT
from bot.db.session import make_sessionmaker
from bot.db.types import utcnow
from bot.demo import seed
from bot.services import Services, build
from bot.web import accounts
from bot.web.app import create_app
from tests.conftest import make_settings

CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"  # npm (package.json devDependencies)
PASSWORD = "correct horse battery staple"
# who signs in: (username, role, coordinator, console language); Sari and Anna: a work pair of the Porvoo unit
ACCOUNTS = (("sari", "staff", "Sari Laine", "fi"), ("anna", "staff", "Anna Lindholm", "sv"),
            ("pirjo", "staff", "Pirjo Karppinen", "fi"), ("boss", "admin", None, "fi"))
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGE_STATUS = "Failed to load resource: the server responded with a status of"  # a 401, 404 or 409 page: meant
LOG_IN = {"fi": ("Käyttäjätunnus", "Salasana", "Kirjaudu sisään"), "sv": ("Användarnamn", "Lösenord", "Logga in")}


@dataclass
class Live:
    url: str
    services: Services
    app: Starlette


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(name="live")
def live_fixture(db_url: str, keyword_classifier) -> Iterator[Live]:
    """The console served by uvicorn in a thread on a free loopback port, on a seeded database, real clock. Uvicorn's
    loggers propagate to the root logger (log_config=None), so caplog sees its lines too."""
    services = build(make_settings(db_url), classifier=keyword_classifier)
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
        for username, role, who, lang in ACCOUNTS:
            accounts.add(session, username=username, password=PASSWORD, role=role, coordinator=who, language=lang,
                         now=utcnow())
    app = create_app(services)
    with serve(app) as url:
        yield Live(url, services, app)
    services.close()


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port; its base URL while the block runs."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


BrowserTab = Callable[..., Page]


@pytest.fixture(name="browser_tab")
def browser_tab_fixture() -> Iterator[BrowserTab]:
    """Opens tabs, each in its own context (cookies). A page may answer 4xx (a refused login, a missing
    case); its scripts, styles and requests may not. `axe=True` loads axe-core into every page it shows (as an
    init script, which the page's CSP does not govern, so the console's CSP stays on while axe runs)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/chromium-install (make test does)"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)

        def open_tab(locale: str = "fi-FI", *, axe: bool = False) -> Page:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
            if axe:
                assert AXE.exists(), f"{AXE} is missing: run npm ci (make setup)"
                context.add_init_script(path=str(AXE))
            tab = context.new_page()
            tab.on("console", lambda message: errors.append(message.text) if message.type == "error"
                   and not message.text.startswith(PAGE_STATUS) else None)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.on("response", lambda answer: errors.append(f"{answer.status} {answer.url}") if answer.status >= 400
                   and answer.request.resource_type != "document" else None)
            return tab

        yield open_tab
        browser.close()
    assert errors == [], f"the browser reported errors (a CSP violation?): {errors}"


def sign_in(tab: Page, url: str, username: str, lang: str = "fi") -> None:
    """Log in through the form in the account's language; lands on the inbox."""
    user_label, password_label, button = LOG_IN[lang]
    tab.goto(f"{url}/login?lang={lang}")
    tab.get_by_label(user_label).fill(username)
    tab.get_by_label(password_label).fill(PASSWORD)
    tab.get_by_role("button", name=button).click()
    expect(tab).to_have_url(f"{url}/cases")


def axe_violations(tab: Page, tags: list[str] = WCAG_21_AA) -> list[dict[str, Any]]:
    """axe-core's violations of the page now shown, each as rule id, impact, help and the offending selectors."""
    found = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [_target(n) for n in v["nodes"]]}
            for v in found["violations"]]


def _target(node: dict[str, Any]) -> str:
    """axe-core's selector of a node; one inside a shadow root is a list of selectors (host, then inside)."""
    return " >> ".join(" ".join(part) if isinstance(part, list) else part for part in node["target"])
