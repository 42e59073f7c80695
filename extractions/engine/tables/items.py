"""What a table's rows hold besides the cells' columns: codes printed before or inside the
description, numbers that belong to an empty neighbouring column, and which rows are items at
all (a stray total, an allowance, a payment is not)."""

from __future__ import annotations

import re

from ..lexicon.columns import COLUMN_WORDS
from ..types import Word
from ..values.text import tokens
from .cells import NUMERIC_COLUMNS, Column, is_cell_number
from .reading import cell_number

CODE_WORDS = COLUMN_WORDS["code"]


# an article number printed before the description ("242900 Dunlop picks", "AB-1234 Bolt")
_CODE = re.compile(r"(?=[A-Z0-9./-]*\d)[A-Z0-9][A-Z0-9./-]{3,}")


def split_leading_codes(rows: list[dict[str, list[Word]]]) -> None:
    """Without a code column, a code that starts the description of (nearly) every row is
    the item's code: moved out of the description into ``code``."""
    descs = [r.get("description") for r in rows]
    starts = [ws for ws in descs if ws and len(ws) > 1 and _CODE.fullmatch(ws[0].text)]
    if len(rows) < 2 or len(starts) < 0.8 * len(rows):
        return
    for r in rows:
        ws = r.get("description")
        if ws and len(ws) > 1 and _CODE.fullmatch(ws[0].text):
            r["code"] = [ws[0]]
            r["description"] = ws[1:]


def borrow_numbers(rows: list[dict[int, list[Word]]], cols: list[Column]) -> None:
    """A numeric column left empty on every row while the text column next to it holds a
    number at the same end of (nearly) every cell: under centred headers a right-aligned
    quantity lands in the description ("1 Copper wire"), a quantity with its unit in the unit
    column ("3 Stk"). The number is the empty column's."""
    for qi, c in enumerate(cols):
        if c.concept not in ("quantity", "unit_price", "amount") or any(r.get(qi) for r in rows):
            continue
        for ni, first in ((qi + 1, True), (qi - 1, False)):
            if not 0 <= ni < len(cols) or cols[ni].concept in NUMERIC_COLUMNS:
                continue
            cells = [r.get(ni) for r in rows]
            ends = [ws[0 if first else -1] for ws in cells if ws and len(ws) > 1]
            if len(ends) < max(1, 0.8 * len(rows)) or not all(is_cell_number([w]) for w in ends):
                continue
            for r in rows:
                ws = r.get(ni)
                if ws and len(ws) > 1 and is_cell_number([ws[0 if first else -1]]):
                    r[qi] = [ws[0]] if first else [ws[-1]]
                    r[ni] = ws[1:] if first else ws[:-1]
            break


# "SKU ST350", "Art.-Nr. 4711", "Ref: AB-12" inside a description: the code header words
# followed by a token with a digit
_CODE_LABEL = re.compile(
    r"(?<![^\W_])(?:"
    + "|".join(
        sorted(
            (r"[\s.\-]*".join(map(re.escape, tokens(n))) for n in CODE_WORDS if len(n) > 2),
            key=len,
            reverse=True,
        )
    )
    + r")(?![^\W_])[\s.:#]*(?P<code>[A-Za-z0-9][\w./-]*)",
    re.IGNORECASE,
)


def labelled_codes(rows: list[dict[str, list[Word]]]) -> None:
    """Without a code column, a code the description labels ("... Tee, SKU ST350") is the
    item's code too (the description keeps it: it is printed there)."""
    for r in rows:
        ws = r.get("description")
        if not ws or r.get("code"):
            continue
        for w_i in range(len(ws)):
            text = " ".join(x.text for x in ws[w_i : w_i + 4])
            m = _CODE_LABEL.match(text)
            if m and any(ch.isdigit() for ch in m.group("code")):
                code = m.group("code").rstrip(".,;")
                hit = [x for x in ws[w_i : w_i + 4] if code in x.text]
                if hit:
                    r["code"] = hit[:1]
                    break


def is_item_row(row: dict[int, list[Word]], cols: list[Column]) -> bool:
    """A row of one lone number and no text is a stray total or rate, not an item."""
    if len(row) > 1:
        return True
    (ci,) = row
    return cols[ci].concept not in NUMERIC_COLUMNS and cols[ci].concept is not None


def drop_non_items(
    rows: list[dict[str, list[Word]]], decimal: str | None
) -> list[dict[str, list[Word]]]:
    """The rows without the allowances, charges and payments printed among the items."""
    priced = [
        r for r in rows if is_cell_number(r.get("quantity")) and is_cell_number(r.get("unit_price"))
    ]
    if len(priced) >= 2:
        # where items print a quantity and a price, a row with neither is an allowance, a
        # charge or a payment under the items ("Remise commerciale -5,00"), not an item
        last = max(k for k, r in enumerate(rows) if r in priced)
        return [
            r
            for k, r in enumerate(rows)
            if is_cell_number(r.get("quantity"))
            or is_cell_number(r.get("unit_price"))
            # a flat fee among the items ("Setup fee 49.00" with items after it) is one;
            # charges and allowances come after them
            or (
                k < last
                and r.get("description")
                and (cell_number(r.get("amount"), decimal) or 0.0) > 0
            )
        ]
    if sum(1 for r in rows if is_cell_number(r.get("quantity"))) >= 2:
        # items with a quantity: a row with none and a negative amount is a payment or a
        # discount under them ("Visa payment -90.53")
        return [
            r
            for r in rows
            if is_cell_number(r.get("quantity"))
            or is_cell_number(r.get("unit_price"))
            or (cell_number(r.get("amount"), decimal) or 0.0) >= 0
        ]
    return rows


_SEPARATORS = ("-", "–", "—", ":", "|", "/")


def strip_common_suffix(rows: list[dict[str, list[Word]]]) -> None:
    """Text that every row's description ends with, after a separator ("Nougat - Description",
    "Appel - Description"), is boilerplate of the layout, not the items' names: left out,
    when at least two rows have their own names before it."""
    descs = [r.get("description") or [] for r in rows]
    if len(descs) < 2 or any(len(ws) < 2 for ws in descs):
        return
    n = 0
    while all(len(ws) > n + 1 for ws in descs) and len({ws[-1 - n].text for ws in descs}) == 1:
        n += 1
    # the common tail must start at a separator ("- Description") and leave names that differ
    while n and descs[0][-n].text not in _SEPARATORS:
        n -= 1
    if not n or len({" ".join(w.text for w in ws[:-n]) for ws in descs}) < 2:
        return
    for r in rows:
        r["description"] = r["description"][:-n]
