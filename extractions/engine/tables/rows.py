"""Tables: find a header row, derive columns, read the rows below it.

What header words name which column, and the per-schema item plans, are in
headers.py.

Works on unruled tables (columns from the header's segments and the alignment of the
cells) and uses drawn vertical rulings, when the page has them, as column boundaries.
Columns are matched to the array's item properties by header words in English, French
and German, plus each property's own name, title and aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..layout.index import DocIndex
from ..layout.lines import Line, PageLayout, Segment
from ..lexicon.columns import CARRIED_WORDS, TABLE_STOP_WORDS
from ..lexicon.concepts import LABEL_TOKENS
from ..types import Found, Word
from ..values.amounts import find_amounts
from ..values.checks import lines_sum_to_total
from ..values.text import tokens
from .cells import NUMERIC_COLUMNS, Column, assign, is_cell_number, refine_by_gaps
from .grouping import completes, group_rows
from .headerless import headerless_rows
from .headers import (
    concepts_of,
    could_be_header,
    header_concept,
    header_units,
    item_plan,
)
from .items import (
    borrow_numbers,
    drop_non_items,
    is_item_row,
    labelled_codes,
    split_leading_codes,
    strip_common_suffix,
)
from .reading import cell_text, resolve_columns, row_scores

_STOP_LABELS = [t for key in ("total", "subtotal", "tax") for t in LABEL_TOKENS[key]] + [
    tuple(tokens(w)) for w in TABLE_STOP_WORDS
]


@dataclass(slots=True)
class Table:
    layout: PageLayout
    header_lines: list[Line]
    columns: list[Column]
    rows: list[dict[str, list[Word]]] = field(default_factory=list)
    wanted: set[str] = field(default_factory=set)  # the concepts the item schema asks for
    balance: float = -1.0  # share of rows where quantity x unit price = amount (-1: no check)
    end: int | None = None  # index of the line that ended it (a totals line), on its page


# a price-like number ("12.50", "1.234,00"); searched in the line text at once (the
# pattern cannot span the spaces that join the words)
_AMOUNT_LIKE = re.compile(r"\d[.,]\d{2}(?!\d)")


def _has_amount(line: Line) -> bool:
    return _AMOUNT_LIKE.search(line.text) is not None


def _cluster_band(
    lines: list[Line], lay: PageLayout, extra: dict[str, set[tuple[str, ...]]]
) -> list[Column]:
    """Header units of one or more lines grouped into columns by horizontal overlap."""
    groups: list[list[list[Word]]] = []
    owners: list[set[int]] = []  # the header lines each group has a unit of
    for ln in lines:
        for seg in ln.segments:
            for unit in header_units(seg, extra):
                ux0 = min(w.x0 for w in unit)
                ux1 = max(w.x1 for w in unit)
                for g, own in zip(groups, owners, strict=True):
                    if ln.index in own:
                        continue  # two names on one line are two columns ("Unit price Amount")
                    gx0 = min(w.x0 for u in g for w in u)
                    gx1 = max(w.x1 for u in g for w in u)
                    if min(gx1, ux1) - max(gx0, ux0) > -0.5 * lay.char_width:
                        g.append(unit)
                        own.add(ln.index)
                        break
                else:
                    groups.append([unit])
                    owners.append({ln.index})
    cols = []
    for g in groups:
        g.sort(key=lambda u: (u[0].y0, u[0].x0))
        text = " ".join(w.text for u in g for w in u)
        concept = header_concept(text, extra)
        if concept is None:
            votes: dict[str, int] = {}
            for u in g:
                c = header_concept(" ".join(w.text for w in u), extra)
                if c:
                    votes[c] = votes.get(c, 0) + 1
            if votes:
                concept = max(votes.items(), key=lambda kv: kv[1])[0]
        x0 = min(w.x0 for u in g for w in u)
        x1 = max(w.x1 for u in g for w in u)
        cols.append(Column(concept, x0, x1, text, named=concept))
    cols.sort(key=lambda c: c.x0)
    _resolve_duplicates(cols)
    return cols


def _resolve_duplicates(cols: list[Column]) -> None:
    """Two columns claiming one meaning: the line amount is the rightmost money column,
    and a money-named column left of the price is the quantity ("Amount | Product | Price")."""
    present = {c.concept for c in cols}
    prices = [c for c in cols if c.concept == "unit_price"]
    if len(prices) > 1 and "amount" not in present:
        prices[-1].concept = "amount"
    amounts = [c for c in cols if c.concept == "amount"]
    if len(amounts) > 1:
        price = next((c for c in cols if c.concept == "unit_price"), None)
        for c in amounts[:-1]:
            if "quantity" not in {x.concept for x in cols} and (price is None or c.x1 <= price.x0):
                c.concept = "quantity"
            else:
                c.concept = None


def find_tables(
    doc: DocIndex, prop_cols: dict[str, str], extra: dict[str, set[tuple[str, ...]]]
) -> list[Table]:
    wanted = set(prop_cols.values())
    tables: list[Table] = []
    # a header printed at the foot of a page, its rows on the next one
    carry: Table | None = None
    for pi, lay in enumerate(doc.layouts):
        used: set[int] = set()
        found_here = len(tables)
        last_page = carry if carry is not None else (tables[-1] if tables else None)
        carry = None
        for ln in lay.lines:
            if ln.index in used or _has_amount(ln):
                continue
            # a header names its columns in words: "Net 30 Days" is a payment term
            seg_concepts = [
                header_concept(s.text, extra)
                for s in ln.segments
                if not any(ch.isdigit() for ch in s.text)
            ]
            if sum(1 for c in seg_concepts if c) < 1:
                continue
            band = _header_band(lay, ln, extra)
            if not could_be_header(_possible_concepts(band, extra), wanted):
                continue  # cannot pass the checks below, whatever the columns
            columns = _cluster_band(band, lay, extra)
            concepts = {c.concept for c in columns if c.concept}
            if len(concepts) < 2 or not (concepts & wanted):
                continue
            if len(concepts & wanted) < min(2, len(wanted)):
                continue  # a tax or payment summary, not the item table
            core = wanted & {"description", "quantity", "unit_price"}
            if core and not {c.named for c in columns} & core:
                continue  # "Art | Grund | Betrag": allowances or taxes, no items
            _set_boundaries(columns, lay, band)
            t = Table(lay, band, columns, wanted=wanted)
            _read_rows(doc, t, extra)
            for b in band:
                used.add(b.index)
            if not t.rows and band[-1].y1 > 0.75:
                carry = t
            if t.rows:
                carry = None
                tables.append(t)
                last = max((w.y1 for r in t.rows for ws in r.values() for w in ws), default=ln.y1)
                for other in lay.lines:
                    if ln.y0 <= other.y0 <= last:
                        used.add(other.index)
        if len(tables) == found_here and last_page and last_page.layout is doc.layouts[pi - 1]:
            # no header on this page: the previous page's table may run on here
            cols = [
                Column(c.concept, c.x0, c.x1, c.header, c.left, c.right, c.named)
                for c in last_page.columns
            ]
            t = Table(lay, [], cols, wanted=wanted)
            _read_rows(doc, t, extra)
            if t.rows:
                tables.append(t)
    return tables


def _possible_concepts(band: list[Line], extra: dict[str, set[tuple[str, ...]]]) -> set[str]:
    """Every column concept the band's header cells could be given: those with a name all
    of whose words are printed in the band (a superset of what ``_cluster_band`` finds, so
    a band whose superset fails the table checks is dropped without clustering it)."""
    present: set[str] = set()
    for b in band:
        present.update(tokens(b.text))
    return concepts_of(present, extra)


def _header_band(lay: PageLayout, ln: Line, extra: dict[str, set[tuple[str, ...]]]) -> list[Line]:
    """The header line plus wrapped header text just above/below it (no amounts there)."""
    band = [ln]
    i = ln.index
    for step in (-1, 1):
        j = i + step
        ref = ln
        while 0 <= j < len(lay.lines) and abs(j - i) <= 3:
            other = lay.lines[j]
            gap = (ref.y0 - other.y1) if step < 0 else (other.y0 - ref.y1)
            if (
                gap > 0.8 * lay.word_height
                or _has_amount(other)
                or any(c.isdigit() for c in other.text)
            ):
                break
            if len(other.toks) > 8 and (
                len(other.segments) < 3
                or sum(1 for s in other.segments if header_concept(s.text, extra)) < 2
            ):
                break  # running text, not a header line of many short column names
            if (
                step > 0
                and not any(header_concept(s.text, extra) for s in other.segments)
                and (
                    any(len(tokens(s.text)) > 3 for s in other.segments)
                    or not all(_under(s, ln, lay.char_width) for s in other.segments)
                )
            ):
                break  # a first description line under the header, not its second line
            if any(len(tokens(s.text)) > 5 for s in other.segments) and not any(
                header_concept(s.text, extra) for s in other.segments
            ):
                break  # a sentence next to the header, not a wrapped header cell
            band.append(other)
            ref = other
            j += step
    band.sort(key=lambda x: x.y0)
    return band


def _under(seg: Segment, header: Line, cw: float) -> bool:
    """Whether a segment lies under one of a header line's cells (a wrapped header name)."""
    return any(min(seg.x1, h.x1) - max(seg.x0, h.x0) > -cw for h in header.segments)


