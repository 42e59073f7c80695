"""Locating values on analysed pages: label hits, the value next to a label, typed parsing.

``find_labels`` finds printed labels through each page's token index of the document's
``DocIndex`` (no scan over all words), ``values_near`` reads the value right of or below a
label, and ``parse_region`` turns a piece of a line into a typed ``Found`` value with the
words it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..layout.index import DocIndex
from ..layout.lines import Line, PageLayout, Segment
from ..lexicon.concepts import INLINE_LABELS
from ..lexicon.totals import INCLUSIVE_WORDS, TAX_WORDS, TOTAL_WORDS
from ..types import Found, Word
from ..values.amounts import find_amounts, find_currency, parse_number_text, printed_codes
from ..values.dates import find_dates
from ..values.identifiers import RE_EMAIL, find_iban, find_phone, find_vat_id
from ..values.text import parse_bool


@dataclass(slots=True)
class Hit:
    """A printed label: tokens [t0, t1) of a line."""

    layout: PageLayout
    line: Line
    t0: int
    t1: int
    strength: float  # 0..1: label quality (phrase specificity, position in its segment)
    phrase: tuple[str, ...]

    @property
    def end_char(self) -> int:
        return self.line.tok_spans[self.t1 - 1][1]

    @property
    def start_char(self) -> int:
        return self.line.tok_spans[self.t0][0]

    @property
    def segment(self) -> Segment:
        return self.line.segment_of(self.line.tok_word[self.t0])

    @property
    def label_words(self) -> list[Word]:
        return self.line.words[self.line.tok_word[self.t0] : self.line.tok_word[self.t1 - 1] + 1]

    @property
    def y(self) -> float:
        return self.layout.number * 10 + self.line.cy


@dataclass(slots=True)
class Region:
    """Part of a line where a value may be printed: characters [start, end) of line.text."""

    layout: PageLayout
    line: Line
    start: int
    end: int
    where: str  # same, right, below

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


# --------------------------------------------------------------------------- labels


def _by_first(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        if p:
            out.setdefault(p[0], []).append(tuple(p))
    return out


def _negated(
    line: Line, t0: int, t1: int, negatives: dict[str, list[tuple[str, ...]]], longest: int
) -> bool:
    """A negative phrase (by first token) overlaps tokens [t0, t1) of the line."""
    toks = line.toks
    n_toks = len(toks)
    for i in range(max(0, t0 - longest + 1), min(t1, n_toks)):
        for neg in negatives.get(toks[i], ()):
            n = len(neg)
            if i >= t0 - n + 1 and i + n <= n_toks and toks[i : i + n] == neg:
                # "Total (GST incl.)" is the total with the tax in it, not the tax
                if neg[-1] in TAX_WORDS and i + n < n_toks and toks[i + n] in INCLUSIVE_WORDS:
                    continue
                return True
    return False


def find_labels(
    doc: DocIndex,
    phrases: list[tuple[str, ...]],
    negatives: list[tuple[str, ...]] = (),  # type: ignore[assignment]
    strong: set[tuple[str, ...]] | None = None,
    layouts: list[PageLayout] | None = None,
) -> list[Hit]:
    """Every place a label phrase is printed (longest phrase wins at a position).

    Phrases are grouped by their first token and each page's token index is only asked
    about the first tokens it holds: a concept has dozens of label phrases in three
    languages, a page prints few of them."""
    hits: dict[tuple[int, int, int], Hit] = {}
    by_first = _by_first(phrases)
    negs = _by_first(negatives) if negatives else {}
    longest = max((len(p) for p in negatives if p), default=0) if negs else 0
    for lay in layouts if layouts is not None else doc.layouts:
        idx = lay.token_index()
        common = by_first.keys() & idx.keys()
        if not common:
            continue
        lines = lay.lines
        for tok in common:
            where = idx[tok]
            for phrase in by_first[tok]:
                n = len(phrase)
                for li, ti in where:
                    line = lines[li]
                    toks = line.toks
                    t1 = ti + n
                    if t1 > len(toks) or (n > 1 and toks[ti:t1] != phrase):
                        continue
                    if negs and _negated(line, ti, t1, negs, longest):
                        continue
                    key = (lay.number, li, ti)
                    old = hits.get(key)
                    if old is not None and len(old.phrase) >= n:
                        continue
                    hits[key] = Hit(
                        lay, line, ti, t1, _strength(line, ti, t1, phrase, strong), phrase
                    )
    out = sorted(hits.values(), key=lambda h: (h.layout.number, h.line.index, h.t0))
    # a shorter phrase inside a longer hit on the same line is the same label
    pruned: list[Hit] = []
    for h in out:
        if pruned and pruned[-1].line is h.line and h.t0 < pruned[-1].t1:
            if len(h.phrase) > len(pruned[-1].phrase):
                pruned[-1] = h
            continue
        pruned.append(h)
    return pruned


def _strength(
    line: Line, t0: int, t1: int, phrase: tuple[str, ...], strong: set[tuple[str, ...]] | None
) -> float:
    seg = line.segment_of(line.tok_word[t0])
    # tokens of the segment before the label: labels start their segment
    first_tok = next((i for i, w in enumerate(line.tok_word) if w >= seg.start), 0)
    lead = t0 - first_tok
    s = 0.75 if lead == 0 else (0.6 if lead == 1 else 0.4)
    if phrase in INLINE_LABELS:
        s = 0.6  # "... Nr. 12 vom 03.10.2018": inside a sentence by nature
    if strong and phrase in strong:
        s += 0.2
    elif len(phrase) > 1:
        s += 0.1
    # a colon right after the label is a strong sign it is one
    end = line.tok_spans[t1 - 1][1]
    if line.text[end : end + 2].strip().startswith((":", "：")):
        s += 0.05
    return min(s, 1.0)


# --------------------------------------------------------------------------- regions


_LEAD = re.compile(
    r"^[\s:：#=.\-–>|]*(?:(?:n[°ºo]|nr|no|num|number|nummer)\b\.?[\s:#.]*)?", re.IGNORECASE
)


def values_near(doc: DocIndex, hit: Hit, below: int = 2, wide_below: bool = False) -> list[Region]:
    """Where the value of a label may be: rest of its segment, segments to its right, below."""
    line = hit.line
    lay = hit.layout
    out: list[Region] = []
    seg = hit.segment
    end = hit.end_char
    # "Date:18/03/2018" in one OCR word: the label ends inside a word
    seg_end = seg.char_end
    if end < seg_end:
        out.append(Region(lay, line, end, seg_end, "same"))
    for s in line.segments:
        if s.x0 > seg.x1 - 1e-9 and s.char_start >= seg_end:
            out.append(Region(lay, line, s.char_start, line_end_of_segment(s), "right"))
    if below:
        label_x0 = min(w.x0 for w in hit.label_words)
        x0, x1 = label_x0, seg.x1
        if wide_below:
            x1 += 0.6 * (seg.x1 - label_x0)  # amounts printed below and right of their label
        for nl in lay.lines[line.index + 1 : line.index + 1 + 4]:
            if nl.y0 - line.y1 > (below + 0.5) * lay.word_height:
                break
            for s in nl.segments:
                ov = min(s.x1, x1) - max(s.x0, x0)
                if ov > 0 or abs(s.x0 - x0) < 2 * lay.char_width:
                    out.append(Region(lay, nl, s.char_start, s.char_end, "below"))
                    break
            else:
                continue
            break
    return out


def line_end_of_segment(s: Segment) -> int:
    return s.char_end


# --------------------------------------------------------------------------- typed parsing


def region_words(region: Region, start: int, end: int) -> list[Word]:
    return region.line.words_in(region.start + start, region.start + end)


def parse_region(doc: DocIndex, region: Region, kind: str) -> Found | None:
    """A value of ``kind`` read from ``region`` (None when it holds none)."""
    text = region.text
    if kind == "amount":
        best = None
        for a in find_amounts(text, doc.decimal):
            tail = text[a.end : a.end + 2].lstrip()
            if tail.startswith("%") or _RATE_BASE.search(text, 0, a.start):
                continue
            best = a
        if best is None:
            return None
        return Found(best.value, region_words(region, best.start, best.end), 1.0)
    if kind == "integer":
        for a in find_amounts(text, doc.decimal):
            if a.value == int(a.value):
                return Found(int(a.value), region_words(region, a.start, a.end), 1.0)
        return None
    if kind == "percent":
        m = re.search(r"(-?\d+(?:[.,]\d+)?)\s*%", text)
        if not m:
            return None
        v = parse_number_text(m.group(1).lstrip("-"))
        if v is None:
            return None
        return Found(v[0], region_words(region, m.start(), m.end()), 1.0)
    if kind == "date":
        for d in find_dates(text):
            iso = d.iso(doc.order)
            if iso:
                return Found(iso, region_words(region, d.start, d.end), 0.9 if d.ambiguous else 1.0)
        return None
    if kind == "currency":
        code = find_currency(text)
        if code is None or len(printed_codes(text)) >= 3:
            return None  # "AUD EUR GBP USD": the currencies accepted, not the one charged
        return Found(code, region_words(region, 0, len(text)), 1.0)
    if kind == "email":
        m = RE_EMAIL.search(text)
        return Found(m.group(0), region_words(region, m.start(), m.end()), 1.0) if m else None
    if kind == "phone":
        p = find_phone(text)
        if not p:
            return None
        i = text.find(p)
        return Found(p, region_words(region, i, i + len(p)), 1.0)
    if kind == "iban":
        v = find_iban(text)
        return Found(v, region_words(region, 0, len(text)), 1.0) if v else None
    if kind == "vat":
        v = find_vat_id(text)
        return Found(v, region_words(region, 0, len(text)), 1.0) if v else None
    if kind == "id":
        return _parse_id(region)
    if kind == "bool":
        b = parse_bool(text)
        if b is None:
            return None
        return Found(b, region_words(region, 0, len(text)), 0.9)
    # text-like kinds: the whole region, minus leading separators
    m = _LEAD_TEXT.match(text)
    s = m.end() if m else 0
    val = text[s:].strip()
    if not val or not any(c.isalnum() for c in val):
        return None
    return Found(val, region_words(region, s, len(text)), 1.0)


_LEAD_TEXT = re.compile(r"^[\s:：#=.\-–>|]*")
# "8.7% on $30.00", "19 % auf 100,00": the amount a rate applies to, not the labelled one
_RATE_BASE = re.compile(
    r"%\s*(?:on|of|sur|auf|von|de|op|over|sobre|su|di)\s*\W{0,2}\s*\Z", re.IGNORECASE
)
# a bare count ("Sales Tax  1  $1.14  $1.14"): a quantity column, when an amount follows
_BARE_COUNT = re.compile(r"\d{1,3}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/._]*[0-9][A-Za-z0-9\-/._]*|[0-9]")


def _parse_id(region: Region) -> Found | None:
    text = region.text
    m = _LEAD.match(text)
    s = m.end() if m else 0
    mm = _ID.search(text, s)
    if not mm:
        return None
    # the identifier should come first, not after other words ("Invoice date 12/01")
    skipped = text[s : mm.start()]
    if re.search(r"[A-Za-z]{3,}", skipped):
        return None
    val = mm.group(0).rstrip(".-/_")
    if find_dates(val) and len(val) <= 10:
        return None
    return Found(val, region_words(region, mm.start(), mm.start() + len(val)), 1.0)


WHERE_FACTOR = {"same": 1.0, "right": 0.95, "below": 0.85}


def value_for_label(
    doc: DocIndex, hit: Hit, kind: str, below: int = 2, *, column_sum: bool = False
) -> Found | None:
    """The first value of ``kind`` next to a label, scored by label strength and placement.

    ``column_sum``: the label names a document sum, so an amount read under it as a column
    header stands for the column's totals row (``column_total``)."""
    inline = hit.phrase in INLINE_LABELS
    near = values_near(doc, hit, below=0 if inline else below, wide_below=kind not in TEXT_KINDS)
    for i, region in enumerate(near):
        if kind in TEXT_KINDS and region.where == "right" and _is_label_text(region.text):
            break
        f = parse_region(doc, region, kind)
        if f is not None and f.words and kind in TEXT_KINDS:
            f = wrapped_text(doc, region, f, hit.label_words[0].x0)
        if f is not None and f.words and kind == "amount" and _BARE_COUNT.fullmatch(f.text):
            later = _next_priced(doc, near[i + 1 :], region)
            if later is not None:
                region, f = later
        if f is not None and f.words and kind == "amount" and column_sum:
            f = column_total(doc, region, f) or f
        if f is not None and f.words:
            f.score *= hit.strength * WHERE_FACTOR[region.where]
            if kind not in TEXT_KINDS:
                words = _skipped_words(region, f)
                if inline and words:
                    return None  # "vom 03.10.2018": the value follows the word at once
                if words >= 2:
                    f.score *= 0.6  # other words between label and value
            return f
        if region.where == "same" and kind in TEXT_KINDS and region.text.strip(" :#.-"):
            break
        if region.where == "same" and kind == "date" and _says_instead(region.text):
            break  # "due on receipt", "Fällig: sofort": the label is answered in words
    return None


