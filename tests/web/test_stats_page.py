"""/stats for administrators: the tables with their captions, an SVG chart per main table, a CSV per table whose rows
are the page's rows, the feedback comments (an admin's reading of them audited); a staff account gets a 404 and the
attempt is audited; a chart is drawn once for its figures, a long period as lines. Both databases."""
from __future__ import annotations

import csv
import html as html_text
import io
import re
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEvent, Feedback, StaffAccount
from bot.handoff import stats
from tests.web.conftest import NOW, login

DAY = stats.local_day(NOW)


def seed_figures(services) -> None:
    with services.sessions.begin() as session:
        for metric, times in (("guidance_only", 7), ("need", 6), ("handoff", 5), ("consent_declined", 1)):
            for _ in range(times):
                stats.count(session, metric=metric, day=DAY, topic="home_support", language="fi",
                            municipality="porvoo" if metric != "guidance_only" else "", channel="telegram")
        for _ in range(3):
            stats.count(session, metric="crisis_help", day=DAY - timedelta(days=2), language="sv", bucket="violence")
        session.add(Feedback(score=5, topic="home_support", comment="Sain heti oikean numeron", created_at=NOW))


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The rows (header first) of the table with this caption, as the page shows them."""
    table = html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    cells = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>")
    return [[html_text.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells.findall(line)]
            for line in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_an_admin_sees_the_tables_charts_and_comments_and_the_csv_is_the_table(services, client):
    seed_figures(services)
    login(client, "boss")
    page = client.get("/stats")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Tilastot</h1>" in html and 'value="2026-10-26"' in html and 'value="2026-11-24"' in html  # 30 days
    rows = table_rows(html, "Asiat ajanjaksoittain")
    assert rows[0][:3] == ["Ajanjakso", "Asiat", "Pelkkä kortti"]
    assert [row for row in rows if row[0] == "24.11.2026"] == [
        ["24.11.2026", "13", "7", "6", "–", "<5", "54 %", "–", "–"]]  # 6 needs less 5 handed on: 1 declined
    assert table_rows(html, "Annettu kriisiapu lajeittain")[4] == ["väkivalta", "<5"]
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert "Sain heti oikean numeron" in html and "Kotona pärjääminen" in html
    link = re.search(r'href="(/stats\.csv\?[^"]*table=contacts[^"]*)"', html)[1].replace("&amp;", "&")
    download = client.get(link)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(download.text))) == rows
    chart = re.search(r'<img class="chart" src="(/stats/chart/contacts\.svg\?[^"]*)" alt="([^"]+)"', html)
    assert "Samat luvut ovat alla olevassa taulukossa" in chart[2]
    drawing = client.get(chart[1].replace("&amp;", "&"))
    assert drawing.status_code == 200 and drawing.headers["content-type"] == "image/svg+xml"
    assert drawing.text.lstrip().startswith("<?xml") and "<svg" in drawing.text
    assert "Pelkkä kortti" in drawing.text and ">7<" in drawing.text  # the legend and the figure on the bar
    assert "<script" not in drawing.text
    assert "content-security-policy" in drawing.headers


def test_swedish_and_a_chosen_range_and_a_bad_date_gets_a_clear_message(services, client):
    seed_figures(services)
    with services.sessions.begin() as session:
        session.scalar(select(StaffAccount).where(StaffAccount.username == "boss")).language = "sv"
    login(client, "boss")
    page = client.get("/stats", params={"from": "22.11.2026", "to": "2026-11-24", "group": "week"})
    assert page.status_code == 200
    assert table_rows(page.text, "Ärenden per period")[1][:2] == ["vecka 47/2026", "0"]
    bad = client.get("/stats", params={"from": "2026-13-01"})
    assert bad.status_code == 400 and "Skriv datumen som 3.12.2026" in bad.text
    assert client.get("/stats.csv", params={"table": "nothing"}).status_code == 404


def test_a_staff_account_gets_a_404_and_the_attempt_is_audited(services, client):
    seed_figures(services)
    login(client, "sari")
    for path in ("/stats", "/stats.csv?table=contacts", "/stats/chart/contacts.svg"):
        response = client.get(path)
        assert response.status_code == 404 and "Sain heti" not in response.text and "<svg" not in response.text
    with services.sessions() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_permission_denied")).all()
    assert [event.details["attempted"] for event in refused] == ["stats", "stats_csv", "stats_chart"]


def test_reading_the_comments_is_audited_with_the_range_and_nothing_of_what_was_read(services, client):
    seed_figures(services)
    login(client, "boss")
    assert client.get("/stats", params={"from": "2026-11-01", "to": "2026-11-24"}).status_code == 200
    assert client.get("/stats", params={"from": "2026-10-01", "to": "2026-10-31"}).status_code == 200  # no comments
    assert client.get("/stats.csv", params={"table": "contacts"}).status_code == 200
    with services.sessions() as session:
        boss = session.scalars(select(StaffAccount).where(StaffAccount.username == "boss")).one()
        read = session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback_comments_viewed")).all()
        assert [(event.actor, event.details, event.citizen_id) for event in read] == [
            (f"account:{boss.id}", {"from": "2026-11-01", "to": "2026-11-24"}, None)]


def test_a_chart_is_drawn_once_for_its_figures_and_again_when_one_changes(services, client):
    from bot.web import stats_chart

    seed_figures(services)
    stats_chart._kept.clear()
    login(client, "boss")
    first = client.get("/stats/chart/contacts.svg")
    assert client.get("/stats/chart/contacts.svg").text == first.text and len(stats_chart._kept) == 1
    assert ">–<" in first.text and "None" not in first.text  # the handed-on 5 hidden with the declined 1
    with services.sessions.begin() as session:
        stats.count(session, metric="guidance_only", day=DAY, topic="home_support", language="fi")
    again = client.get("/stats/chart/contacts.svg")
    assert again.text != first.text and ">8<" in again.text and len(stats_chart._kept) == 2


def test_a_long_period_is_drawn_as_lines_and_a_short_one_as_hatched_bars(services, client):
    seed_figures(services)
    login(client, "boss")
    year = client.get("/stats/chart/contacts.svg", params={"from": "2025-11-25", "to": "2026-11-24"})
    month = client.get("/stats/chart/contacts.svg", params={"from": "2026-11-01", "to": "2026-11-24"})
    assert year.status_code == month.status_code == 200
    assert "<pattern" not in year.text and "Pelkkä kortti" in year.text  # no hatched bars; the legend
    assert "<pattern" in month.text and ">7<" in month.text  # hatching, and each bar's figure
    assert len(year.text) < len(month.text) * 3  # 365 days of bars would be some 20 times a month's
