"""A report table as an SVG chart, drawn on the server with matplotlib's SVG backend: horizontal grouped bars, each
series with its own hatching as well as its colour and every bar's figure printed at its end, so it reads without
colour; a period table of more than MANY periods (a year by day) as lines, each with its own dash and marker. A
hidden count is drawn as no bar (or a gap in the line) with its "<5" or "–" beside it; the page shows the same
figures in a table under the chart. A drawing is kept for its table's words and figures (LRU, KEEP of them), so the
same chart asked again, or by another admin, is not drawn again, and a changed figure is never served stale."""
from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit

from matplotlib.axes import Axes  # noqa: E402 - after choosing the backend
from matplotlib.figure import Figure  # noqa: E402

from bot.handoff import stats_report as r  # noqa: E402
from bot.handoff.stats_text import Say, lines  # noqa: E402

logger = logging.getLogger(__name__)

COLOURS = ("#1f5f99", "#c05a00", "#2e7d32", "#6a3d9a")  # dark enough for black hatching and text beside
HATCHES = ("//", "..", "xx", "--")
DASHES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D")
MANY = 40  # rows beyond which figures are not printed on the bars, and a period table is drawn as lines
KEEP = 64  # drawings kept
_lock = threading.Lock()  # matplotlib's text layout is not thread-safe; Starlette renders in a thread pool
_kept: OrderedDict[tuple, str] = OrderedDict()
matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "lahitori", "font.size": 9})

Series = list[tuple[str, list[int | None], list[str]]]  # (legend, heights, figures as text) per chart column


def svg(table: r.Table, say: Say) -> str:
    """The table's chart columns, one group of bars (or one point of each line) per row, the total row left out."""
    rows = [(text, values) for text, (label, values) in zip(lines(table, say), table.rows, strict=True)
            if label != r.TOTAL]
    keys = [column.key for column in table.columns]
    series: Series = []
    for key in table.chart:
        index = keys.index(key)
        series.append((say._(table.columns[index].title),
                       [value if isinstance(value, int) else None for value in (v[index] for _t, v in rows)],
                       [text[index + 1] for text, _values in rows]))
    labels = [text[0] for text, _values in rows]
    drawing = (table.key, table.kind, tuple(labels), tuple((name, tuple(shown)) for name, _h, shown in series))
    with _lock:
        if drawing in _kept:
            _kept.move_to_end(drawing)
            return _kept[drawing]
        out = _lines(labels, series) if table.kind == "period" and len(rows) > MANY else _bars(labels, series)
        _kept[drawing] = out
        if len(_kept) > KEEP:
            _kept.popitem(last=False)
    return out


def _bars(labels: list[str], series: Series) -> str:
    height = 1.2 + max(1, len(labels)) * (0.22 + 0.16 * len(series))
    figure = Figure(figsize=(7.5, min(height, 60)))
    axes = figure.add_subplot()
    bar = 0.8 / max(1, len(series))
    for n, (name, heights, shown) in enumerate(series):
        bars = axes.barh([i + n * bar for i in range(len(labels))], [h or 0 for h in heights], height=bar,
                         color=COLOURS[n % 4], hatch=HATCHES[n % 4], edgecolor="black", linewidth=0.5, label=name)
        if len(labels) <= MANY:
            axes.bar_label(bars, labels=shown, padding=3)
    axes.set_yticks([i + bar * (len(series) - 1) / 2 for i in range(len(labels))], labels)
    axes.invert_yaxis()
    axes.margins(x=0.12)
    if len(series) > 1:
        axes.legend(loc="lower right", frameon=False)
    return _save(figure, axes)


def _lines(labels: list[str], series: Series) -> str:
    """A long period table: a line a series over the periods, ticks at about a dozen of them."""
    figure = Figure(figsize=(9, 4.2))
    axes = figure.add_subplot()
    for n, (name, heights, _shown) in enumerate(series):
        axes.plot(range(len(labels)), [float("nan") if h is None else h for h in heights], color=COLOURS[n % 4],
                  linestyle=DASHES[n % 4], marker=MARKERS[n % 4], markevery=max(1, len(labels) // 24),
                  markersize=4, linewidth=1.2, label=name)
    step = max(1, len(labels) // 12)
    axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", linewidth=0.3)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=max(1, len(series)), frameon=False)
    return _save(figure, axes)


def _save(figure: Figure, axes: Axes) -> str:
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
