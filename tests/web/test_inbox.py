"""The inbox at /cases: filters (mine, unit, status, topic, language) that narrow in SQL and never widen what a staff
member may see, pages of 50 with the total in the tab and the event stream, the wait counted in the unit's opening
hours, and the note of a returning citizen."""
from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from bot.db.models import Absence, Coordinator, Handoff, Need, Unit
from bot.db.types import utcnow
from bot.handoff import consent as consent_rules
from bot.handoff import staff
from bot.handoff.routing import choose, last_coordinator
from bot.handoff.service import create_handoff
from tests.auxil.browser import (  # noqa: F401 - the browser_tab and live fixtures
    BrowserTab,
    Live,
    browser_tab_fixture,
    live_fixture,
    sign_in,
)
from tests.handoff.conftest import helsinki
from tests.web.conftest import NOW, coordinator, login, make_case

EIGHT_TO_FOUR = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def shown(html: str) -> list[int]:
    """The case numbers in the inbox table, in order."""
    return [int(n) for n in re.findall(r'<th scope="row"><a href="/cases/(\d+)">', html)]


def change(services, number: int, **values) -> None:
    with services.sessions.begin() as session:
        session.execute(update(Handoff).where(Handoff.id == number).values(**values))


def set_topic(services, number: int, topic: str) -> None:
    with services.sessions.begin() as session:
        need_id = session.get_one(Handoff, number).need_id
        session.execute(update(Need).where(Need.id == need_id).values(topic=topic))


def claim(services, number: int, first: str, at=NOW) -> None:
    with services.sessions.begin() as session:
        staff.claim(session, handoff_id=number, coordinator_id=coordinator(services, first).id, now=at)


def first_event(client, url: str) -> dict:
    """The first `inbox` event of the stream at `url`."""
    with client.stream("GET", url) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        for line in lines:
            if line == "event: inbox":
                return json.loads(next(lines).removeprefix("data: "))
    raise AssertionError("no inbox event")


def test_each_filter_narrows_and_the_unit_filter_is_an_admins(client, services):
    sari_fi = make_case(services, to="Sari").id
    unit_sv = make_case(services, to=None, lang="sv").id
    set_topic(services, unit_sv, "digital_support")
    claimed = make_case(services, to="Sari").id
    claim(services, claimed, "Sari")
    loviisa = make_case(services, to="Pirjo").id
    login(client, "boss")
    page = client.get("/cases")
    assert sorted(shown(page.text)) == [sari_fi, unit_sv, claimed, loviisa]
    assert '<label for="unit">Yksikkö</label>' in page.text and "Loviisan lähitori (demo)" in page.text
    assert '<option value="digital_support"' in page.text  # the 15 topics by their titles
    assert shown(client.get("/cases?unit=loviisa").text) == [loviisa]
    assert shown(client.get("/cases?status=claimed").text) == [claimed]
    assert shown(client.get("/cases?topic=digital_support").text) == [unit_sv]
    assert shown(client.get("/cases?language=sv").text) == [unit_sv]
    assert shown(client.get("/cases?unit=porvoo&status=new&language=fi").text) == [sari_fi]
    assert shown(client.get("/cases?mine=1").text) == []  # the admin holds no case
    login(client, "sari")
    page = client.get("/cases?mine=1")  # a case the consent names Sari for is hers from the start
    assert shown(page.text) == [sari_fi, claimed] and 'id="unit"' not in page.text  # staff see only their unit
    assert shown(client.get("/cases?mine=1&status=claimed").text) == [claimed]
    assert 'checked' in page.text.split('id="mine"')[1].split(">")[0]
    assert shown(client.get("/cases/table?topic=home_support&status=new").text) == [sari_fi]