def _set_boundaries(columns: list[Column], lay: PageLayout, band: list[Line]) -> None:
    verticals = sorted(
        (r.x0 + r.x1) / 2
        for r in lay.page.rulings
        if abs(r.x1 - r.x0) < 0.003 and (r.y1 - r.y0) > 0.01
        and min(r.y0, r.y1) <= band[-1].y1 + 0.02 and max(r.y0, r.y1) >= band[0].y0 - 0.02
    )  # fmt: skip
    for i, c in enumerate(columns):
        c.left = 0.0 if i == 0 else (columns[i - 1].x1 + c.x0) / 2
        c.right = 1.0 if i == len(columns) - 1 else (c.x1 + columns[i + 1].x0) / 2
    fixed: set[int] = set()  # boundaries (after column i) a drawn rule sets
    if verticals:
        # drawn column separators beat midpoints
        for i, c in enumerate(columns):
            lefts = [v for v in verticals if v <= c.x0 + 0.002]
            rights = [v for v in verticals if v >= c.x1 - 0.002]
            if i > 0 and lefts and lefts[-1] > columns[i - 1].x1 - 0.002:
                c.left = lefts[-1]
                fixed.add(i - 1)
            if i < len(columns) - 1 and rights and rights[0] < columns[i + 1].x0 + 0.002:
                c.right = rights[0]
                fixed.add(i)
    refine_by_gaps(columns, _body_lines(lay, band), lay.char_width, fixed)


