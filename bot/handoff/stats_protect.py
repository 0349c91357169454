"""Which figures of a statistics table may be shown, so that none points to a single person.

Primary suppression: a count from 1 to 4 is shown as "<5". Secondary suppression: where the table shows a sum and its
parts (a row's total and its columns, a column's total row and its rows), a sum minus its shown parts must not give
away a hidden count; when exactly one part of a shown sum is hidden, the smallest other part that is not 0 is hidden
too (or, when there is none, the sum), until no sum has a single hidden part. A count hidden that way is shown as "–",
and so is a share or a mean that rests on a hidden count. A count may also be an upper bound of others (the needs
recorded bound the needs handed on plus the consents declined): a lone hidden part is then hidden with another only
when the bound would narrow it below "1 to 4".
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

logger = logging.getLogger(__name__)

SMALL = 5  # counts under this (but above 0) are suppressed
SUPPRESSED = "<5"
Value = int | float | str | None  # a count, a share (0-1), hours, a mean; SUPPRESSED; None: not shown ("–")
Row = tuple[str, tuple[Value, ...]]  # a label (a code, a period, the total) and the row's values
Cell = tuple[int, int]  # (row, column)


class ColumnLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...  # count | share | hours | mean
    @property
    def parts(self) -> tuple[str, ...]: ...  # a count column: the columns it is the sum of
    @property
    def bounds(self) -> tuple[str, ...]: ...  # a count column: the columns whose sum it is at least
    @property
    def rests_on(self) -> tuple[str, ...]: ...  # a share or a mean: the counts it is worked out from


def shown(count: int) -> Value:
    """A count as it may be shown on its own: 0, "<5", or the count."""
    return SUPPRESSED if 0 < count < SMALL else count


Relation = tuple[Cell, list[Cell], bool]  # a sum's cell, its parts' cells, and whether it is exact (not a bound)


def _relations(columns: Sequence[ColumnLike], height: int, total: int | None) -> list[Relation]:
    """Each row's sums and bounds, and each count column's total row."""
    keys = [column.key for column in columns]
    relations: list[Relation] = []
    for c, column in enumerate(columns):
        if column.kind != "count":
            continue
        for names, exact in ((column.parts, True), (column.bounds, False)):
            if names and all(name in keys for name in names):  # a part not in the table gives nothing away
                parts = [keys.index(name) for name in names]
                relations += [((r, c), [(r, p) for p in parts], exact) for r in range(height)]
        if total is not None:
            relations.append(((total, c), [(r, c) for r in range(height) if r != total], True))
    return relations


def hidden_cells(columns: Sequence[ColumnLike], counts: list[list[int]],
                 total: int | None) -> tuple[set[Cell], set[Cell]]:
    """(the counts under 5, the counts hidden besides them) of a table's count cells `counts[row][column]`
    (columns that are not counts are ignored); `total` is the index of the total row, if the table has one."""
    kinds = [column.kind for column in columns]
    primary = {(r, c) for r, row in enumerate(counts) for c, kind in enumerate(kinds)
               if kind == "count" and 0 < row[c] < SMALL}
    hidden = set(primary)
    relations = _relations(columns, len(counts), total)
    changed = True
    while changed:
        changed = False
        for whole, parts, exact in relations:
            if whole in hidden or sum(cell in hidden for cell in parts) != 1:
                continue
            value = counts[whole[0]][whole[1]]
            if not exact and value - sum(counts[r][c] for r, c in parts if (r, c) not in hidden) >= SMALL - 1:
                continue  # the bound leaves the hidden part anywhere in 1-4
            spare = [cell for cell in parts if cell not in hidden and counts[cell[0]][cell[1]] > 0]
            hidden.add(min(spare, key=lambda cell: (counts[cell[0]][cell[1]], cell)) if spare else whole)
            changed = True
    return primary, hidden - primary


def protect(columns: Sequence[ColumnLike], rows: list[Row], total_label: str) -> list[Row]:
    """The rows as they may be shown: the count columns hold raw counts (ints), the other columns their figures
    (None where a rule of their own already left them out)."""
    kinds = [column.kind for column in columns]
    counts = [[value if kind == "count" and isinstance(value, int) else 0 for kind, value in zip(kinds, values,
                                                                                                strict=True)]
              for _label, values in rows]
    totals = [r for r, (label, _values) in enumerate(rows) if label == total_label]
    primary, secondary = hidden_cells(columns, counts, totals[0] if totals else None)
    if secondary:
        logger.debug("%d counts hidden so that no count under 5 can be worked out", len(secondary))
    keys, gone = [column.key for column in columns], primary | secondary
    out: list[Row] = []
    for r, (label, values) in enumerate(rows):
        cells: list[Value] = []
        for c, (column, value) in enumerate(zip(columns, values, strict=True)):
            if (r, c) in primary:
                cells.append(SUPPRESSED)
            elif (r, c) in secondary:
                cells.append(None)
            elif any((r, keys.index(key)) in gone for key in column.rests_on if key in keys):
                cells.append(None)
            else:
                cells.append(value)
        out.append((label, tuple(cells)))
    return out
