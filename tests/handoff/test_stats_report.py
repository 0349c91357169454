"""The report from a scripted day of conversations whose counts are known: the numbers, "<5" for small cells, shares
only from unsuppressed counts, medians from bands, comments without people, CSV rows equal to the table, and the
`lahitori stats` command; secondary suppression (no shown total less its shown counts gives a hidden one away), and
the database's sums (two queries for a report, one for a table). Both databases."""
from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.flowspec.registry import FlowRegistry
from bot.handoff import staff, stats, stats_report, stats_text
from bot.handoff.stats_protect import protect
from bot.handoff.stats_report import SUPPRESSED, TOTAL, percentile, share
from bot.i18n import I18n
from tests.auxil.chat import Chat
from tests.conftest import TEST_KEY
from tests.handoff.test_erasure import with_staff
from tests.handoff.test_relay import WAY, act, coordinator, hand_off

DAY = date(2026, 11, 24)  # the clock fixture's Tuesday


@pytest.fixture
def embedded_classifier(keyword_classifier):
    return keyword_classifier


@pytest.fixture
def day(services, clock):
    """Five matters end with the card alone, three are handed on (two claimed at once, one after two working
    hours), one consent is declined, and one rating comes with a comment."""
    bot = with_staff(services, clock)
    for n in range(5):
        chat = Chat(bot, user=f"card-{n}", channel="telegram")
        chat.start("fi")
        chat.say(WAY["fi"]["need"])
        chat.press("tämä riitti")
        if n == 0:
            chat.press("2")
            chat.say("Taksikortin hakuohje oli vaikea löytää")
    cases = [hand_off(Chat(bot, user=f"case-{n}", channel="telegram"), "fi") for n in range(3)]
    declines = Chat(bot, user="declines", channel="telegram")
    hand_off(declines, "fi", consent=False)
    declines.press("Ei")
    sari = coordinator(bot, "Sari")
    act(bot, staff.claim, handoff_id=cases[0], coordinator_id=sari)
    act(bot, staff.claim, handoff_id=cases[1], coordinator_id=sari)
    clock.advance(hours=2)
    act(bot, staff.claim, handoff_id=cases[2], coordinator_id=sari)
    return bot


def the_report(services, group: str = "day") -> stats_report.Report:
    with services.sessions() as session:
        return stats_report.report(session, DAY - timedelta(days=1), DAY + timedelta(days=1), group)


def say(report: stats_report.Report, lang: str = "fi") -> stats_text.Say:
    return stats_text.Say(lang=lang, i18n=I18n(PROJECT_ROOT / "locales"), flows=FlowRegistry(PROJECT_ROOT / "flows"),
                          units=report.units)


def row(table: stats_report.Table, label: str) -> dict[str, object]:
    values = dict(table.rows)[label]
    return {column.key: value for column, value in zip(table.columns, values, strict=True)}


def test_the_days_numbers_are_the_known_counts_and_small_cells_show_under_five(day):
    report = the_report(day)
    contacts = report.table("contacts")
    assert [label for label, _values in contacts.rows] == ["2026-11-23", "2026-11-24", "2026-11-25", TOTAL]
    assert row(contacts, "2026-11-24") == {  # 9 matters less 5 card-only ones would give the 4 needs away
        "matters": 9, "guidance_only": None, "need": SUPPRESSED, "handoff": SUPPRESSED,
        "consent_declined": SUPPRESSED, "guidance_share": None, "handoff_share": None, "declined_share": None}
    assert row(contacts, "2026-11-23")["matters"] == 0 and row(contacts, TOTAL)["matters"] == 9
    assert row(contacts, TOTAL)["guidance_only"] is None  # the day's 5 would be the total less the other days' 0
    assert row(report.table("topics"), "transport_service")["matters"] == 9
    assert row(report.table("channels"), "telegram")["matters"] == 9
    assert row(report.table("municipalities"), "porvoo") == {"need": SUPPRESSED, "handoff": SUPPRESSED,
                                                             "consent_declined": SUPPRESSED}
    bands = report.table("waiting_bands")
    assert row(bands, "<1h")["claimed"] == SUPPRESSED and row(bands, "1-4h")["claimed"] == SUPPRESSED
    assert row(report.table("waiting"), TOTAL)["claim_median"] is None  # 3 claims: no median over fewer than 5
    feedback = report.table("feedback_topics")
    assert row(feedback, "transport_service")["ratings"] == SUPPRESSED
    assert row(feedback, "transport_service")["mean"] is None
    [comment] = report.comments
    assert (comment.day, comment.topic, comment.score, comment.text) == (
        DAY, "transport_service", 2, "Taksikortin hakuohje oli vaikea löytää")
    assert not hasattr(comment, "citizen_id")