def _says_instead(rest: str) -> bool:
    """The rest of a label's segment answers it in words, not with a value further on: a
    sentence going on in lower case ("on receipt") or words after the label's colon
    ("Due date: upon receipt"); a capitalised word without a colon may be the next column's
    header ("Due Date Amount") and lets the value below be read."""
    t = rest.strip()
    colon = t.startswith((":", "："))
    t = t.lstrip(":： ")
    if not t or not t[0].isalpha():
        return False
    return colon or t[0].islower()


def wrapped_text(doc: DocIndex, region: Region, f: Found, label_x0: float) -> Found:
    """A text value continued on the next lines of its cell ("Advertiser: Tom Steyer for" over
    "President 2020"): a segment that starts where the value starts, with nothing printed
    between the label's start and it, and that no colon marks as another label."""
    if region.where == "below" or not f.words:
        return f
    lay = region.layout
    line = region.line
    vx0 = f.words[0].x0
    right = 1.0
    for s in line.segments:
        if s.x0 > f.words[-1].x1 + 1e-9:
            right = s.x0
            break
    slack = 1.5 * lay.char_width
    text, words = str(f.value), list(f.words)
    prev = line
    for nl in lay.lines[line.index + 1 : line.index + 3]:
        if nl.y0 - prev.y1 > 0.8 * lay.word_height:
            break
        cont = None
        for s in nl.segments:
            if s.x1 <= label_x0 + 1e-9:
                continue
            if abs(s.x0 - vx0) <= slack and s.x1 <= right + slack:
                cont = s
            break  # the first segment past the label's start decides
        if cont is None:
            break
        ctext = nl.text[cont.char_start : cont.char_end].strip()
        if not ctext or ctext.endswith((":", "：")) or not any(c.isalnum() for c in ctext):
            break
        text = f"{text} {ctext}"
        words.extend(nl.words[cont.start : cont.end])
        prev = nl
    if len(words) == len(f.words):
        return f
    return Found(text, words, f.score)