def test_a_staff_member_never_sees_more_than_the_domain_lets_them(client, services):
    """The SQL narrowing mirrors bot/handoff/staff.permitted for every filter combination (?unit=loviisa too)."""
    cases = [make_case(services, to="Sari").id, make_case(services, to=None).id,
             make_case(services, to=None, lang="sv").id, make_case(services, to="Mikko").id,
             make_case(services, to=None).id, make_case(services, to=None).id, make_case(services, to="Pirjo").id,
             make_case(services, to=None, unit="loviisa").id]
    claim(services, cases[4], "Anna")  # the unit's case held by Anna: Sari is her work pair
    claim(services, cases[5], "Mikko")  # held by Mikko, whose pair is Johanna: not Sari's
    with services.sessions() as session:
        sari = session.scalars(select(Coordinator).where(Coordinator.first_name == "Sari")).one()
        allowed = {h.id for h in session.scalars(select(Handoff)) if staff.permitted(handoff=h, coordinator=sari)}
    assert allowed == {cases[0], cases[1], cases[2], cases[4]}
    login(client, "sari")
    for unit, status, lang, mine in itertools.product(("", "loviisa", "porvoo", "nowhere"), ("", "new", "claimed"),
                                                      ("", "fi", "sv"), ("", "1")):
        query = f"unit={unit}&status={status}&language={lang}&mine={mine}"
        table = client.get(f"/cases/table?{query}")
        assert table.status_code == 200
        assert set(shown(table.text)) <= allowed, query
    assert sorted(shown(client.get("/cases?unit=loviisa").text)) == sorted(allowed)  # the unit filter is ignored
    assert first_event(client, "/cases/events?unit=loviisa")["count"] == len(allowed)


def test_pages_of_fifty_with_the_total_in_the_tab_and_the_stream(client, services):
    numbers = [make_case(services, to=None, at=NOW - timedelta(minutes=200 - i)).id for i in range(120)]
    other_language = make_case(services, to=None, lang="sv").id
    login(client, "sari")
    first = client.get("/cases?language=fi")
    assert shown(first.text) == numbers[:50]  # oldest (waiting longest) first
    assert "<title>(120) Asiat" in first.text and "Avoimia asioita: 120" in first.text
    assert "Asiat 1–50, yhteensä 120" in first.text
    assert 'href="/cases?language=fi&amp;page=2" rel="next"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/cases?language=fi&page=2")
    assert shown(second.text) == numbers[50:100] and "Asiat 51–100, yhteensä 120" in second.text
    assert 'href="/cases?language=fi" rel="prev"' in second.text and 'page=3" rel="next"' in second.text
    assert 'data-events="/cases/events?language=fi&amp;page=2"' in second.text  # the live table keeps filters and page
    assert 'data-table="/cases/table?language=fi&amp;page=2"' in second.text
    third = client.get("/cases/table?language=fi&page=3")
    assert shown(third.text) == numbers[100:] and "Asiat 101–120, yhteensä 120" in third.text
    assert 'rel="next"' not in third.text
    assert shown(client.get("/cases?language=fi&page=99").text) == numbers[100:]  # past the end: the last page
    assert first_event(client, "/cases/events?language=fi&page=2")["count"] == 120
    everything = first_event(client, "/cases/events")
    assert everything["count"] == 121 and other_language not in shown(first.text)
    login(client, "anna")  # Swedish
    assert "Ärenden 51–100 av 121" in client.get("/cases?page=2").text


def test_the_wait_counts_only_opening_hours_until_the_claim(client, services, clock):
    with services.sessions.begin() as session:
        session.execute(update(Unit).where(Unit.code == "porvoo").values(opening_hours=EIGHT_TO_FOUR))
    friday = helsinki(2026, 11, 27, 15, 0)
    waiting = make_case(services, to=None, at=friday).id
    claimed = make_case(services, to=None, at=friday).id
    claim(services, claimed, "Sari", at=helsinki(2026, 11, 30, 8, 20))  # Monday, 20 minutes after opening
    clock.at = helsinki(2026, 11, 30, 10, 0)  # Monday 10.00
    login(client, "sari")
    page = client.get("/cases").text
    row = page.split(f'href="/cases/{waiting}"')[1].split("</tr>")[0]
    assert '<td class="waited">3 t (työaikaa)</td>' in row
    row = page.split(f'href="/cases/{claimed}"')[1].split("</tr>")[0]
    assert '<td class="waited">1 t 20 min (työaikaa)</td>' in row  # the wait ended with the claim
    login(client, "anna")
    assert "3 h (arbetstid)" in client.get("/cases").text


def test_the_promise_is_a_date_a_time_and_a_word(client, services, clock):
    on_time = make_case(services, to="Sari").id
    late = make_case(services, to="Sari", at=NOW - timedelta(days=2)).id
    escalated = make_case(services, to="Sari").id
    change(services, escalated, escalation_level=1)
    login(client, "sari")
    page = client.get("/cases").text
    row = page.split(f'href="/cases/{on_time}"')[1].split("</tr>")[0]
    assert "25.11.2026 klo 10.00" in row and '<span class="promise on_time">ajallaan</span>' in row
    assert '<span class="promise late">myöhässä</span>' in page.split(f'href="/cases/{late}"')[1].split("</tr>")[0]
    assert 'class="promise escalated"' in page.split(f'href="/cases/{escalated}"')[1].split("</tr>")[0]


