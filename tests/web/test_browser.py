"""The console in a real browser (tests/auxil/browser.py: Debian's Chromium, headless, driven by Playwright against
uvicorn serving the app; never skipped): a new case arrives without a reload, is claimed and answered, in Finnish
and in Swedish (the screenshots of docs/screenshots come from here); two coordinators claim the same case at once;
and the live server's logs, uvicorn's included, at DEBUG hold no word of the citizen's or the coordinator's."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db.models import AuditEvent, Handoff, MessageLog
from bot.db.types import utcnow
from tests.auxil.browser import (  # noqa: F401 - the browser_tab and live fixtures
    Live,
    browser_tab_fixture,
    live_fixture,
    sign_in,
)
from tests.auxil.logs import debug_log_fixture  # noqa: F401 - the debug_log fixture
from tests.web.conftest import make_case

pytestmark = pytest.mark.browser
SHOTS = PROJECT_ROOT / "docs" / "screenshots"  # console-{inbox,case}-{fi,sv}.png: the README shows them

# (user, whose case, the citizen's words, the reply) and the console's words, per console language
FLOW = {
    "fi": dict(user="sari", to="Sari", said="Äiti kaatui eilen eikä pärjää enää yksin", second="Isä tarvitsee "
               "kuljetuspalvelua", reply="Hei! Soitan teille huomenna aamupäivällä.",
               title="Asiat – Lähitorin työpöytä", count="Avoimia asioita: {n}", claim="Otan hoitaakseni",
               claimed="Otit asian #{case}", message="Viesti asiakkaalle", send="Lähetä", sent="on matkalla",
               messages="Avaa asian viestit", skip="Siirry sisältöön"),
    "sv": dict(user="anna", to="Anna", said="Mamma föll i går och klarar sig inte ensam hemma",
               second="Pappa behöver färdtjänst", reply="Hej! Jag ringer dig i morgon förmiddag.",
               title="Ärenden – Närtorgets arbetsvy", count="Öppna ärenden: {n}", claim="Jag tar ärendet",
               claimed="Du tog ärende #{case}", message="Meddelande till klienten", send="Skicka", sent="är på väg",
               messages="Öppna ärendets meddelanden", skip="Hoppa till innehållet"),
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_log_in_see_a_new_case_arrive_open_claim_and_reply(live: Live, browser_tab, db_url: str, lang: str,
                                                          debug_log):
    words = FLOW[lang]
    url, services = live.url, live.services
    first = make_case(services, to=words["to"], at=utcnow(), description=words["said"], contact="chat", lang=lang)
    page: Page = browser_tab()
    page.goto(f"{url}/cases")
    expect(page).to_have_url(f"{url}/login")
    sign_in(page, url, words["user"], lang)
    expect(page.get_by_role("link", name=f"#{first.id}")).to_be_visible()
    expect(page).to_have_title(f"(1) {words['title']}")

    second = make_case(services, to=words["to"], at=utcnow(), description=words["second"], contact="chat", lang=lang)
    expect(page.get_by_role("link", name=f"#{second.id}")).to_be_visible(timeout=5000)  # no reload: the event stream
    expect(page).to_have_title(f"(2) {words['title']}")
    expect(page.get_by_role("status")).to_have_text(words["count"].format(n=2))
    if db_url.startswith("sqlite"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"console-inbox-{lang}.png"), full_page=True)

    page.get_by_role("link", name=f"#{second.id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{second.id}")
    expect(page.locator("blockquote.words")).to_have_text(words["second"])
    page.get_by_role("button", name=words["claim"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["claimed"].format(case=second.id))
    page.get_by_label(words["message"]).fill(words["reply"])
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["sent"])
    if db_url.startswith("sqlite"):
        page.screenshot(path=str(SHOTS / f"console-case-{lang}.png"), full_page=True)
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.get_by_role("link", name=words["skip"])).to_be_focused()
    page.get_by_role("link", name=words["messages"]).click()
    expect(page.locator(".transcript")).to_contain_text(words["reply"])

    with services.sessions() as session:
        assert session.get(Handoff, second.id).status == "claimed"
        assert session.scalars(select(MessageLog.text).where(MessageLog.sender == "coordinator")).all() == [
            words["reply"]]
    logged = debug_log.getvalue()
    assert "GET /cases" in logged, "uvicorn's access log was not captured"
    for text in (words["said"], words["second"], words["reply"]):
        for piece in [word.strip("!.,") for word in text.split() if len(word) >= 6]:  # a log line would carry them
            assert piece not in logged, f"the server logged what was written: {piece!r}"


def test_two_coordinators_claim_the_same_case_at_once(live: Live, browser_tab):
    case = make_case(live.services, to="Sari", at=utcnow())  # Sari and her pair Anna may both claim it
    sari, anna = browser_tab(), browser_tab("sv-FI")
    sign_in(sari, live.url, "sari", "fi")
    sign_in(anna, live.url, "anna", "sv")
    for tab in (sari, anna):
        tab.goto(f"{live.url}/cases/{case.id}")
    buttons = [sari.get_by_role("button", name=FLOW["fi"]["claim"]),
               anna.get_by_role("button", name=FLOW["sv"]["claim"])]
    for button in buttons:  # both forms are sent before either answer is awaited
        button.evaluate("button => button.form.requestSubmit(button)")
    for tab in (sari, anna):
        expect(tab.get_by_role("status").or_(tab.get_by_role("alert"))).to_be_visible()  # the answer has come
    with live.services.sessions() as session:
        holder = session.get(Handoff, case.id).coordinator
        claims = session.scalars(select(AuditEvent).where(AuditEvent.action == "handoff_claimed",
                                                          AuditEvent.handoff_id == case.id)).all()
    assert len(claims) == 1 and holder is not None
    winner, loser = (sari, anna) if holder.first_name == "Sari" else (anna, sari)
    won_lang = "fi" if winner is sari else "sv"
    expect(winner.get_by_role("status")).to_contain_text(FLOW[won_lang]["claimed"].format(case=case.id))
    expect(loser.get_by_role("alert")).to_contain_text(holder.first_name)  # "already claimed by Sari"
    expect(loser.get_by_role("button", name=FLOW["sv" if won_lang == "fi" else "fi"]["claim"])).to_have_count(0)
