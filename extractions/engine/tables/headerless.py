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
        if text[i].text.lower() not in _TIMES:
            continue
        price = text[i + 1 :]
        qi = i - 1
        if qi > 0 and text[qi].text.isalpha():
            qi -= 1  # "3 seats x 12.00"
        q, p = cell_number([text[qi]], decimal), cell_number(price, decimal)
        if not is_cell_number([text[qi]]) or not is_cell_number(price):
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


def _assign(
    rows: list[tuple[list[Word], list[list[Word]]]], decimal: str | None
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
        values = [cell_number(cells[0], decimal) for _, cells in rows]
        whole = all(v is not None and v == int(v) for v in values)
        names[0] = "quantity" if whole else "unit_price"
    out: list[Row] = []
    for (text, cells), a in zip(rows, amounts, strict=True):
        row: Row = {names[i]: ws for i, ws in enumerate(cells) if i in names}
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
        rights: list[float] = []
        last: Line | None = None
        for ln in lay.lines:
            near = last is not None and ln.y0 - last.y1 < 2.5 * wh
            if run and near and is_stop(ln, lay):
                aligned = max(rights) - min(rights) < 1.5 * cw
                if len(run) >= 2 and len({len(c) for _, c in run}) == 1 and aligned:
                    rows = _assign(run, decimal)
                    if rows:
                        found.append((lay, rows, ln.index))
                run, rights, last = [], [], None
                continue
            shape = _shape(ln)
            if shape is not None and (not run or near):
                run.append(shape)
                rights.append(shape[1][-1][-1].x1)
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
                run, rights, last = (
                    ([shape], [shape[1][-1][-1].x1], ln) if shape else ([], [], None)
                )
    return found
