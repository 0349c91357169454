"""WCAG 2.1 AA in the browser: axe-core (its wcag2a, wcag2aa, wcag21a and wcag21aa rules) on every kind of console
page in Finnish and Swedish, and the keyboard: the skip link first, focus order as in the document, focus visible
on every control. What axe cannot judge (whether the texts make sense read aloud) needs a person with a screen
reader; the README's accessibility statement says so."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.db.types import utcnow
from tests.auxil.browser import (  # noqa: F401 - the browser_tab and live fixtures
    Live,
    axe_violations,
    browser_tab_fixture,
    live_fixture,
    sign_in,
)
from tests.web.conftest import make_case

pytestmark = pytest.mark.browser
CLAIM = {"fi": "Otan hoitaakseni", "sv": "Jag tar ärendet"}
MESSAGE = {"fi": "Viesti asiakkaalle", "sv": "Meddelande till klienten"}
SEND = {"fi": "Lähetä", "sv": "Skicka"}
TRANSCRIPT = {"fi": "Avaa asian viestit", "sv": "Öppna ärendets meddelanden"}
WHO = {"fi": "sari", "sv": "anna"}  # Sari's console is in Finnish, her work pair Anna's in Swedish


def assert_accessible(tab: Page, what: str) -> None:
    violations = axe_violations(tab)
    assert violations == [], f"axe-core found WCAG 2.1 AA problems on {what}: {violations}"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_login_page_with_and_without_an_error(live: Live, browser_tab, lang: str):
    tab = browser_tab(axe=True)
    tab.goto(f"{live.url}/login?lang={lang}")
    expect(tab.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(tab, f"the login page ({lang})")
    tab.get_by_label({"fi": "Käyttäjätunnus", "sv": "Användarnamn"}[lang]).fill("sari")
    tab.get_by_label({"fi": "Salasana", "sv": "Lösenord"}[lang]).fill("not the password")
    tab.get_by_role("button", name={"fi": "Kirjaudu sisään", "sv": "Logga in"}[lang]).click()
    expect(tab.get_by_role("alert")).to_have_text({"fi": "Väärä käyttäjätunnus tai salasana.",
                                                  "sv": "Fel användarnamn eller lösenord."}[lang])
    assert_accessible(tab, f"the login page with an error ({lang})")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_inbox_empty_and_with_cases(live: Live, browser_tab, lang: str):
    tab = browser_tab(axe=True)
    sign_in(tab, live.url, WHO[lang], lang)
    expect(tab.get_by_role("status")).to_have_text({"fi": "Avoimia asioita: 0", "sv": "Öppna ärenden: 0"}[lang])
    assert_accessible(tab, f"the empty inbox ({lang})")
    first = make_case(live.services, to="Sari", at=utcnow(), lang=lang)
    make_case(live.services, to="Sari", at=utcnow(), contact="phone")
    expect(tab.get_by_role("link", name=f"#{first.id}")).to_be_visible(timeout=5000)  # the live table swapped in
    assert_accessible(tab, f"the inbox with cases ({lang})")
    tab.reload()
    assert_accessible(tab, f"the inbox with cases, loaded whole ({lang})")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_case_with_its_history_and_reply_box_and_a_missing_case(live: Live, browser_tab, lang: str):
    case = make_case(live.services, to="Sari", at=utcnow(), contact="chat", lang=lang)
    tab = browser_tab(axe=True)
    sign_in(tab, live.url, WHO[lang], lang)
    tab.goto(f"{live.url}/cases/{case.id}")
    assert_accessible(tab, f"a new case ({lang})")
    tab.get_by_role("button", name=CLAIM[lang]).click()
    tab.get_by_label(MESSAGE[lang]).fill("Hei! / Hej!")
    tab.get_by_role("button", name=SEND[lang]).click()
    expect(tab.get_by_role("status")).to_be_visible()
    assert tab.locator("#history-h + ul li").count() >= 2  # passed on, claimed, ...
    assert_accessible(tab, f"a claimed case with its history and the reply box ({lang})")
    tab.get_by_role("link", name=TRANSCRIPT[lang]).click()
    expect(tab.locator(".transcript")).to_contain_text("Hei! / Hej!")
    assert_accessible(tab, f"the messages of a case ({lang})")
    tab.goto(f"{live.url}/cases/987654")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(tab, f"the not-found page ({lang})")


def _tab_through(tab: Page, stops: int) -> list[dict]:
    seen = []
    for _ in range(stops):
        tab.keyboard.press("Tab")
        seen.append(tab.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {key: el.outerHTML.slice(0, 120), tag: el.tagName.toLowerCase(), type: el.type || '',
                    outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
                    focusVisible: el.matches(':focus-visible')};
        }"""))
    return seen


FOCUSABLE_IN_ORDER = """() => {
    const radioStop = el => {  // a radio group is one tab stop: its checked radio, else its first
        const group = [...el.form.querySelectorAll(`input[type=radio][name="${el.name}"]`)];
        return el === (group.find(r => r.checked) || group[0]);
    };
    return [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
        .filter(el => el.classList.contains('skip') || !el.disabled && el.getAttribute('tabindex') !== '-1'
                      && el.getClientRects().length > 0 && (el.type !== 'radio' || radioStop(el)))
        .map(el => el.outerHTML.slice(0, 120));
}"""


@pytest.mark.parametrize("where", ["login", "inbox", "case"])
def test_the_keyboard_skip_link_first_focus_in_order_and_always_visible(live: Live, browser_tab, where: str):
    tab = browser_tab()
    if where == "login":
        tab.goto(f"{live.url}/login")
    else:
        sign_in(tab, live.url, "sari")
        make_case(live.services, to="Sari", at=utcnow())
        if where == "case":
            case = make_case(live.services, to="Sari", at=utcnow(), contact="chat")
            tab.goto(f"{live.url}/cases/{case.id}")
            tab.get_by_role("button", name=CLAIM["fi"]).click()  # now the reply box is there too
            expect(tab.get_by_label(MESSAGE["fi"])).to_be_visible()
        tab.goto(tab.url)  # a fresh load: nothing has focus
    expected = tab.evaluate(FOCUSABLE_IN_ORDER)
    now = tab.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    if where == "login":  # the username field has autofocus: the tabbing goes on from there
        assert now.startswith("<input") and 'id="username"' in now
        expected = expected[expected.index(now) + 1:]
    stops = _tab_through(tab, len(expected))
    assert [stop["key"] for stop in stops] == expected, "the tab order is not the document's order"
    for stop in stops:
        assert stop["focusVisible"] and stop["outline"] != "none" and stop["width"] >= 2, \
            f"no visible focus on {stop['key']}: {stop}"
    if where == "login":
        return
    assert stops[0]["key"].startswith('<a class="skip"')
    tab.goto(tab.url)
    tab.keyboard.press("Tab")
    skip = tab.get_by_role("link", name="Siirry sisältöön")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off the screen"
    tab.keyboard.press("Enter")
    expect(tab.locator("main#main")).to_be_focused()
    tab.keyboard.press("Tab")  # and the next stop is the page's first control, past the header
    assert tab.evaluate("() => document.getElementById('main').contains(document.activeElement)")
