"""The admin pages in a real browser (Debian's Chromium, headless, Playwright; tests/auxil/browser.py), on SQLite and
PostgreSQL: a flow edited in CodeMirror with an error shown at its line and fixed, its graph, the draft tried in
Finnish and Swedish, published while a citizen is half-way (who finishes on the old words while a new citizen gets
the new ones), rolled back; a directory edit that routing follows; the statistics and their CSV after a scripted day
of conversations; axe-core (WCAG 2.1 AA) on every admin page. The screenshots docs/screenshots/admin-*.png come from
here (SQLite run)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from bot.config import PROJECT_ROOT
from bot.db.session import make_sessionmaker
from bot.demo import seed
from bot.flowspec import versions
from bot.flowspec.live import LiveFlows
from bot.handoff import routing
from bot.services import Services, build
from bot.web import accounts
from bot.web.app import create_app
from tests.auxil.browser import (  # noqa: F401 - the browser_tab fixture
    PASSWORD,
    axe_violations,
    browser_tab_fixture,
    serve,
    sign_in,
)
from tests.auxil.chat import Chat
from tests.conftest import make_settings
from tests.handoff.conftest import FrozenClock
from tests.handoff.test_relay import WAY, hand_off
from tests.web.conftest import NOW

pytestmark = pytest.mark.browser
SHOTS = PROJECT_ROOT / "docs" / "screenshots"  # admin-*.png: the README shows them
VIEWPORT = {"width": 1280, "height": 900}
OLD, NEW = "Kuinka kiireellinen asia on?", "Kuinka pian tarvitset apua?"  # intake.yaml's urgency question in Finnish
TYPO = ("    next: for_whom", "    next: for_who")  # the describe step's target, mistyped
DAY = "2026-11-24"  # NOW's day in Helsinki: the statistics' day


@dataclass
class Admin:
    url: str
    services: Services
    follow: LiveFlows  # what the running bot does every few seconds, done when the test says


@pytest.fixture
def admin_live(db_url: str, keyword_classifier) -> Iterator[Admin]:
    """The console under uvicorn on a seeded database with a frozen clock (NOW: a Tuesday morning, units open),
    the admin "boss" and the coordinator "sari", the repository's flows published as version 1 and followed."""
    services = build(make_settings(db_url), classifier=keyword_classifier, clock=FrozenClock(NOW))
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
        for username, role, who, lang in (("boss", "admin", None, "fi"), ("sari", "staff", "Sari Laine", "fi")):
            accounts.add(session, username=username, password=PASSWORD, role=role, coordinator=who, language=lang,
                         now=NOW)
        versions.publish(session, versions.read_files(PROJECT_ROOT / "flows"), by="system", note="the repository")
    follow = LiveFlows(services.flows, services.sessions)
    assert follow.poll() == 1
    with serve(create_app(services)) as url:
        yield Admin(url, services, follow)
    services.close()


def admin_tab(browser_tab, admin: Admin) -> Page:  # noqa: ANN001
    """A tab with axe-core, 1280x900 (the screenshots' size), signed in as the admin (console in Finnish)."""
    tab = browser_tab("fi-FI", axe=True)
    tab.set_viewport_size(VIEWPORT)
    sign_in(tab, admin.url, "boss", "fi")
    return tab


def accessible(tab: Page, what: str) -> None:
    """axe-core's WCAG 2.1 AA rules find nothing (a node inside the editor's shadow root is named by its path)."""
    violations = axe_violations(tab)
    assert violations == [], f"axe-core found WCAG 2.1 AA problems on {what}: {violations}"


def shoot(tab: Page, db_url: str, name: str, *, full_page: bool = True) -> None:
    if db_url.startswith("sqlite"):  # one set of pictures, from the SQLite run
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / name), full_page=full_page)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def reach_municipality(chat: Chat) -> None:
    """A Finnish citizen on the way to a case, up to the question of the municipality."""
    chat.start("fi")
    chat.say(WAY["fi"]["need"])
    chat.press(WAY["fi"]["want"])
    if "Missä kunnassa" not in chat.text:
        chat.say(WAY["fi"]["describe"])
    assert "Missä kunnassa" in chat.text


def find_in_editor(tab: Page, text: str) -> None:
    """Select `text` in the CodeMirror editor with its own search (Ctrl+F, Enter, Escape), as a person would."""
    tab.locator(".cm-content").click()
    tab.keyboard.press("Control+f")
    search = tab.get_by_role("textbox", name="Find")
    search.press_sequentially(text)  # typed: the panel takes its query on keyup
    search.press("Enter")
    search.press("Escape")


