"""Which column is which, decided by what the cells hold once a table's rows are read.

Header words are a strong prior, not the last word: "Unit" names a unit of measure as often
as a unit price, two columns may both say "Prix", a compound word may name nothing we know.
Here the cells decide: a column of "PCE" / "Stk" is no price, a column of "10,00%" is a rate,
and among the numeric columns the reading in which quantity × unit price = line amount holds
on the most rows (the ``values.checks`` self-check, the same one the validation rules use)
wins over the header's reading when it balances more rows.
"""

from __future__ import annotations

import re
from itertools import permutations

from ..lexicon.columns import DESCRIPTION_WORDS
from ..types import Word
from ..values.amounts import has_amount, last_amount
from ..values.checks import quantity_times_unit_price
from ..values.text import tokens

MONEY_TRIPLE = ("quantity", "unit_price", "amount")
_PERCENT = re.compile(r"\d\s*%")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


# digits grouped by spaces ("1 129.89", "12 500"): within one cell, one number
_SPACE_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d ])")
# Indian grouping in lakhs and crores ("51,02,920.00")
_LAKH_GROUPS = re.compile(r"(?<![\d.,])\d{1,2}(?:,\d{2})+,\d{3}(?=\.\d{2}(?!\d)|(?![\d,.]))")


def cell_text(words: list[Word]) -> str:
    """A cell's text, with thousands grouped by spaces joined: a cell holds one column's
    number, so "1 129.89" is one amount (on a whole line it could be a quantity and a price)."""
    text = words[0].text if len(words) == 1 else " ".join(w.text for w in words)
    if " " in text:
        text = _SPACE_GROUPS.sub(lambda m: m.group(0).replace(" ", ""), text)
    if text.count(",") > 1:
        text = _LAKH_GROUPS.sub(lambda m: m.group(0).replace(",", ""), text)
    return text


def cell_number(words: list[Word] | None, decimal: str | None) -> float | None:
    """The number a numeric cell holds (the last amount printed in it), None if none."""
    if not words:
        return None
    text = cell_text(words)
    if _PERCENT.search(text):
        return None
    return last_amount(text, decimal)


def _cell_text(words: list[Word]) -> str:
    return words[0].text if len(words) == 1 else " ".join(w.text for w in words)


def _letters(cells: list[list[Word]]) -> float:
    """Letters per cell: how much a column's cells say in words."""
    if not cells:
        return 0.0
    return sum(sum(ch.isalpha() for w in ws for ch in w.text) for ws in cells) / len(cells)


def _kind(cells: list[list[Word]]) -> str:
    """What a column's cells mostly are: "percent", "number", "word" or "empty"."""
    if not cells:
        return "empty"
    pct = num = word = 0
    for ws in cells:
        text = _cell_text(ws)
        if _PERCENT.search(text):
            pct += 1
        elif has_amount(text) and not _LETTERS.search(text.replace("€", "")):
            num += 1
        elif has_amount(text):
            num += 0.5  # "10 Stk", "25 Liter(s)": a number with its unit
            word += 0.5
        else:
            word += 1
    n = len(cells)
    if pct >= 0.6 * n:
        return "percent"
    if num >= 0.6 * n:
        return "number"
    if word >= 0.6 * n:
        return "word"
    return "mixed"


