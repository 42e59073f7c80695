"""Grids on forms: a row of column labels over rows of values, and pair construction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import KeyValuePair
from .units import DIGIT, KEY_END, MARK, Unit, dot_label, label_like, style, value_like


def make_pair(page: int, key: Unit, value: Unit | None, conf: float) -> KeyValuePair:
    kwords = key.words + key.extra_key
    ktext = KEY_END.sub("", " ".join(w.text for w in kwords)).strip(" _")
    if (
        not KEY_END.search(kwords[-1].text)
        and dot_label(key)
        and len(ktext.rsplit(None, 1)[-1]) > 4
    ):
        ktext = ktext[:-1]  # "OPERATOR." is "OPERATOR:" misread; "No." keeps its stop
    # "A. PROJECT NAME", "3) Date": the enumerator is not part of the label.
    ktext = re.sub(r"^(?:[A-Z]|\d{1,2}|[ivxIVX]{1,4})[.)]\s+(?=\S)", "", ktext)
    vtext = value.text.strip(" _") if value is not None else None
    return KeyValuePair(
        key=ktext,
        value=vtext or None,
        page=page,
        key_words=list(kwords),
        value_words=list(value.words) if value is not None else [],
        confidence=round(conf, 4),
    )


def overlap(a: Unit, b: Unit) -> float:
    return min(a.x1, b.x1) - max(a.x0, b.x0)


def column_of(cell: Unit, headers: list[Unit]) -> Unit | None:
    best = max(headers, key=lambda h: overlap(h, cell))
    if overlap(best, cell) > 0:
        return best
    # Numbers are often right- or centre-aligned under a wider / narrower header.
    cx = (cell.x0 + cell.x1) / 2
    near = min(headers, key=lambda h: abs((h.x0 + h.x1) / 2 - cx))
    return near if abs((near.x0 + near.x1) / 2 - cx) < 0.04 else None


@dataclass(slots=True)
class FormTable:
    """A grid found on a form: column headers, and per row the cell text under each header."""

    page: int
    headers: list[str]
    rows: list[dict[str, str]]


def table_pairs(
    page: int, lines: list[list[Unit]], tables: list[FormTable] | None = None
) -> list[KeyValuePair]:
    """Grids: a row of labels over rows of values; one (column header, cell) pair per cell."""
    out: list[KeyValuePair] = []
    li = 0
    while li < len(lines) - 1:
        headers = lines[li]
        if len(headers) < 2 or not all(
            u.role == "?" and label_like(u) and not DIGIT.search(u.text) and not u.colon
            for u in headers
        ):
            li += 1
            continue
        rows: list[list[tuple[Unit, Unit]]] = []
        lj = li + 1
        h = max(u.height for u in headers)
        last_y = max(u.y1 for u in headers)
        while lj < len(lines):
            cells = [u for u in lines[lj] if u.role == "?"]
            if any(c.colon for c in cells):
                break  # a line of "label: value" fields ends the grid
            if not cells or min(u.y0 for u in cells) - last_y > 3 * h:
                break
            if any(MARK.match(c.text) for c in cells):
                break  # ticks: a checklist of options (each option a label), not a grid
            mapped = [(c, column_of(c, headers)) for c in cells]
            aligned = [(c, hd) for c, hd in mapped if hd is not None and _cell_value(c, hd)]
            typed = sum(1 for c, _ in aligned if value_like(c))
            if typed < min(2, len(headers)) or len(aligned) < 0.6 * len(cells):
                break
            # a row of values: its text cells under a header belong to it too ("Supplier")
            taken = {id(hd) for _, hd in aligned}
            aligned += [
                (c, hd)
                for c, hd in mapped
                if hd is not None and not _cell_value(c, hd) and id(hd) not in taken
            ]
            aligned.sort(key=lambda t: t[0].x0)
            rows.append(aligned)
            last_y = max(c.y1 for c, _ in aligned)
            lj += 1
        if not rows:
            li += 1
            continue
        # Two-line headers: a short label right above a header belongs to it ("Est." / "Travel").
        if li > 0:
            for u in lines[li - 1]:
                if u.role == "?" and label_like(u) and len(u.text.split()) <= 3:
                    hd = column_of(u, headers)
                    if hd is not None and hd.y0 - u.y1 < 1.2 * h and not hd.extra_key:
                        hd.extra_key = list(u.words)
                        u.role = "other"
        for hd in headers:
            hd.role = "key"
            if hd.extra_key:  # the label above comes first in reading order
                hd.words, hd.extra_key = hd.extra_key + hd.words, []
        for row in rows:
            for cell, hd in row:
                cell.role = "value"
                out.append(make_pair(page, hd, cell, 0.5 * min(hd.conf, cell.conf)))
        if tables is not None:
            names = [KEY_END.sub("", hd.text).strip() for hd in headers]
            grid = [{names[headers.index(hd)]: cell.text for cell, hd in row} for row in rows]
            tables.append(FormTable(page, names, grid))
        for hd in headers:
            hd.role = "table"
        li = lj
    return out


def _cell_value(cell: Unit, header: Unit) -> bool:
    """A cell reads as an answer: value-like text, or text lettered unlike its column label
    ("RECIPIENT" over "John Mulderig"); a label row under a label row letters alike."""
    return value_like(cell) or (label_like(cell) and style(cell.text) != style(header.text))


# --------------------------------------------------------------------------- grids of figures

COLUMN_SLACK = 0.012  # figures this close horizontally are one column (ragged alignment)
HEADER_LINES = 4  # the column labels are printed at most this many lines over the first row


def column_headers(rows: list[list[Unit]], lines: list[list[Unit]]) -> list[tuple[Unit, Unit]]:
    """(column label, figure) for the rows of figures that follow a row label ("Male  1.9
    (104)  7  (101)", ``pairs.row_cells``) under a line of column labels ("SCORE  BASE  SCORE
    BASE"): a figure of such a grid is the answer of its row label and of its column label. A
    label spanning several columns with one word per column ("SCORE BASE") is cut."""
    if len(rows) < 2:
        return []
    columns = _columns([c for row in rows for c in row])
    if len(columns) < 2:
        return []
    first = min(row[0].line for row in rows)
    top = min(c.y0 for row in rows for c in row if c.line == first)
    for li in range(first - 1, max(-1, first - 1 - HEADER_LINES), -1):
        heads = _line_headers(lines[li], columns)
        if heads is None:
            continue
        if len(heads) < 2 or top - max(u.y1 for u in lines[li]) > 8 * _height(rows):
            return []
        out = []
        for col, head in heads:
            out.extend((head, c) for c in col)
        return out
    return []


def _height(rows: list[list[Unit]]) -> float:
    hs = sorted(c.height for row in rows for c in row)
    return hs[len(hs) // 2]


def _columns(cells: list[Unit]) -> list[list[Unit]]:
    cols: list[list[Unit]] = []
    for c in sorted(cells, key=lambda u: u.x0):
        if cols and c.x0 <= max(o.x1 for o in cols[-1]) + COLUMN_SLACK:
            cols[-1].append(c)
        else:
            cols.append([c])
    return [c for c in cols if len(c) >= 2]


def _span(col: list[Unit]) -> tuple[float, float]:
    return min(c.x0 for c in col), max(c.x1 for c in col)


def _line_headers(
    units: list[Unit], columns: list[list[Unit]]
) -> list[tuple[list[Unit], Unit]] | None:
    """The column labels a line holds over the columns, or None when it holds none (a line of
    text in between)."""
    out: list[tuple[list[Unit], Unit]] = []
    for u in units:
        if DIGIT.search(u.text) or not label_like(u) or u.role == "value":
            continue
        over = [c for c in columns if min(_span(c)[1], u.x1) - max(_span(c)[0], u.x0) > 0]
        if len(over) == 1:
            out.append((over[0], u))
        elif len(over) >= 2 and len(u.words) == len(over):
            for col, w in zip(over, u.words, strict=True):
                out.append((col, Unit([w], u.line)))
    return out or None
