"""A table body line's words per column: a text run stays in its column, numbers go by
position, an amount's digit groups stay together; and which cells hold numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..layout.lines import Line
from ..lexicon.columns import UNIT_WORDS
from ..types import Word
from ..values.amounts import has_amount
from ..values.text import tokens

NUMERIC_COLUMNS = {"quantity", "unit_price", "amount", "tax_rate", "discount"}


@dataclass(slots=True)
class Column:
    concept: str | None
    x0: float
    x1: float
    header: str
    left: float = 0.0  # assignment boundaries
    right: float = 1.0
    named: str | None = None  # the concept its header words name, before duplicates are resolved


def is_numeric_text(text: str) -> bool:
    t = text.replace(" ", "")
    if t.isdigit():
        return True
    digits = sum(map(str.isdigit, t))
    return digits > 0 and digits >= 0.5 * len(t.strip("€$£%()-+*xX"))


def column_of(columns: list[Column], x0: float, x1: float) -> int:
    cx = (x0 + x1) / 2
    for i, c in enumerate(columns):
        if c.left <= cx < c.right:
            return i
    return len(columns) - 1 if cx >= columns[-1].left else 0


_POSITION = re.compile(r"\d{1,3}[.)]?")  # a row number ("3", "12.")
_LEAD_GROUP = re.compile(r"[-(]?\D{0,3}\d{1,3}")
_THOUSANDS = re.compile(r"\d{3}(?:[.,]\d{1,4})?\)?")


def _thousands_group(left: Word, right: Word, cw: float) -> bool:
    """Whether two words are one number's digit groups ("48 858,10"): a word of one to three
    digits a space's width before a word of exactly three (and the decimals)."""
    return (
        right.x0 - left.x1 <= 0.75 * cw
        and _LEAD_GROUP.fullmatch(left.text) is not None
        and _THOUSANDS.fullmatch(right.text) is not None
    )


def _is_unit(text: str) -> bool:
    toks = tokens(text)
    return len(toks) == 1 and toks[0] in UNIT_WORDS


def _is_words(words: list[Word]) -> bool:
    """A run of words (five letters or more, twice as many as digits): text such as "Copper
    wire 2 mm", not a number or a quantity with its unit."""
    letters = digits = 0
    for w in words:
        for ch in w.text:
            digits += ch.isdigit()
            letters += ch.isalpha()
    return letters >= 5 and letters > 2 * digits


def assign(line: Line, columns: list[Column], cw: float = 0.0) -> dict[int, list[Word]]:
    """Words of a body line per column: a segment that starts in a text column stays
    there whole (a long description); others are split word by word by position."""
    cells: dict[int, list[Word]] = {}
    all_words = line.words
    for seg in line.segments:
        w0 = all_words[seg.start]
        first = column_of(columns, w0.x0, w0.x1)
        if (
            columns[first].concept in NUMERIC_COLUMNS
            and seg.x0 > columns[first].x1
            and first + 1 < len(columns)
            and columns[first + 1].concept not in NUMERIC_COLUMNS
            and not is_numeric_text(w0.text)
            and _is_words(all_words[seg.start : seg.end])
        ):
            # a run of words starting past a numeric column's header is no number of it: the
            # text column on its right, under a centred header, holds it
            first += 1
        elif (
            columns[first].concept == "position"
            and first + 1 < len(columns)
            and columns[first + 1].concept not in NUMERIC_COLUMNS
            and not is_numeric_text(w0.text)
        ):
            first += 1  # a row-number column holds numbers: the text is the next column's
        if columns[first].concept not in NUMERIC_COLUMNS and not is_numeric_text(w0.text):
            words = all_words[seg.start : seg.end]
            nxt = first + 1
            if (
                columns[first].concept in ("code", "position")
                and nxt < len(columns)
                and columns[nxt].concept not in NUMERIC_COLUMNS
                and columns[nxt].concept == "description"
                and seg.x1 > columns[first].x1 + cw
            ):
                # a code and the description after it read as one run (OCR joins them): the
                # words starting past the code header's end are the description's
                cut = next(
                    (
                        k
                        for k, w in enumerate(words)
                        if (k or first in cells) and w.x0 > columns[first].x1 + 0.5 * cw
                    ),
                    len(words),
                )
                if seg.x1 > columns[first].x1 + 2 * cw and _is_words(words):
                    cut = 0  # a run of words reaching past a code header: a description
                if cut < len(words):
                    cells.setdefault(nxt, []).extend(words[cut:])
                    words = words[:cut]
            if words:
                cells.setdefault(first, []).extend(words)
            continue
        prev_ci = first
        for k in range(seg.start, seg.end):
            w = all_words[k]
            ci = first if k == seg.start else column_of(columns, w.x0, w.x1)
            if (
                k > seg.start
                and columns[prev_ci].concept in ("code", "position")
                and prev_ci + 1 < len(columns)
                and columns[prev_ci + 1].concept == "description"
                and seg.x1 > columns[prev_ci].x1 + 2 * cw
                and (w.x0 > columns[prev_ci].x1 + 0.5 * cw or not is_numeric_text(w.text))
            ):
                # past the code header's end, a word after the code is the description's
                # (OCR reads "XA-85089 Extension cord" as one run)
                ci = prev_ci + 1
            elif (
                ci != prev_ci
                and columns[prev_ci].concept not in NUMERIC_COLUMNS
                and (
                    not is_numeric_text(w.text)
                    # a number inside the text ("Copper wire 2 mm"): words follow it
                    or (
                        columns[prev_ci].concept == "description"
                        and k + 1 < seg.end
                        and not is_numeric_text(all_words[k + 1].text)
                    )
                )
                and not is_numeric_text(all_words[k - 1].text)
            ):
                ci = prev_ci  # words of one text run on past the midpoint to the next header
            elif (
                ci != prev_ci
                and columns[ci].concept not in NUMERIC_COLUMNS
                and w.x0 < columns[ci].x0 - cw
                and not _POSITION.fullmatch(all_words[k - 1].text)
            ):
                # text cells start under their header: a word left of it, in one run with
                # the previous column's words, is theirs ("4061234567891 (GTIN)")
                ci = prev_ci
            if (
                k > seg.start
                and columns[ci].concept in NUMERIC_COLUMNS
                and ci + 1 < len(columns)
                and columns[ci + 1].concept not in NUMERIC_COLUMNS
                and not is_numeric_text(w.text)
                # a unit may follow the number ("25 Stk"), not a run of words
                and not (is_numeric_text(all_words[k - 1].text) and _is_unit(w.text))
                and _is_words(all_words[k : seg.end])
            ):
                # "12 Network switch": a quantity right-aligned against the description
                # under centred headers; the words are the next column's
                ci += 1
            if (
                ci == prev_ci
                and k > seg.start
                and columns[ci].concept in ("position", None)
                and ci + 1 < len(columns)
                and columns[ci + 1].concept not in NUMERIC_COLUMNS
                and _POSITION.fullmatch(all_words[k - 1].text)
                and not is_numeric_text(w.text)
            ):
                ci += 1  # "1 Tata Photon 3G": a row number, then the text of the next column
            if ci != prev_ci and _thousands_group(all_words[k - 1], w, cw):
                # "48 | 858,10": the group of thousands of one right-aligned amount that
                # reaches into the column on its left; the number moves over whole
                moved = cells[prev_ci].pop()
                if not cells[prev_ci]:
                    del cells[prev_ci]
                cells.setdefault(ci, []).append(moved)
            prev_ci = ci
            got = cells.get(ci)
            if got is None:
                cells[ci] = [w]
            else:
                got.append(w)
    return cells