def test_a_flow_edited_checked_drawn_tried_published_and_rolled_back(admin_live: Admin, browser_tab, db_url: str):
    url, services = admin_live.url, admin_live.services
    intake = (PROJECT_ROOT / "flows" / "intake.yaml").read_text(encoding="utf-8")
    typo_line = line_of(intake, TYPO[0])
    tab = admin_tab(browser_tab, admin_live)
    tab.goto(f"{url}/flows")
    accessible(tab, "the flows")
    tab.get_by_role("link", name="intake.yaml", exact=True).click()
    expect(tab).to_have_url(f"{url}/flows/edit/intake.yaml")
    editor = tab.locator(".cm-editor")
    expect(editor).to_be_visible()
    expect(tab.locator("textarea#body")).to_be_hidden()  # the editor stands in for the plain field
    # CodeMirror's styles (in its shadow root, a constructed style sheet, which the console's CSP allows) are on:
    # the editor is laid out as CodeMirror lays it out (a flex box with its gutters), not as bare divs
    assert editor.evaluate("e => getComputedStyle(e).display") == "flex"
    assert tab.locator(".cm-gutters").evaluate("e => getComputedStyle(e).display") == "flex"

    # an error typed in: the describe step's next names a step that does not exist
    find_in_editor(tab, TYPO[0].strip())
    tab.keyboard.press("End")
    tab.keyboard.press("Backspace")
    wrong = tab.locator(".cm-line", has=tab.locator(".cm-lintRange-error"))
    expect(wrong).to_have_text(TYPO[1])
    problems = tab.locator("#problems")
    expect(problems).to_contain_text(f"Rivi {typo_line}:")
    expect(problems).to_contain_text("for_who")
    marker = tab.locator(".cm-gutter-lint .cm-gutterElement").filter(has=tab.locator(".cm-lint-marker-error"))
    expect(marker).to_have_count(1)
    line_box, marker_box = wrong.bounding_box(), marker.bounding_box()
    assert line_box and marker_box and abs(line_box["y"] - marker_box["y"]) < 4, "the marker is not at the line"
    accessible(tab, "the editor with an error")
    shoot(tab, db_url, "admin-editor-fi.png", full_page=False)

    # fixed, and a kinder question in Finnish; saved
    tab.keyboard.press("m")
    expect(problems).to_have_text("Virheitä ei löytynyt.")
    expect(tab.locator(".cm-lint-marker-error")).to_have_count(0)
    find_in_editor(tab, OLD)
    tab.keyboard.type(NEW)
    tab.get_by_role("button", name="Tallenna luonnos").click()
    expect(tab.get_by_role("status")).to_have_text("Tiedoston intake.yaml luonnos on tallennettu.")
    expect(tab.get_by_text("Virheitä ei löytynyt.")).to_be_visible()

    # the graph: drawn, and a step's box leads to its line in the editor
    tab.get_by_role("link", name="intake.yaml: kaavio").click()
    expect(tab.locator("figure.graph svg")).to_be_visible()
    describe = line_of(intake, "  describe:")
    box = tab.locator(f'svg a[*|href="/flows/edit/intake.yaml#line-{describe}"]')
    expect(box).to_have_count(1)
    accessible(tab, "the graph")
    assert "[ei tavoitettavissa]" not in tab.locator("ul.steps").inner_text()  # consent's yes/no lead on
    shoot(tab, db_url, "admin-graph-fi.png")
    box.click()
    expect(tab).to_have_url(f"{url}/flows/edit/intake.yaml#line-{describe}")
    expect(tab.locator(".cm-activeLine")).to_have_text("  describe:")

    # the draft tried in a chat: the Finnish words are the draft's; then in Swedish
    tab.goto(f"{url}/flows")
    tab.get_by_role("link", name="Kokeile luonnosta keskustelussa").click()
    transcript = tab.locator("ol.transcript")
    expect(transcript).to_contain_text("Kerro omin sanoin")
    tab.get_by_label("Kirjoita kuten asukas kirjoittaisi").fill(WAY["fi"]["need"])
    tab.get_by_role("button", name="Lähetä").click()
    tab.get_by_role("button", name=WAY["fi"]["want"]).click()
    if not tab.get_by_role("button", name="Porvoo", exact=True).count():  # the description is asked for first
        tab.get_by_label("Kirjoita kuten asukas kirjoittaisi").fill(WAY["fi"]["describe"])
        tab.get_by_role("button", name="Lähetä").click()
    tab.get_by_role("button", name="Porvoo", exact=True).click()
    expect(transcript.locator("li.bot").last).to_contain_text(NEW)
    accessible(tab, "try-it in Finnish")
    tab.get_by_label("Keskustelun kieli").select_option("sv")
    tab.get_by_role("button", name="Aloita alusta").click()
    expect(transcript).to_have_attribute("lang", "sv")
    expect(transcript).to_contain_text("Berätta med egna ord")
    tab.get_by_label("Kirjoita kuten asukas kirjoittaisi").fill(WAY["sv"]["need"])
    tab.get_by_role("button", name="Lähetä").click()
    expect(transcript).to_contain_text("Färdtjänst")
    tab.get_by_role("button", name=WAY["sv"]["want"]).click()
    if not tab.get_by_role("button", name="Borgå", exact=True).count():
        tab.get_by_label("Kirjoita kuten asukas kirjoittaisi").fill(WAY["sv"]["describe"])
        tab.get_by_role("button", name="Lähetä").click()
    tab.get_by_role("button", name="Borgå", exact=True).click()
    expect(transcript.locator("li.bot").last).to_contain_text("Hur brådskande är ärendet?")
    accessible(tab, "try-it in Swedish")
    shoot(tab, db_url, "admin-try-sv.png")
    tab.goto(f"{url}/flows/texts")
    expect(tab.get_by_role("cell", name=NEW)).to_be_visible()
    accessible(tab, "the texts side by side")

    # a citizen half-way when the draft is published finishes on the old words; a new one gets the new
    before = Chat(services, user="began-before", channel="telegram")
    reach_municipality(before)
    tab.goto(f"{url}/flows")
    tab.get_by_label("Mitä muuttui (kuvaus tallentuu version mukana)").fill("Ystävällisempi kysymys kiireestä")
    tab.get_by_role("button", name="Julkaise luonnos").click()
    expect(tab.get_by_role("status")).to_contain_text("Julkaistu versioksi 2.")
    assert admin_live.follow.poll() == 2  # what the running bot does within seconds
    before.press("Porvoo")
    assert OLD in before.text and NEW not in before.text
    after = Chat(services, user="began-after", channel="telegram")
    reach_municipality(after)
    after.press("Porvoo")
    assert NEW in after.text and OLD not in after.text

    # rolled back to version 1 (as version 3): live again for the next citizen
    tab.get_by_role("link", name="1", exact=True).click()
    expect(tab).to_have_url(f"{url}/flows/versions/1")
    expect(tab.locator("pre.diff")).to_contain_text(f"-      fi: {NEW}")
    expect(tab.locator("pre.diff")).to_contain_text(f"+      fi: {OLD}")
    accessible(tab, "a version with its diff")
    tab.get_by_label("Miksi (kuvaus tallentuu uuden version mukana)").fill("Takaisin entiseen")
    tab.get_by_role("button", name="Julkaise tämä versio uudelleen").click()
    expect(tab.get_by_role("status")).to_have_text("Versio 1 on julkaistu uudelleen versiona 3.")
    assert admin_live.follow.poll() == 3
    later = Chat(services, user="began-after-the-rollback", channel="telegram")
    reach_municipality(later)
    later.press("Porvoo")
    assert OLD in later.text and NEW not in later.text
    with services.sessions() as session:
        assert [(v.id, v.created_by, v.note) for v in versions.history(session)] == [
            (3, "admin:boss", "Takaisin entiseen"), (2, "admin:boss", "Ystävällisempi kysymys kiireestä"),
            (1, "system", "the repository")]