def _body_lines(lay: PageLayout, band: list[Line]) -> list[Line]:
    """The lines under a header down to the table's end (a stop line, a wide gap), at most 60."""
    out: list[Line] = []
    last_y = band[-1].y1
    for ln in lay.lines[band[-1].index + 1 : band[-1].index + 61]:
        if ln.y0 - last_y > 6 * lay.word_height or _is_stop(ln, lay):
            break
        out.append(ln)
        last_y = ln.y1
    return out


_CARRIED = [tuple(tokens(w)) for w in CARRIED_WORDS]
_CURRENCY_TOKENS = frozenset(("eur", "usd", "gbp", "chf", "e"))


def _is_carried(line: Line) -> bool:
    """A running total carried from or to another page ("Übertrag", "Brought forward"): its
    label starts the line and an amount follows."""
    toks = line.toks
    if not _has_amount(line):
        return False
    # only the amount (and its currency) follows: "Transport and delivery 2 x 40,00" is an item
    return any(
        tuple(toks[: len(p)]) == p
        and all(not t.isalpha() or t in _CURRENCY_TOKENS for t in toks[len(p) :])
        for p in _CARRIED
    )


_STOP_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _p in _STOP_LABELS:
    _STOP_BY_FIRST.setdefault(_p[0], []).append(_p)


def _is_stop(line: Line, lay: PageLayout) -> bool:
    """A totals line ("Total HT", "Subtotal", "MwSt") ends the item table, also when the
    label starts a later column of the line ("Taxe Base Montant | Total HT 624,90")."""
    toks = line.toks
    if not toks or _STOP_BY_FIRST.keys().isdisjoint(toks):
        return False  # no stop label starts anywhere on the line
    first_tok = 0
    for k, seg in enumerate(line.segments):
        while first_tok < len(toks) and line.tok_word[first_tok] < seg.start:
            first_tok += 1
        if first_tok >= len(toks):
            break
        head = toks[first_tok]
        for p in _STOP_BY_FIRST.get(head, ()):
            if tuple(toks[first_tok : first_tok + len(p)]) == p and (k == 0 or _has_amount(line)):
                return True
    return False