def resolve_columns(
    concepts: list[str | None],
    named: list[str | None],
    rows: list[dict[int, list[Word]]],
    wanted: set[str],
    decimal: str | None,
    headers: list[str] | None = None,
) -> tuple[list[str | None], float]:
    """The column concepts after looking at the cells, and how well the money columns
    balance (the share of rows where quantity × unit price = amount; -1 when the check
    never applies)."""
    out = list(concepts)
    kinds = [_kind([r[i] for r in rows if r.get(i)]) for i in range(len(concepts))]
    for i, c in enumerate(out):
        if c in MONEY_TRIPLE and kinds[i] == "word":
            out[i] = "unit" if c == "unit_price" else None  # "PCE", "Stk": units, not prices
        elif c in MONEY_TRIPLE and kinds[i] == "percent":
            out[i] = "tax_rate" if named[i] in (None, "tax_rate") else "discount"
    texts = [i for i, c in enumerate(out) if c == "description"]
    if len(texts) > 1:
        # "Item | Description": the column with the most words describes, the other is a code
        words = [_letters([r[i] for r in rows if r.get(i)]) for i in texts]
        keep = texts[words.index(max(words))]
        called = [
            i
            for i in texts
            if headers
            and DESCRIPTION_WORDS.intersection(tokens(headers[i]))
            and kinds[i] in ("word", "mixed")  # a column holding text
        ]
        if len(called) == 1:
            keep = called[0]  # "Activity | Description": the column called so describes
        for i in texts:
            if i != keep:
                out[i] = "code" if "code" not in out and kinds[i] != "word" else None
    if not set(MONEY_TRIPLE) <= wanted:
        return _dedupe(out), -1.0
    numeric = [i for i, k in enumerate(kinds) if k in ("number", "mixed")]
    numeric = [i for i in numeric if out[i] in (*MONEY_TRIPLE, None)]
    values = {i: [cell_number(r.get(i), decimal) for r in rows] for i in numeric}

    def balanced(q: int, p: int, a: int) -> tuple[int, int]:
        ok = applicable = 0
        for vq, vp, va in zip(values[q], values[p], values[a], strict=True):
            res = quantity_times_unit_price(quantity=vq, unit_price=vp, amount=va)
            if res.ok is not None:
                applicable += 1
                ok += bool(res.ok) and not (vq == 0 and vp == 0)
        return ok, applicable

    header = {c: i for i, c in enumerate(out) if c in MONEY_TRIPLE and i in values}
    base_ok = -1
    if len(header) == 3:
        base_ok, _ = balanced(header["quantity"], header["unit_price"], header["amount"])
    best: tuple[float, tuple[int, int, int]] | None = None
    if len(numeric) >= 3 and len(numeric) <= 7:
        for q, p, a in permutations(numeric, 3):
            ok, applicable = balanced(q, p, a)
            if not applicable or ok == 0:
                continue
            agree = sum(
                1 for c, i in zip(MONEY_TRIPLE, (q, p, a), strict=True) if c in (out[i], named[i])
            )
            # the amount is right of the price and quantity in every layout we know of
            order = 0.5 if a > p and a > q else 0.0
            score = 3 * ok + agree + order
            if best is None or score > best[0]:
                best = (score, (q, p, a))
    share = -1.0
    if best is not None:
        q, p, a = best[1]
        ok, applicable = balanced(q, p, a)
        if ok > base_ok:
            for i in (q, p, a):
                out[i] = None
            for i, c in enumerate(out):
                if c in MONEY_TRIPLE:
                    out[i] = None
            out[q], out[p], out[a] = MONEY_TRIPLE
            share = ok / max(1, applicable)
        elif base_ok >= 0:
            share = base_ok / max(1, applicable)
    return _dedupe(out), share


def _dedupe(concepts: list[str | None]) -> list[str | None]:
    """One column per concept: a second claim (left to right; the amount keeps the
    rightmost) becomes unnamed, so that no cell overwrites another's."""
    out = list(concepts)
    seen: set[str] = set()
    order = range(len(out) - 1, -1, -1)
    for i in order:
        if out[i] == "amount":
            if "amount" in seen:
                out[i] = None
            seen.add("amount")
    for i, c in enumerate(out):
        if c is None or c == "amount":
            continue
        if c in seen:
            out[i] = None
        seen.add(c)
    return out


def row_scores(
    row: dict[str, list[Word]], decimal: str | None, balance: float
) -> tuple[float, float]:
    """How far a row's cells are to be trusted (its numbers, its text), by the self-check:
    quantity × unit price = amount on this row, else on the table's rows (``balance``, the
    share that balances; -1 when the check never applied)."""
    res = quantity_times_unit_price(
        quantity=cell_number(row.get("quantity"), decimal),
        unit_price=cell_number(row.get("unit_price"), decimal),
        amount=cell_number(row.get("amount"), decimal),
    )
    if res.ok is True:
        return 0.95, 0.85
    if res.ok is False:
        return 0.45, 0.7  # one of the three is misread, or a discount was left out
    if balance >= 0.8:
        return 0.85, 0.8
    if balance == 0.0:
        return 0.6, 0.7  # nothing in this table balances: its columns may be misread
    return 0.8, 0.8
