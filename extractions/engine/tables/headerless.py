"""Item rows printed with no header line (small vendors, SaaS bills): "Pro plan  3 x 12.00
36.00" or "Softwarewartung  100  675.28  67,528.00" straight above the totals.

Read only when no table with a header was found. Without column names the evidence is the
shape: two or more consecutive lines that each end with an amount, whose number cells stand
in the same right-aligned columns, and right under which the totals block starts (a subtotal,
tax or total label, the lines that end a headed table too). Which number is which comes from
the values: the rightmost is the line amount, and quantity x unit price = amount picks the
quantity and price among the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import permutations

from ..layout.lines import Line, PageLayout
from ..types import Word
from ..values.amounts import ISO_CURRENCIES
from ..values.checks import quantity_times_unit_price
from .reading import cell_number, cell_text

# a price-like number ("12.50", "1.234,00"), the line amount of an item row
_PRICE = re.compile(r"\d[.,]\d{2}(?!\d)")
_TIMES = frozenset(("x", "×", "@", "*"))
_DASHES = frozenset(("-", "–", "—", ":", "|", "/", ","))

# one number of a cell, a currency sign on either side ("$12.00", "9,44", "1.234,00€")
_NUMBER = re.compile(r"[-+(]?[$€£¥]?\d[\d.,']*\)?[$€£¥]?")
_SIGNS = frozenset(("$", "€", "£", "¥"))

Row = dict[str, list[Word]]


def is_cell_number(words: list[Word]) -> bool:
    """Numbers and currency signs or codes only ("8 536,34 EUR", "$ 12.00")."""
    return any(_NUMBER.fullmatch(w.text) for w in words) and all(
        _NUMBER.fullmatch(w.text) or w.text in _SIGNS or w.text in ISO_CURRENCIES for w in words
    )


def _shape(line: Line) -> tuple[list[Word], list[list[Word]]] | None:
    """A line's text words and its trailing number cells, when it ends with an amount and
    starts with words."""
    segs = line.segments
    cells: list[list[Word]] = []
    k = len(segs)
    while k > 1 and is_cell_number(ws := line.words[segs[k - 1].start : segs[k - 1].end]):
        if any(w.text.lower() in _TIMES for w in ws):
            break  # "12,00 @ 42,08": a quantity and a price, read with the text
        cells.insert(0, ws)
        k -= 1
    if not cells or not _PRICE.search(cell_text(cells[-1])):
        return None
    text = [w for s in segs[:k] for w in line.words[s.start : s.end]]
    if not any(ch.isalpha() for w in text for ch in w.text):
        return None
    return text, cells


def _inline(text: list[Word], amount: float | None, decimal: str | None) -> Row | None:
    """ "Pro plan — 3 seats x 12.00" before the amount: the quantity and price printed in one
    cell, taken only when they multiply to the amount."""
    for i in range(len(text) - 2, 0, -1):
        w = text[i].text.lower()
        glued = w[-1:] in _TIMES and _NUMBER.fullmatch(w[:-1]) is not None  # "4×" read as one
        if w not in _TIMES and not glued:
            continue
        price = text[i + 1 :]
        qi = i if glued else i - 1
        if qi > 0 and text[qi].text.isalpha():
            qi -= 1  # "3 seats x 12.00"
        q, p = cell_number([text[qi]], decimal), cell_number(price, decimal)
        if not (glued or is_cell_number([text[qi]])) or not is_cell_number(price):
            return None
        if not quantity_times_unit_price(quantity=q, unit_price=p, amount=amount).ok:
            return None
        desc = text[:qi]
        while desc and desc[-1].text in _DASHES:
            desc = desc[:-1]
        if not desc:
            return None
        return {"description": desc, "quantity": [text[qi]], "unit_price": price}
    return None


def _columns(
    run: list[tuple[list[Word], list[list[Word]]]], cw: float
) -> list[tuple[list[Word], list[list[Word] | None]]] | None:
    """The run's number cells in right-aligned columns, placed by their right edges: a row
    missing a cell (a quantity the scan lost) keeps the others in their columns. None when
    most rows do not print every column or a cell stands off every column's edge."""
    k = max(len(c) for _, c in run)
    full = [c for _, c in run if len(c) == k]
    if 2 * len(full) < len(run):
        return None
    edges = [sorted(c[j][-1].x1 for c in full)[len(full) // 2] for j in range(k)]
    out: list[tuple[list[Word], list[list[Word] | None]]] = []
    for text, cells in run:
        slots: list[list[Word] | None] = [None] * k
        for ws in cells:
            j = min(range(k), key=lambda j: abs(edges[j] - ws[-1].x1))
            if slots[j] is not None or abs(edges[j] - ws[-1].x1) > 1.5 * cw:
                return None
            slots[j] = ws
        if slots[-1] is None:
            return None
        out.append((text, slots))
    return out


def _assign(
    rows: list[tuple[list[Word], list[list[Word] | None]]], decimal: str | None
) -> list[Row] | None:
    """Name the number cells: the rightmost is the amount; among the others, the pair whose
    product is the amount on the most rows is the quantity and the unit price."""
    k = len(rows[0][1])
    amounts = [cell_number(cells[-1], decimal) for _, cells in rows]
    names: dict[int, str] = {k - 1: "amount"}
    if k >= 3:
        best, pair = 0, None
        for q, p in permutations(range(k - 1), 2):
            ok = sum(
                bool(
                    quantity_times_unit_price(
                        quantity=cell_number(cells[q], decimal),
                        unit_price=cell_number(cells[p], decimal),
                        amount=a,
                    ).ok
                )
                for (_, cells), a in zip(rows, amounts, strict=True)
            )
            if ok > best:
                best, pair = ok, (q, p)
        if pair is None or 2 * best < len(rows):
            return None  # the numbers do not multiply out: not an item table we can read
        names[pair[0]], names[pair[1]] = "quantity", "unit_price"
    elif k == 2:
        values = [v for _, cells in rows if (v := cell_number(cells[0], decimal)) is not None]
        whole = all(v == int(v) for v in values)
        names[0] = "quantity" if whole else "unit_price"
    out: list[Row] = []
    for (text, cells), a in zip(rows, amounts, strict=True):
        row: Row = {names[i]: ws for i, ws in enumerate(cells) if i in names and ws}
        inline = _inline(text, a, decimal) if k == 1 else None
        out.append(row | inline if inline else row | {"description": text})
    return out


def headerless_rows(
    layouts: list[PageLayout], decimal: str | None, is_stop: Callable[[Line, PageLayout], bool]
) -> list[tuple[PageLayout, list[Row], int]]:
    """Per page, the item rows of an unheaded run of lines ending at a totals line, with the
    index of that line."""
    found: list[tuple[PageLayout, list[Row], int]] = []
    for lay in layouts:
        wh, cw = lay.word_height, lay.char_width
        run: list[tuple[list[Word], list[list[Word]]]] = []
        last: Line | None = None
        for ln in lay.lines:
            near = last is not None and ln.y0 - last.y1 < 2.5 * wh
            if run and near and is_stop(ln, lay):
                placed = _columns(run, cw) if len(run) >= 2 else None
                rows = _assign(placed, decimal) if placed else None
                if rows:
                    found.append((lay, rows, ln.index))
                run, last = [], None
                continue
            shape = _shape(ln)
            if shape is not None and (not run or near):
                run.append(shape)
                last = ln
            elif (
                run
                and near
                and not _PRICE.search(ln.text)
                and ln.x0 < run[-1][1][0][0].x0
                and abs(ln.x0 - run[-1][0][0].x0) < 2 * cw
                and len(ln.segments) == 1
            ):
                run[-1][0].extend(ln.words)  # the description wrapped onto the next line
                last = ln
            else:
                run, last = ([shape], ln) if shape else ([], None)
    return found