def test_a_week_and_a_month_gather_the_same_counts(day):
    assert row(the_report(day, "week").table("contacts"), "2026-W48")["matters"] == 9
    assert row(the_report(day, "month").table("contacts"), "2026-11")["matters"] == 9


def test_the_csv_rows_are_the_tables_rows_in_finnish_and_swedish(day):
    report = the_report(day)
    for lang in ("fi", "sv"):
        words = say(report, lang)
        for table in report.tables:
            parsed = list(csv.reader(io.StringIO(stats_text.to_csv(table, words))))
            assert parsed == [stats_text.header(table, words), *stats_text.lines(table, words)]
    contacts = stats_text.lines(report.table("contacts"), say(report, "fi"))
    assert contacts[1] == ["24.11.2026", "9", "–", "<5", "<5", "<5", "–", "–", "–"]
    assert stats_text.lines(report.table("contacts"), say(report, "sv"))[-1][0] == "Totalt"
    assert stats_text.header(report.table("contacts"), say(report, "sv"))[:3] == ["Period", "Ärenden", "Enbart kortet"]


def test_medians_and_the_90th_percentile_come_from_the_bands():
    assert percentile({"<1h": 4}, 0.5) is None  # fewer than 5
    assert percentile({"<1h": 10}, 0.5) == pytest.approx(0.5)
    assert percentile({"<1h": 5, "1-4h": 5}, 0.5) == pytest.approx(1.0)
    assert percentile({"<1h": 5, "1-4h": 5}, 0.9) == pytest.approx(1 + 0.8 * 3)
    assert percentile({"8-24h": 5, ">72h": 5}, 0.9) == float("inf")  # "over 72 h"
    with pytest.raises(ValueError):
        stats_report.report(None, DAY, DAY - timedelta(days=1))  # type: ignore[arg-type]


def test_shares_rest_only_on_counts_of_five_or_more(session):
    for metric, times in (("guidance_only", 12), ("need", 12), ("handoff", 6), ("consent_declined", 2)):
        for _ in range(times):
            stats.count(session, metric=metric, day=DAY, topic="home_support", language="sv")
    for _ in range(6):
        stats.count(session, metric="claimed", day=DAY, unit="porvoo", bucket="1-4h")
    session.commit()
    report = stats_report.report(session, DAY, DAY)
    assert row(report.table("contacts"), "2026-11-24") == {
        "matters": 24, "guidance_only": 12, "need": 12, "handoff": 6, "consent_declined": SUPPRESSED,
        "guidance_share": 0.5, "handoff_share": 0.25, "declined_share": None}
    waiting = row(report.table("waiting"), "porvoo")
    assert waiting["claimed"] == 6 and waiting["claim_median"] == pytest.approx(2.5)
    assert stats_text.lines(report.table("waiting"), say(report, "fi"))[0][:3] == ["Porvoon lähitori (demo)", "6",
                                                                                 "2,5 h"]


