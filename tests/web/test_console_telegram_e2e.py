"""The console and the Telegram bot together, as `lahitori run` with WEB_PORT serves them (one process, one loop, one
database; SQLite and PostgreSQL): a Finnish citizen hands a case over in the emulated Telegram, it appears in Sari's
inbox in Chromium without a reload, she claims it, answers and closes it in the browser, and the citizen reads each
step in the chat and finally, in /mydata, that Sari Laine viewed the case."""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import expect
from sqlalchemy import select

from bot.db.models import Handoff
from bot.db.types import utcnow
from bot.services import Services
from bot.web import accounts
from bot.web.server import Console, bind
from tests.auxil.browser import PASSWORD
from tests.auxil.browser_async import chromium_tab, sign_in
from tests.channels.conftest import (  # noqa: F401 - the classifier and the emulated Bot API's fixtures
    TelegramCitizen,
    channel_classifier,
    demo_services,
    emulator_url,
    front,
    serving_bot,
    telegram_http,
)
from tests.channels.test_telegram_e2e import FI, walk_to_consent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REPLY = "Hei, soitan huomenna kymmeneltä."
WAIT = 15_000  # ms a browser expectation may wait (the inbox's event stream, a page after a form)
# The console's and the chat's words in Finnish (locales/fi)
CONSOLE = dict(claim="Otan hoitaakseni", claimed="Otit asian #{case} hoitaaksesi", message="Viesti asiakkaalle",
               send="Lähetä", sent="Viestisi asian #{case} asiakkaalle on matkalla", outcome="ohjaus annettu",
               close="Sulje asia", closed="Asia #{case} on suljettu")
CHAT = dict(claimed="Asiaasi hoitaa nyt", closed="on sulkenut asiasi", viewed="Asiaasi ovat katsoneet:",
            unit="Porvoon lähitori")
VIEW = re.compile(r"· Sari Laine, palveluohjaaja, Porvoon lähitori \(demo\), "  # who, then 3.12.2026 klo 14.05
                  r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}")
UVICORN_LOGGERS = ("uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@contextlib.asynccontextmanager
async def console(services: Services) -> AsyncIterator[str]:
    """The console served in this loop, beside the bot, as `lahitori run` serves it (no jobs of its own). Its uvicorn
    config quiets uvicorn's loggers process-wide (no access log): they are put back afterwards, for the tests that
    read uvicorn's log (tests/web/test_browser.py)."""
    kept = {name: (log.level, log.handlers[:], log.propagate) for name in UVICORN_LOGGERS
            for log in [logging.getLogger(name)]}
    served = Console(services, bind("127.0.0.1", 0), jobs=False)
    try:
        await served.start()
        yield served.url.rstrip("/")
    finally:
        await served.stop()
        served.sock.close()
        for name, (level, handlers, propagate) in kept.items():
            log = logging.getLogger(name)
            log.setLevel(level)
            log.handlers[:] = handlers
            log.propagate = propagate


async def test_a_case_from_the_chat_is_claimed_answered_and_closed_in_the_browser(
        db_url: str, channel_classifier, front, telegram_http: httpx.AsyncClient):  # noqa: ANN001, F811
    with demo_services(db_url, channel_classifier) as services:
        with services.sessions.begin() as session:
            accounts.add(session, username="sari", password=PASSWORD, role="staff", coordinator="Sari Laine",
                         language="fi", now=utcnow())
        async with serving_bot(front, services) as bot, console(services) as url, chromium_tab() as tab:
            citizen = TelegramCitizen(bot=bot, http=telegram_http, chat_id=5101, lang="fi")

            # Sari has her inbox open before the citizen writes; the page is marked to tell a reload.
            await sign_in(tab, url, "sari")
            await expect(tab).to_have_title("(0) Asiat – Lähitorin työpöytä")
            await tab.evaluate("window.sameInbox = true")

            await walk_to_consent(citizen, FI)
            handed = await citizen.press(FI["consent_yes"])
            assert FI["handed"] in handed[0].text and "Sari" in handed[0].text
            with services.sessions() as session:
                case = session.scalars(select(Handoff.id)).one()

            row = tab.get_by_role("link", name=f"#{case}")
            await expect(row).to_be_visible(timeout=WAIT)  # the event stream, not a reload
            await expect(tab).to_have_title("(1) Asiat – Lähitorin työpöytä")
            assert await tab.evaluate("window.sameInbox === true"), "the inbox was reloaded"

            # Claim: the citizen is told who has the case.
            mark = len(citizen.received)
            await row.click()
            await expect(tab.get_by_role("heading", level=1)).to_contain_text(f"#{case}")
            await tab.get_by_role("button", name=CONSOLE["claim"]).click()
            await expect(tab.get_by_role("status")).to_contain_text(CONSOLE["claimed"].format(case=case),
                                                                    timeout=WAIT)
            told = await citizen.wait_for(lambda m: CHAT["claimed"] in m.text, after=mark)
            assert told.text.startswith(f"{CHAT['claimed']} Sari") and CHAT["unit"] in told.text, told.text

            # The reply box: the message reaches the chat, signed with her name and unit.
            await tab.get_by_label(CONSOLE["message"]).fill(REPLY)
            await tab.get_by_role("button", name=CONSOLE["send"]).click()
            await expect(tab.get_by_role("status")).to_contain_text(CONSOLE["sent"].format(case=case), timeout=WAIT)
            relayed = await citizen.wait_for(lambda m: m.text.startswith(REPLY), after=mark)
            signature = relayed.text[len(REPLY):]
            assert "Sari" in signature and CHAT["unit"] in signature, relayed.text

            # Close with an outcome: the citizen is thanked and asked to rate.
            await tab.get_by_label(CONSOLE["outcome"]).check()
            await tab.get_by_role("button", name=CONSOLE["close"]).click()
            await expect(tab.get_by_role("status")).to_contain_text(CONSOLE["closed"].format(case=case), timeout=WAIT)
            closing = await citizen.wait_for(lambda m: CHAT["closed"] in m.text, after=mark)
            assert [data for _, data in closing.buttons] == [f"fb:{case}:{n}" for n in range(1, 6)]

            # The view log, as the citizen reads it in /mydata.
            shown = await citizen.send("/mydata")
            said = "\n".join(message.text for message in shown)
            views = said.split(CHAT["viewed"], 1)[-1].split("\n•", 1)[0].strip().splitlines()
            assert CHAT["viewed"] in said and len(views) == 4, said  # the case page, after the claim, reply, close
            assert all(VIEW.fullmatch(line.strip()) for line in views), views

        with services.sessions() as session:
            handoff = session.get_one(Handoff, case)
            assert (handoff.status, handoff.outcome, handoff.coordinator.full_name) == ("closed", "guidance",
                                                                                      "Sari Laine")
