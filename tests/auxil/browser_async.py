"""Debian's Chromium driven headless by Playwright's async API, for a test whose event loop also runs the bot and
the console (tests/auxil/browser.py is the sync twin). The tab fails the test at the end if its scripts, styles or
requests reported an error (a CSP violation shows there); a page answering 4xx is meant and passes."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from tests.auxil.browser import CHROMIUM, LOG_IN, PAGE_STATUS, PASSWORD


@contextlib.asynccontextmanager
async def chromium_tab(locale: str = "fi-FI") -> AsyncIterator[Page]:
    """One tab in a fresh context; closed (and its errors checked) when the block ends."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/chromium-install (make test does)"
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
            tab = await context.new_page()
            tab.on("console", lambda message: errors.append(message.text) if message.type == "error"
                   and not message.text.startswith(PAGE_STATUS) else None)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.on("response", lambda answer: errors.append(f"{answer.status} {answer.url}") if answer.status >= 400
                   and answer.request.resource_type != "document" else None)
            yield tab
        finally:
            await browser.close()
    assert errors == [], f"the browser reported errors (a CSP violation?): {errors}"


async def sign_in(tab: Page, url: str, username: str, lang: str = "fi") -> None:
    """Log in through the form in the account's language; lands on the inbox."""
    user_label, password_label, button = LOG_IN[lang]
    await tab.goto(f"{url}/login?lang={lang}")
    await tab.get_by_label(user_label).fill(username)
    await tab.get_by_label(password_label).fill(PASSWORD)
    await tab.get_by_role("button", name=button).click()
    await expect(tab).to_have_url(f"{url}/cases")