def test_the_command_prints_csv_and_json_and_refuses_a_bad_date_with_one_line(day, capsys, monkeypatch):
    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    url = day.settings.database_url
    assert main(["stats", "--from", "2026-11-24", "--to", "2026-11-24", "--format", "csv", "--table", "contacts",
                 "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "# contacts"
    assert list(csv.reader(out[1:])) == [
        ["Ajanjakso", "Asiat", "Pelkkä kortti", "Kirjatut tarpeet", "Välitetty", "Suostumus evätty",
         "Pelkkä kortti, osuus", "Välitetty, osuus", "Evätty, osuus"],
        ["24.11.2026", "9", "–", "<5", "<5", "<5", "–", "–", "–"],
        ["Yhteensä", "9", "–", "<5", "<5", "<5", "–", "–", "–"]]
    assert main(["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--group", "month", "--format", "json",
                 "--db", url]) == 0
    data = json.loads(capsys.readouterr().out)
    contacts = next(table for table in data["tables"] if table["table"] == "contacts")
    assert contacts["rows"][0] == {"label": "2026-11", "matters": 9, "guidance_only": None, "need": "<5",
                                   "handoff": "<5", "consent_declined": "<5", "guidance_share": None,
                                   "handoff_share": None, "declined_share": None}
    assert "Taksikortin" not in json.dumps(data)  # comments stay on the admins' page
    for bad in (["--from", "1.11.2026", "--to", "2026-11-30"], ["--from", "2026-11-01", "--to", "2026-11-31"]):
        assert main(["stats", *bad, "--db", url]) == 2
        err = capsys.readouterr().err
        option = "--from" if bad[1] == "1.11.2026" else "--to"
        assert err == f"lahitori stats: {option}: use YYYY-MM-DD\n"


# Secondary suppression -----------------------------------------------------------------------------------------

def random_matters(rng: random.Random, periods: int) -> list[stats_report.Row]:
    """Raw matter rows as the report builds them before protecting, with small counts common, and their total."""
    rows, sums = [], [0] * 5
    for n in range(periods):
        guidance, need = rng.choice([0, 1, 3, 5, 8, 20]), rng.choice([0, 2, 4, 6, 9, 30])
        handoff = rng.randint(0, need)
        declined = rng.randint(0, need - handoff)
        counts = (guidance + need, guidance, need, handoff, declined)
        sums = [a + b for a, b in zip(sums, counts, strict=True)]
        rows.append((f"p{n}", counts))
    return [(label, (*c, share(c[1], c[0]), share(c[3], c[0]), share(c[4], c[0])))
            for label, c in [*rows, (TOTAL, tuple(sums))]]


def test_no_shown_total_less_its_shown_counts_gives_a_hidden_count_away():
    columns = stats_report.MATTER_COLUMNS
    keys = [column.key for column in columns]
    for seed in range(300):
        raw = random_matters(random.Random(seed), random.Random(seed).randint(1, 12))
        shown_rows = protect(columns, raw, TOTAL)
        for (label, counts), (_same, shown) in zip(raw, shown_rows, strict=True):
            cell = dict(zip(keys, shown, strict=True))
            for key, value in zip(keys[:5], counts[:5], strict=True):  # a shown count is the count
                assert cell[key] in (value, None) if not 0 < value < 5 else cell[key] == SUPPRESSED
            if cell["matters"] not in (None, SUPPRESSED):  # matters = card only + needs
                assert [cell["guidance_only"], cell["need"]].count(SUPPRESSED) + \
                    [cell["guidance_only"], cell["need"]].count(None) != 1, (seed, label)
            parts = [cell["handoff"], cell["consent_declined"]]
            hidden = [v for v in parts if v in (None, SUPPRESSED)]
            if cell["need"] not in (None, SUPPRESSED) and len(hidden) == 1:  # needs >= handed on + declined
                rest = sum(v for v in parts if isinstance(v, int))
                assert cell["need"] - rest >= 4, (seed, label)
            for share_key, part in (("guidance_share", "guidance_only"), ("handoff_share", "handoff")):
                if cell[part] in (None, SUPPRESSED) or cell["matters"] in (None, SUPPRESSED):
                    assert cell[share_key] is None
        for c, key in enumerate(keys[:5]):  # the total row = the sum of the periods
            total = dict(zip(keys, shown_rows[-1][1], strict=True))[key]
            column = [values[c] for _label, values in shown_rows[:-1]]
            if total not in (None, SUPPRESSED):
                assert sum(v in (None, SUPPRESSED) for v in column) != 1, (seed, key)


def test_a_lone_small_crisis_count_and_rating_take_a_second_figure_with_them(session):
    for kind, times in (("medical", 12), ("suicidal", 3)):
        for _ in range(times):
            stats.count(session, metric="crisis_help", day=DAY, language="fi", bucket=kind)
    for score, times in ((3, 2), (4, 6), (5, 5)):
        for _ in range(times):
            stats.count(session, metric=f"feedback_{score}", day=DAY, topic="home_support", language="fi")
    session.commit()
    report = stats_report.report(session, DAY, DAY)
    crisis = report.table("crisis")
    assert [values[0] for _label, values in crisis.rows] == [None, SUPPRESSED, 0, 0, 15]  # 15 - 12 would be 3
    assert stats_text.lines(crisis, say(report))[0] == ["lääketieteellinen hätätilanne", "–"]
    rated = row(report.table("feedback_topics"), "home_support")
    assert rated == {"ratings": 13, "score_1": 0, "score_2": 0, "score_3": SUPPRESSED, "score_4": 6, "score_5": None,
                     "mean": None}  # the smaller of 6 and 5 goes; a mean would tell the 2 as well
    assert stats_report.SECONDARY_NOTE in crisis.notes


# The sums: two queries for the whole report, one for a table ---------------------------------------------------

def statements(session, work) -> list[str]:
    seen: list[str] = []
    engine = session.get_bind()

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return [statement for statement in seen if "stat_count" in statement]


def test_the_database_sums_the_year_in_two_queries_and_a_table_in_one(session):
    rng = random.Random(7)
    topics, units = ["home_support", "loneliness_activities", "health_services"], ["porvoo", "sipoo", ""]
    for _ in range(400):
        metric = rng.choice(sorted(stats.METRICS))
        stats.count(session, metric=metric, day=DAY - timedelta(days=rng.randrange(40)), topic=rng.choice(topics),
                    language=rng.choice(["fi", "sv"]), municipality=rng.choice(["porvoo", "askola", ""]),
                    channel=rng.choice(["telegram", "terminal"]), unit=rng.choice(units),
                    bucket=rng.choice(["", "<1h", "1-4h", "violence"]))
    session.commit()
    since, until = DAY - timedelta(days=30), DAY
    full = statements(session, lambda: stats_report.report(session, since, until, with_comments=False))
    assert len(full) == 2 and all("GROUP BY" in statement for statement in full)
    one = statements(session, lambda: stats_report.report(session, since, until, tables=["crisis"],
                                                          with_comments=False))
    assert len(one) == 1 and "topic" not in one[0].split("GROUP BY")[1]
    sums = stats_report.Sums(session, since, until, by_day=True, metrics=set(stats.METRICS),
                             columns=set(stats.KEY[2:]))
    for by, metrics in ((("metric", "day"), stats_report.MATTER_METRICS), (("metric", "topic"), stats.FEEDBACK),
                        (("metric", "unit", "bucket"), stats.WAITS), (("metric", "municipality"), ("need",))):
        assert sorted(sums(by, metrics)) == sorted(stats.sums(session, since=since, until=until, by=by,
                                                              metrics=metrics))
    assert [t.key for t in stats_report.report(session, since, until, tables=["crisis", "topics", "nothing"],
                                               with_comments=False).tables] == ["topics", "crisis"]