def _is_header_like(line: Line, extra: dict[str, set[tuple[str, ...]]]) -> bool:
    """A line of column names (another table starts): two or more, and no amounts."""
    if _has_amount(line):
        return False
    if len(line.segments) < 2:
        return False
    # cells without digits: a reference ("# ligne BC: 3") next to a description that
    # mentions a column name ("FOURNITURES - Description") is a row
    names = {
        header_concept(s.text, extra)
        for s in line.segments
        if not any(ch.isdigit() for ch in s.text)
    }
    names.discard(None)
    return len(names) >= 2


def _first_continued_row(lay: PageLayout, cols: list[Column], num_cols: set[int]) -> Line | None:
    """On a page without a header: the first line in its top half with numbers in two
    numeric columns of the previous page's table."""
    for ln in lay.lines:
        if ln.y0 > 0.5:
            return None
        if _is_carried(ln):
            continue  # the total brought forward from the previous page
        if _is_stop(ln, lay):
            return None
        cells = assign(ln, cols)
        if sum(1 for ci, ws in cells.items() if ci in num_cols and is_cell_number(ws)) >= 2:
            return ln
    return None


def _read_rows(doc: DocIndex, t: Table, extra: dict[str, set[tuple[str, ...]]]) -> None:
    lay = t.layout
    cols = t.columns
    wh = lay.word_height
    num_cols = {i for i, c in enumerate(cols) if c.concept in NUMERIC_COLUMNS}
    text_cols = {i for i, c in enumerate(cols) if c.concept not in NUMERIC_COLUMNS}
    desc_cols = {i for i, c in enumerate(cols) if c.concept == "description"}
    if t.header_lines:
        start = t.header_lines[-1].index + 1
        last_y = t.header_lines[-1].y1
    else:
        # a table running on from the previous page: rows start at its first full row
        first = _first_continued_row(lay, cols, num_cols)
        if first is None:
            return
        start, last_y = first.index, first.y0
        # a description printed just above its numbers (the row's first line) comes along
        while start > 0 and not _has_amount(prev := lay.lines[start - 1]):
            if lay.lines[start].y0 - prev.y1 > 1.0 * wh or _is_header_like(prev, extra):
                break
            start, last_y = start - 1, prev.y0
    # 1. the table's lines, each with its cells and whether it holds a row's numbers
    body: list[tuple[Line, dict[int, list[Word]], bool]] = []
    money = [i for i, c in enumerate(cols) if c.concept in ("quantity", "unit_price", "amount")]
    for ln in lay.lines[start:]:
        if body and _is_header_like(ln, extra):
            break
        if _is_carried(ln):
            if not body:
                continue  # the total brought forward from the previous page, over its first row
            t.end = ln.index  # the page's running total, carried to the next page
            break
        stop = _is_stop(ln, lay)
        if stop and not (len(ln.segments) > 2 and len(money) == 3):
            t.end = ln.index
            break
        if ln.x1 < cols[0].left or ln.x0 > cols[-1].right:
            continue
        cells = assign(ln, cols, lay.char_width)
        if stop and not all(is_cell_number(cells.get(i)) for i in money):
            t.end = ln.index
            break  # a subtotal line of an item table has its quantity and price ("Subtotal hardware 1 Stk")
        anchor = any(ci in num_cols and is_cell_number(ws) for ci, ws in cells.items())
        # rows may stand far apart (a note under each); a line of numbers goes on further
        # than a line of text does
        if ln.y0 - last_y > (6.0 if anchor and body else 3.5) * wh:
            break
        if not anchor:
            if not any(ci in text_cols for ci in cells):
                continue
            if len(ln.toks) > 25:
                break
        if (
            anchor
            and body
            and body[-1][2]
            and completes(body[-1], ln, cells, num_cols, desc_cols, wh)
        ):
            # the rest of the row above, printed a little lower (cells centred vertically)
            for ci, ws in cells.items():
                body[-1][1].setdefault(ci, []).extend(ws)
            last_y = max(last_y, ln.y1)
            continue
        body.append((ln, cells, anchor))
        last_y = ln.y1
    rows = group_rows(body, lay, wh, text_cols)
    if not rows:
        return
    borrow_numbers(rows, cols)
    concepts, balance = resolve_columns(
        [c.concept for c in cols],
        [c.named for c in cols],
        rows,
        t.wanted,
        doc.decimal,
        [c.header for c in cols],
    )
    t.balance = balance
    for c, concept in zip(cols, concepts, strict=True):
        c.concept = concept
    t.rows = [
        {cols[ci].concept or f"col{ci}": ws for ci, ws in sorted(r.items())}
        for r in rows
        if is_item_row(r, cols)
    ]
    if "code" in t.wanted and not any(c.concept == "code" for c in cols):
        split_leading_codes(t.rows)
        labelled_codes(t.rows)
    t.rows = drop_non_items(t.rows, doc.decimal)
    strip_common_suffix(t.rows)