def routed_to(services: Services) -> tuple[str | None, bool]:
    """Who a new Finnish transport-service case from Porvoo goes to now: (first name or None, via the pair)."""
    with services.sessions() as session:
        chosen = routing.choose(session, topic="transport_service", municipality="porvoo", lang="fi", now=NOW)
        assert chosen is not None and chosen.unit.code == "porvoo"
        return (chosen.coordinator.first_name if chosen.coordinator else None), chosen.via_pair


def test_directory_edits_in_the_browser_take_effect_in_routing(admin_live: Admin, browser_tab, db_url: str):
    url, services = admin_live.url, admin_live.services
    assert routed_to(services) == ("Sari", False)
    tab = admin_tab(browser_tab, admin_live)
    tab.goto(f"{url}/directory")
    accessible(tab, "the directory")
    shoot(tab, db_url, "admin-directory-fi.png")

    # Sari away from today: her work pair Anna takes her cases
    tab.get_by_role("link", name="Sari Laine").click()
    tab.get_by_label("Poissa alkaen").fill(DAY)
    tab.get_by_role("button", name="Lisää poissaolo").click()
    expect(tab.get_by_role("status")).to_have_text("Poissaolo on tallennettu.")
    accessible(tab, "a coordinator with an absence")
    assert routed_to(services) == ("Anna", True)
    tab.get_by_role("link", name="Takaisin hakemistoon").click()
    expect(tab.locator("tr", has=tab.get_by_role("link", name="Sari Laine"))).to_contain_text("poissa")

    # Anna no longer active: nobody in Porvoo serves the topic, so the unit receives the case
    tab.get_by_role("link", name="Anna Lindholm").click()
    tab.get_by_label("Aktiivinen (saa asioita)").uncheck()
    tab.get_by_role("button", name="Tallenna", exact=True).click()
    expect(tab.get_by_role("status")).to_have_text("Palveluohjaaja on tallennettu.")
    assert routed_to(services) == (None, False)

    # Sari's absence ended: hers again
    tab.get_by_role("link", name="Sari Laine").click()
    tab.get_by_role("button", name="Päätä").click()
    expect(tab.get_by_role("status")).to_have_text("Poissaolo on tallennettu.")
    assert routed_to(services) == ("Sari", False)