# how far down a column its totals row is looked for
_COLUMN_LINES = 40
_HAS_DIGIT = re.compile(r"\d")


def column_total(doc: DocIndex, region: Region, f: Found) -> Found | None:
    """The totals row of the column a value was read from under its header label.

    "Gross Amount" heading a breakdown by period has the first period's amount below it;
    the document's gross amount is the column's "Totals" row. None when the value is not
    the first of several amounts of a column ending in a row labelled as a total."""
    if region.where != "below" or not f.words:
        return None
    lay = region.layout
    x0 = min(w.x0 for w in f.words) - lay.char_width
    x1 = max(w.x1 for w in f.words) + lay.char_width
    rows = 0
    for nl in lay.lines[region.line.index + 1 : region.line.index + 1 + _COLUMN_LINES]:
        # a figure in the column (amounts are parsed only on the totals row: this walk runs
        # for every sum read under a header, on every page of a long table)
        if not any(w.x0 < x1 and w.x1 > x0 and _HAS_DIGIT.search(w.text) for w in nl.words):
            continue
        if not TOTAL_WORDS.intersection(nl.toks):
            rows += 1
            continue
        if rows == 0:
            return None  # a one-row table: its row is the total
        for a in find_amounts(nl.text, doc.decimal):
            ws = nl.words_in(a.start, a.end)
            if ws and ws[0].x0 < x1 and ws[-1].x1 > x0:
                return Found(a.value, ws, f.score)
        return None
    return None


def _next_priced(
    doc: DocIndex, regions: list[Region], after: Region
) -> tuple[Region, Found] | None:
    """The next amount on the same line that is written as money (decimals or a currency)."""
    for region in regions:
        if region.line is not after.line:
            return None
        f = parse_region(doc, region, "amount")
        if f is not None and f.words and not _BARE_COUNT.fullmatch(f.text):
            return region, f
    return None


TEXT_KINDS = {"text", "name", "address"}
_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")


def _skipped_words(region: Region, f: Found) -> int:
    """Alphabetic words printed between the start of the region and the value."""
    line = region.line
    first = f.words[0]
    for i, w in enumerate(line.words):
        if w is first:
            end = line.starts[i]
            break
    else:
        return 0
    if end <= region.start:
        return 0
    return len(_ALPHA_WORD.findall(line.text[region.start : end]))


def _is_label_text(text: str) -> bool:
    t = text.strip()
    return t.endswith((":", "：")) and len(t) < 40