def extract_rows(doc: DocIndex, item_schema: dict[str, Any]) -> list[dict[str, Found]]:
    """Rows of every table whose header matches the item's properties, in document order."""
    prop_cols, extra, cells = item_plan(item_schema)
    if not prop_cols:
        return []
    out: list[dict[str, Found]] = []
    decimal = doc.decimal
    tables = find_tables(doc, prop_cols, extra)
    wanted = set(prop_cols.values())
    if not tables and {"description", "amount"} <= wanted:
        for lay, rows, end in headerless_rows(doc.layouts, decimal, _is_stop):
            tables.append(Table(lay, [], [], rows=rows, wanted=wanted, end=end))
    amounts: list[Found] = []
    for t in tables:
        for r in t.rows:
            item: dict[str, Found] = {}
            num_score, text_score = row_scores(r, decimal, t.balance)
            for name, col, types in cells:
                ws = r.get(col)
                if not ws:
                    continue
                f = _cell_value(decimal, ws, types, col)
                if f is not None:
                    f.score = num_score if col in NUMERIC_COLUMNS else text_score
                    item[name] = f
                    if col == "amount":
                        amounts.append(f)
            if item:
                out.append(item)
    _check_sum(tables, amounts, decimal)
    return out


def _check_sum(tables: list[Table], amounts: list[Found], decimal: str | None) -> None:
    """The self-check of the whole table: the line amounts add up to a total printed under
    it (net or gross). When one does, the amounts are surer; when totals are printed and
    none matches, a row is missing or misread, and they are less sure."""
    if not tables or not amounts or any(not isinstance(f.value, float | int) for f in amounts):
        return
    last = tables[-1]
    if last.end is None:
        return
    totals = [
        a.value
        for ln in last.layout.lines[last.end : last.end + 8]
        for a in find_amounts(cell_text(ln.words), decimal)
    ]
    if not totals:
        return
    line_amounts = [f.value for f in amounts]
    if any(lines_sum_to_total(line_amounts=line_amounts, total=x).ok for x in totals):
        for f in amounts:
            f.score = min(0.99, f.score + 0.05)
    else:
        for f in amounts:
            f.score *= 0.85


def _cell_value(
    decimal: str | None, words: list[Word], types: tuple[str, ...], col: str
) -> Found | None:
    conf = 0.8
    if "number" in types or "integer" in types:
        text = cell_text(words)
        amounts = [
            a
            for a in find_amounts(text, decimal)
            if not text[a.end : a.end + 2].lstrip().startswith("%")
        ]
        if not amounts:
            return None
        a = amounts[0] if col == "quantity" else amounts[-1]
        v: Any = a.value
        if "integer" in types and "number" not in types:
            if v != int(v):
                return None
            v = int(v)
        if len(words) == 1 or text != " ".join([w.text for w in words]):
            ws = words  # one word, or a number whose digit groups were joined: all of them
        else:
            ws = _words_for(words, text, a.start, a.end)
        return Found(v, ws, conf)
    text = words[0].text if len(words) == 1 else " ".join([w.text for w in words])
    val = text.strip()
    if not val:
        return None
    return Found(val, words, conf)


def _words_for(words: list[Word], text: str, start: int, end: int) -> list[Word]:
    out = []
    pos = 0
    for w in words:
        s, e = pos, pos + len(w.text)
        if s < end and e > start:
            out.append(w)
        pos = e + 1
    return out or words