def script_a_day(services: Services) -> None:
    """Through the real runner on NOW's day: five matters end with the card alone, six are handed on in Porvoo, two
    consents are declined."""
    for n in range(5):
        chat = Chat(services, user=f"card-{n}", channel="telegram")
        chat.start("fi")
        chat.say(WAY["fi"]["need"])
        chat.press("tämä riitti")
    for n in range(6):
        hand_off(Chat(services, user=f"case-{n}", channel="telegram"), "fi")
    for n in range(2):
        declines = Chat(services, user=f"declines-{n}", channel="telegram")
        hand_off(declines, "fi", consent=False)
        declines.press("Ei")


def table_rows(tab: Page, caption: str) -> list[list[str]]:
    """The rows (header first) of the table with this caption, as shown."""
    table = tab.locator("table", has=tab.locator("caption", has_text=caption))
    return table.evaluate("t => [...t.rows].map(r => [...r.cells].map(c => c.textContent.trim()))")


def test_statistics_and_their_csv_after_a_scripted_day(admin_live: Admin, browser_tab, db_url: str):
    url, services = admin_live.url, admin_live.services
    script_a_day(services)
    tab = admin_tab(browser_tab, admin_live)
    tab.goto(f"{url}/stats")
    tab.get_by_label("Alkaen").fill(DAY)
    tab.get_by_label("Päättyen").fill(DAY)
    tab.get_by_role("button", name="Näytä").click()
    expect(tab.get_by_text("Luvut ajalta 24.11.2026–24.11.2026")).to_be_visible()
    rows = table_rows(tab, "Asiat ajanjaksoittain")
    assert rows[0] == ["Ajanjakso", "Asiat", "Pelkkä kortti", "Kirjatut tarpeet", "Välitetty", "Suostumus evätty",
                       "Pelkkä kortti, osuus", "Välitetty, osuus", "Evätty, osuus"]
    # 13 matters: 5 ended with the card alone, 8 needs; the 2 declines are too few to show ("<5"), and so are the 6
    # handed on, which would tell them (8 - 6); shares only from what is shown
    assert rows[1:] == [["24.11.2026", "13", "5", "8", "–", "<5", "38 %", "–", "–"],
                        ["Yhteensä", "13", "5", "8", "–", "<5", "38 %", "–", "–"]]
    assert table_rows(tab, "Tarpeet kunnittain")[1] == ["Porvoo", "8", "–", "<5"]
    accessible(tab, "the statistics")
    shoot(tab, db_url, "admin-stats-fi.png", full_page=False)  # the first tables; the page is long
    with tab.expect_download() as waiting:
        tab.get_by_role("link", name="Lataa CSV-tiedostona: Asiat ajanjaksoittain").click()
    download = waiting.value
    assert download.suggested_filename == f"lahitori-contacts-{DAY}-{DAY}.csv"
    with open(download.path(), encoding="utf-8") as handle:
        assert list(csv.reader(io.StringIO(handle.read()))) == rows
    tab.goto(f"{url}/views")
    accessible(tab, "the view log")