def test_invalid_filter_values_are_ignored(client, services):
    numbers = [make_case(services, to="Sari").id, make_case(services, to=None).id]
    login(client, "sari")
    for query in ("status=closed", "status=%00", "topic=nothing", "language=en", "unit=x'--", "mine=yes", "page=abc",
                  "page=0", "page=-3", "page=99999999999999999999", "page=%D9%A3", "status=new&status=bogus"):
        for path in ("/cases", "/cases/table"):
            answer = client.get(f"{path}?{query}")
            assert answer.status_code == 200, query
            assert sorted(shown(answer.text)) == numbers, query
    assert client.get("/cases?page=%D9%A3").status_code == 200  # an Arabic-Indic digit is not a page number
    assert first_event(client, "/cases/events?status=bogus&page=x")["count"] == 2


def test_a_returning_citizen_goes_to_the_pair_when_the_earlier_person_is_away(client, services):
    earlier = make_case(services, to="Sari")
    claim(services, earlier.id, "Sari")
    change(services, earlier.id, status="closed", closed_at=NOW)
    with services.sessions.begin() as session:
        sari = session.scalars(select(Coordinator).where(Coordinator.first_name == "Sari")).one()
        session.add(Absence(coordinator_id=sari.id, starts_at=NOW - timedelta(hours=1), ends_at=None))
        session.flush()
        old = session.get_one(Handoff, earlier.id)
        need = Need(citizen_id=old.citizen_id, topic="home_support", description="Taas apua kotiin", language="fi",
                    municipality="Porvoo", urgency="soon", contact_preference="chat", created_at=NOW)
        session.add(need)
        session.flush()
        chosen = choose(session, topic="home_support", municipality="porvoo", lang="fi", now=NOW,
                        prefer=last_coordinator(session, citizen_id=old.citizen_id))
        assert chosen is not None and chosen.coordinator is not None and chosen.coordinator.first_name == "Anna"
        consent = consent_rules.record_decision(
            session, citizen_id=old.citizen_id, need_id=need.id, text="Annan luvan.", decision="given", lang="fi",
            unit_id=chosen.unit.id, coordinator_id=chosen.coordinator.id, pair_id=chosen.coordinator.pair_id, now=NOW)
        again, _created = create_handoff(session, need=need, consent=consent, now=NOW)
        number = again.id
    first_time = make_case(services, to="Anna").id
    login(client, "anna")
    page = client.get("/cases").text
    row = page.split(f'href="/cases/{number}"')[1].split("</tr>")[0]
    assert "Återkommande klient: förra gången Sari Laine, nu arbetsparet" in row
    assert "Återkommande" not in page.split(f'href="/cases/{first_time}"')[1].split("</tr>")[0]
    login(client, "boss")
    row = client.get("/cases").text.split(f'href="/cases/{number}"')[1].split("</tr>")[0]
    assert "Palaava asiakas: viime kerralla Sari Laine, nyt hänen työparinsa" in row


@pytest.mark.browser
def test_the_filter_form_and_the_live_table_keep_the_filters(live: Live, browser_tab: BrowserTab):
    swedish = make_case(live.services, to="Sari", lang="sv", at=utcnow()).id
    make_case(live.services, to="Sari", at=utcnow())
    page = browser_tab()
    sign_in(page, live.url, "sari")
    expect(page).to_have_title("(2) Asiat – Lähitorin työpöytä")
    page.get_by_label("Kieli").select_option("sv")
    page.get_by_role("button", name="Näytä").click()
    expect(page).to_have_url(re.compile(r"/cases\?.*language=sv"))  # a plain GET form: works without script too
    expect(page.get_by_role("link", name=f"#{swedish}")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # the header and the one Swedish case
    finnish = make_case(live.services, to="Sari", at=utcnow()).id
    arrived = make_case(live.services, to="Sari", lang="sv", at=utcnow()).id
    expect(page.get_by_role("link", name=f"#{arrived}")).to_be_visible(timeout=5000)  # no reload: the event stream
    expect(page).to_have_title("(2) Asiat – Lähitorin työpöytä")
    expect(page.get_by_role("link", name=f"#{finnish}")).to_have_count(0)
    expect(page.get_by_label("Kieli")).to_have_value("sv")