def is_cell_number(words: list[Word] | None) -> bool:
    if not words:
        return False
    text = words[0].text if len(words) == 1 else " ".join([w.text for w in words])
    return is_numeric_text(text) and has_amount(text)


def refine_by_gaps(columns: list[Column], body: list[Line], cw: float, fixed: set[int]) -> None:
    """Move each boundary between two columns (but the ``fixed`` ones, drawn rules) into the
    empty vertical channel of the table's body nearest to it: a header centred over a wide
    description column ("ITEM | DESCRIPTION") puts the midpoint inside the text, while the
    body's words leave the true boundary blank on (almost) every line."""
    # lines of several cells: a note or a wrapped description running across the columns
    # in one piece says nothing about where they part
    body = [ln for ln in body if len(ln.segments) > 1]
    if len(body) < 2:
        return
    # segments, not words: a cell's words ("4 kg") stand a space apart, cells further
    spans = sorted((s.x0, s.x1) for ln in body for s in ln.segments)
    allowed = len(body) // 7  # a note line running across columns may cover it
    for i in range(len(columns) - 1):
        if i in fixed:
            continue
        left, right = columns[i], columns[i + 1]
        # between the two headers: a centred header's cells start left of it, a wide
        # amount reaches left of its right-aligned header
        lo, hi = left.x1, right.x0
        old = left.right
        if hi - lo < cw or _covered(spans, old) <= allowed:
            continue  # the midpoint already falls between the cells
        best: tuple[float, float] | None = None
        # candidate points every half character: covered by at most ``allowed`` lines' words
        steps = int((hi - lo) / (0.5 * cw)) + 1
        run_start: float | None = None
        for k in range(steps + 1):
            x = lo + k * 0.5 * cw if k < steps else hi + cw  # sentinel closes the last run
            free = k < steps and _covered(spans, x) <= allowed
            if free and run_start is None:
                run_start = x
            elif not free and run_start is not None:
                end = lo + (k - 1) * 0.5 * cw
                mid = (run_start + end) / 2
                if end - run_start >= 0.5 * cw and (
                    best is None or abs(mid - old) < abs(best[0] - old)
                ):
                    best = (mid, end - run_start)
                run_start = None
        if best is not None:
            left.right = right.left = best[0]


def _covered(spans: list[tuple[float, float]], x: float) -> int:
    """How many word spans cover ``x`` (spans sorted by their left end)."""
    n = 0
    for x0, x1 in spans:
        if x0 > x:
            break
        if x1 >= x:
            n += 1
    return n
