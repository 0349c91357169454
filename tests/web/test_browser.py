"""The console in a real browser: Debian's Chromium (scripts/chromium-install), headless, driven by Playwright
against uvicorn serving the app. Never skipped: without /usr/bin/chromium the test fails."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db.models import Handoff, MessageLog
from bot.db.session import make_sessionmaker
from bot.db.types import utcnow
from bot.demo import seed
from bot.services import build
from bot.web import accounts
from bot.web.app import create_app
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD, make_case

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
SHOTS = PROJECT_ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live(db_url: str, keyword_classifier) -> Iterator[tuple[str, object]]:
    """The console served by uvicorn in a thread on a free loopback port, on a seeded database, real clock."""
    services = build(make_settings(db_url), classifier=keyword_classifier)
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
        accounts.add(session, username="sari", password=PASSWORD, role="staff", coordinator="Sari Laine",
                     language="fi", now=utcnow())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", services
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


@pytest.fixture
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/chromium-install (make test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fi-FI")
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        yield tab
        context.close()
        browser.close()
        assert errors == [], f"the browser reported errors (a CSP violation?): {errors}"


def test_log_in_see_a_new_case_arrive_open_claim_and_reply(live, page: Page, db_url: str):
    url, services = live
    first = make_case(services, to="Sari", at=utcnow(), description="Äiti kaatui eilen eikä pärjää enää yksin",
                      contact="chat")
    page.goto(f"{url}/cases")
    expect(page).to_have_url(f"{url}/login")
    page.get_by_label("Käyttäjätunnus").fill("sari")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(f"{url}/cases")
    expect(page.get_by_role("link", name=f"#{first.id}")).to_be_visible()
    expect(page).to_have_title("(1) Asiat – Lähitorin työpöytä")

    second = make_case(services, to="Sari", at=utcnow(), description="Isä tarvitsee kuljetuspalvelua", contact="chat")
    expect(page.get_by_role("link", name=f"#{second.id}")).to_be_visible(timeout=5000)  # no reload: the event stream
    expect(page).to_have_title("(2) Asiat – Lähitorin työpöytä")
    expect(page.get_by_role("status")).to_have_text("Avoimia asioita: 2")
    if db_url.startswith("sqlite"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console-inbox-fi.png"), full_page=True)

    page.get_by_role("link", name=f"#{second.id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{second.id}")
    expect(page.locator("blockquote.words")).to_have_text("Isä tarvitsee kuljetuspalvelua")
    page.get_by_role("button", name="Otan hoitaakseni").click()
    expect(page.get_by_role("status")).to_contain_text(f"Otit asian #{second.id}")
    page.get_by_label("Viesti asiakkaalle").fill("Hei! Soitan teille huomenna aamupäivällä.")
    page.get_by_role("button", name="Lähetä").click()
    expect(page.get_by_role("status")).to_contain_text("on matkalla")
    expect(page.locator(".transcript")).to_contain_text("Hei! Soitan teille huomenna aamupäivällä.")
    if db_url.startswith("sqlite"):
        page.screenshot(path=str(SHOTS / "console-case-fi.png"), full_page=True)

    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.get_by_role("link", name="Siirry sisältöön")).to_be_focused()
    with services.sessions() as session:
        assert session.get(Handoff, second.id).status == "claimed"
        assert session.scalars(select(MessageLog.text).where(MessageLog.sender == "coordinator")).all() == [
            "Hei! Soitan teille huomenna aamupäivällä."]
