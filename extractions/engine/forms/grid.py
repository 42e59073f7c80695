"""Grids on forms: a row of column labels over rows of values, and pair construction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import KeyValuePair
from .units import DIGIT, KEY_END, Unit, dot_label, label_like, value_like


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
            mapped = [(c, column_of(c, headers)) for c in cells]
            aligned = [(c, hd) for c, hd in mapped if hd is not None and value_like(c)]
            if len(aligned) < min(2, len(headers)) or len(aligned) < 0.6 * len(cells):
                break
            # a row of values: its text cells under a header belong to it too ("Supplier")
            taken = {id(hd) for _, hd in aligned}
            aligned += [
                (c, hd)
                for c, hd in mapped
                if hd is not None and not value_like(c) and id(hd) not in taken
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
