"""The report's tables in words, in Finnish or Swedish: row labels, numbers as Finland writes them, CSV and JSON.
/stats, its CSV downloads and `lahitori stats` all read the same rows from here, so a CSV row is the table's row."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.flowspec.registry import FlowRegistry
from bot.handoff import stats_report as r
from bot.handoff.staff_texts import LANGUAGE
from bot.i18n import N_, I18n

BANDS = {"<1h": N_("under 1 hour"), "1-4h": N_("1–4 hours"), "4-8h": N_("4–8 hours"), "8-24h": N_("8–24 hours"),
         "24-72h": N_("24–72 hours"), ">72h": N_("over 72 hours")}
HELP = {"medical": N_("medical emergency"), "suicidal": N_("suicidal crisis"), "poisoning": N_("poisoning"),
        "violence": N_("violence")}
TOTAL = N_("Total")
NOT_KNOWN = N_("not recorded")
NO_CASE = N_("the conversation, no case")


@dataclass(frozen=True)
class Say:
    """How one language reads the report: its gettext, the flows' topic and option titles, the unit names."""

    lang: str
    i18n: I18n
    flows: FlowRegistry | None
    units: dict[str, tuple[str, str]]

    def _(self, message: str) -> str:
        return self.i18n.gettext(self.lang, message)

    def label(self, table: r.Table, value: str) -> str:
        if value == r.TOTAL:
            return self._(TOTAL)
        kind = table.kind
        if kind == "period":
            return self.period(value)
        if kind == "help":
            return self._(HELP[value]) if value in HELP else self._(NOT_KNOWN)
        if kind == "band":
            return self._(BANDS.get(value, NOT_KNOWN))
        if kind == "unit":
            names = self.units.get(value)
            return (names[1] if self.lang == "sv" else names[0]) if names else value or self._(NO_CASE)
        if not value:
            return self._(NOT_KNOWN)
        if kind == "language":
            return self._(LANGUAGE[value]) if value in LANGUAGE else value
        if kind == "channel":
            return value.capitalize()
        flows = self.flows.current() if self.flows is not None else None
        if kind == "topic" and flows is not None:
            flow = flows.flow_for_topic(value)
            return flow.title.get(self.lang) if flow else value
        if kind == "municipality" and flows is not None:
            option = flows.option_labels.get(("municipality", value))
            return option.get(self.lang) if option is not None else value
        return value

    def period(self, value: str) -> str:
        if "-W" in value:
            year, week = value.split("-W")
            return self._(N_("week {week}/{year}")).format(week=int(week), year=year)
        if value.count("-") == 1:
            year, month = value.split("-")
            return format_date(date(int(year), int(month), 1), "LLLL yyyy", locale=I18n.locale(self.lang))
        return I18n.date_text(date.fromisoformat(value), self.lang)

    def value(self, column: r.Column, value: r.Value) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            return value
        locale = I18n.locale(self.lang)
        if column.kind == "share":
            return format_percent(value, "#,##0 %", locale=locale)
        if column.kind == "hours":
            if value == float("inf"):
                return self._(N_("over 72 h"))
            return f"{format_decimal(round(value, 1), '#,##0.0', locale=locale)} h"
        if column.kind == "mean":
            return format_decimal(value, "0.0", locale=locale)
        return str(value)


def header(table: r.Table, say: Say) -> list[str]:
    return [say._(table.label), *(say._(column.title) for column in table.columns)]


def lines(table: r.Table, say: Say) -> list[list[str]]:
    """The table's rows as text, first cell the label: what the page shows and the CSV holds."""
    return [[say.label(table, label), *(say.value(column, value) for column, value in zip(table.columns, values,
                                                                                         strict=True))]
            for label, values in table.rows]


def to_csv(table: r.Table, say: Say) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(table, say))
    writer.writerows(lines(table, say))
    return buffer.getvalue()


def to_json(report: r.Report) -> dict[str, Any]:
    """The report with its codes and raw numbers (shares 0-1, hours; "<5" for a suppressed count, null for a
    figure not shown), for programs: no comments."""
    def number(value: r.Value) -> r.Value:
        return None if value == float("inf") else value

    return {"from": report.since.isoformat(), "to": report.until.isoformat(), "group": report.group,
            "suppressed_below": r.SMALL,
            "tables": [{"table": table.key, "title": table.title, "label": table.kind,
                        "columns": [column.key for column in table.columns],
                        "rows": [{"label": "total" if label == r.TOTAL else label,
                                  **{c.key: number(v) for c, v in zip(table.columns, values, strict=True)}}
                                 for label, values in table.rows]}
                       for table in report.tables]}


def to_text(report: r.Report, say: Say) -> str:
    """Every table as aligned columns, for a terminal."""
    out: list[str] = []
    for table in report.tables:
        rows = [header(table, say), *lines(table, say)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        out.append(say._(table.title))
        out += ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width)
                          in enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
        out.append("")
    out += [say._(r.SUPPRESSION_NOTE), say._(r.SECONDARY_NOTE)]
    return "\n".join(out) + "\n"
