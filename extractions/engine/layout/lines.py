"""Page layout: words -> lines -> segments -> blocks, in reading order.

Coordinates are normalised (0..1, origin top-left).  Everything here tolerates OCR
noise: words may overlap slightly, lines may be a little skewed, word heights vary.
Lines are built greedily from words sorted by their vertical centre, so the cost is
about O(n log n) per page.

Each line also carries its folded tokens (lower case, accents removed) with the word
each token came from, which is what label matching works on.

Lines, segments, blocks and page layouts compare by identity (``eq=False``): two of
them are the same only if they are the same object, and ``list.index`` or ``in`` on
them must not compare every word of every line.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from statistics import median

from ..lexicon.ocr_repair import correct_ocr_token
from ..types import BBox, PageContent, Word
from ..values.text import fold_same_length

_TOKEN = re.compile(r"[0-9a-zß]+")


@dataclass(slots=True, eq=False)
class Line:
    """Words that share a baseline, left to right."""

    words: list[Word]
    index: int = 0  # position of the line in reading order on its page
    text: str = ""
    folded: str = ""
    # Tuples of ints and strs, not lists: the collector stops tracking them, so a long
    # document's lines cost nothing in Python's cyclic GC passes (it re-scans every live
    # container, and a 500-page PDF holds tens of thousands of them).
    starts: tuple[int, ...] = ()  # char offset of each word in ``text``
    toks: tuple[str, ...] = ()
    # where each token is (``tok_spans``, ``tok_word``): worked out on first use, as
    # only lines with a label or a table row on them ever need it
    _tok_spans: tuple[tuple[int, int], ...] | None = None
    _tok_word: tuple[int, ...] | None = None
    segments: list[Segment] = field(default_factory=list)
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0

    def refresh(self) -> None:
        ws = self.words
        starts = []
        pos = 0
        w0 = ws[0]
        x0, y0, x1, y1 = w0.x0, w0.y0, w0.x1, w0.y1
        for w in ws:
            starts.append(pos)
            pos += len(w.text) + 1
            if w.y0 < y0:
                y0 = w.y0
            if w.y1 > y1:
                y1 = w.y1
            if w.x1 > x1:
                x1 = w.x1
        self.text = text = " ".join([w.text for w in ws])
        self.starts = tuple(starts)
        self.folded = folded = fold_same_length(text)
        self.toks = tuple(_TOKEN.findall(folded))
        self._tok_spans = self._tok_word = None
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1

    def _locate_tokens(self) -> None:
        starts = self.starts
        spans = []
        tok_word = []
        wi = 0
        last = len(starts) - 1
        for m in _TOKEN.finditer(self.folded):
            span = m.span()
            s = span[0]
            while wi < last and starts[wi + 1] <= s:
                wi += 1
            spans.append(span)
            tok_word.append(wi)
        self._tok_spans = tuple(spans)
        self._tok_word = tuple(tok_word)

    @property
    def tok_spans(self) -> tuple[tuple[int, int], ...]:
        """(start, end) in ``text`` of each token."""
        if self._tok_spans is None:
            self._locate_tokens()
        return self._tok_spans  # type: ignore[return-value]

    @property
    def tok_word(self) -> tuple[int, ...]:
        """Index in ``words`` of the word each token comes from."""
        if self._tok_word is None:
            self._locate_tokens()
        return self._tok_word  # type: ignore[return-value]

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def word_at(self, char: int) -> int:
        """Index of the word that holds character ``char`` of ``text``."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def words_in(self, start: int, end: int) -> list[Word]:
        """Words overlapping the character range [start, end) of ``text``."""
        if end <= start:
            return []
        return self.words[self.word_at(start) : self.word_at(end - 1) + 1]

    def segment_of(self, word_index: int) -> Segment:
        for s in self.segments:
            if s.start <= word_index < s.end:
                return s
        return self.segments[-1]


@dataclass(slots=True, eq=False)
class Segment:
    """A run of words on one line with no wide gap inside (a cell, a label, a value)."""

    line: Line
    start: int  # word indices in the line, [start, end)
    end: int
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0

    def __post_init__(self) -> None:
        ws = self.line.words
        first = ws[self.start]
        x0, y0, x1, y1 = first.x0, first.y0, first.x1, first.y1
        for i in range(self.start + 1, self.end):
            w = ws[i]
            if w.y0 < y0:
                y0 = w.y0
            if w.y1 > y1:
                y1 = w.y1
            if w.x1 > x1:
                x1 = w.x1
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1

    @property
    def words(self) -> list[Word]:
        return self.line.words[self.start : self.end]

    @property
    def char_start(self) -> int:
        return self.line.starts[self.start]

    @property
    def char_end(self) -> int:
        w = self.line.words[self.end - 1]
        return self.line.starts[self.end - 1] + len(w.text)

    @property
    def text(self) -> str:
        return self.line.text[self.char_start : self.char_end]

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def page(self) -> int:
        return self.line.page

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(slots=True, eq=False)
class Block:
    """Consecutive lines that belong together (a paragraph, an address, a table region)."""

    lines: list[Line]

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @property
    def bbox(self) -> BBox:
        return union_bbox([ln.bbox for ln in self.lines])


@dataclass(slots=True, eq=False)
class PageLayout:
    page: PageContent
    lines: list[Line]
    word_height: float  # median word height, the page's unit of vertical distance
    char_width: float  # median character width, the unit of horizontal distance
    n_words: int = 0
    _tok_index: dict[str, tuple[tuple[int, int], ...]] | None = None

    @property
    def number(self) -> int:
        return self.page.number

    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def token_index(self) -> dict[str, tuple[tuple[int, int], ...]]:
        """token -> ((line index, token position), ...), built once per page."""
        if self._tok_index is None:
            idx: dict[str, list[tuple[int, int]]] = {}
            for li, ln in enumerate(self.lines):
                for ti, t in enumerate(ln.toks):
                    got = idx.get(t)
                    if got is None:
                        idx[t] = [(li, ti)]
                    else:
                        got.append((li, ti))
            # tuples: untracked by the cyclic GC once built (see Line)
            self._tok_index = {t: tuple(v) for t, v in idx.items()}
        return self._tok_index


def union_bbox(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def words_bbox(words: list[Word]) -> BBox:
    w = words[0]
    x0, y0, x1, y1 = w.x0, w.y0, w.x1, w.y1
    for w in words:
        if w.x0 < x0:
            x0 = w.x0
        if w.y0 < y0:
            y0 = w.y0
        if w.x1 > x1:
            x1 = w.x1
        if w.y1 > y1:
            y1 = w.y1
    return (x0, y0, x1, y1)


def _clean_words(words: list[Word]) -> list[Word]:
    return [w for w in words if w.text and not w.text.isspace() and w.x1 >= w.x0 and w.y1 >= w.y0]


def _unit_sizes(words: list[Word]) -> tuple[float, float]:
    heights = [w.y1 - w.y0 for w in words if w.y1 > w.y0]
    widths = [(w.x1 - w.x0) / len(w.text) for w in words if w.x1 > w.x0]
    h = median(heights) if heights else 0.01
    cw = median(widths) if widths else 0.005
    return max(h, 1e-4), max(cw, 1e-4)


def _overlaps_x(line_words: list[Word], w: Word) -> bool:
    width = w.x1 - w.x0
    for o in reversed(line_words[-6:]):
        ov = min(o.x1, w.x1) - max(o.x0, w.x0)
        if ov > 0.5 * min(width, o.x1 - o.x0):
            return True
    return False


def build_lines(words: list[Word], word_height: float | None = None) -> list[Line]:
    """Group words into lines, top to bottom, words left to right.

    A word joins the open line whose nearest word (horizontally) has its vertical centre
    close enough, so slightly skewed lines are followed; lines whose last word is far
    above the current word are closed, which keeps the number of candidates small.
    """
    ws = _clean_words(words)
    if not ws:
        return []
    if word_height is None:
        word_height, _ = _unit_sizes(ws)
    return _build_lines(ws, word_height)


def _line_order(w: Word) -> tuple[float, float]:
    return (w.y0 + w.y1, w.x0)


def _build_lines(ws: list[Word], word_height: float) -> list[Line]:
    """build_lines on words already cleaned. The hot loop of the layout step: plain
    locals and no repeated attribute lookups."""
    ws = sorted(ws, key=_line_order)
    open_lines: list[list[Word]] = []
    open_cy: list[float] = []  # centre of the lowest word of each open line
    open_x1: list[float] = []  # right edge of each open line
    # whether all words of an open line share one top and bottom (text layers mostly):
    # then any of its words gives the same baseline and the nearest one need not be sought
    open_flat: list[bool] = []
    done: list[list[Word]] = []
    close_gap = 1.5 * word_height
    half_h = word_height * 0.5
    tenth_h = 0.1 * word_height
    for w in ws:
        wy0, wy1, wx0, wx1 = w.y0, w.y1, w.x0, w.x1
        wcy = (wy0 + wy1) / 2
        wh = wy1 - wy0
        if wh < half_h:
            wh = half_h
        if open_lines and wcy - min(open_cy) > close_gap:
            keep = [i for i, c in enumerate(open_cy) if wcy - c <= close_gap]
            done.extend(ln for i, ln in enumerate(open_lines) if wcy - open_cy[i] > close_gap)
            open_lines = [open_lines[i] for i in keep]
            open_cy = [open_cy[i] for i in keep]
            open_x1 = [open_x1[i] for i in keep]
            open_flat = [open_flat[i] for i in keep]
        best = -1
        best_d = 0.0
        near = 0.3 * wh
        for i, ln in enumerate(open_lines):
            ref = ln[-1]
            rcy = (ref.y0 + ref.y1) / 2
            d = wcy - rcy if wcy >= rcy else rcy - wcy
            if d > near and len(ln) > 1 and not open_flat[i]:
                # the horizontally nearest word sets the local baseline (skewed lines)
                best_dx = 2.0
                for o in ln[-8:]:
                    ox0 = o.x0
                    dx = ox0 - wx0 if ox0 > wx0 else wx0 - ox0
                    if dx < best_dx:
                        best_dx, ref = dx, o
                rcy = (ref.y0 + ref.y1) / 2
                d = abs(wcy - rcy)
            rh = ref.y1 - ref.y0
            if rh < half_h:
                rh = half_h
            if d > 0.45 * (wh if wh < rh else rh) + tenth_h:
                continue
            if best >= 0 and d >= best_d:
                continue
            if wx0 < open_x1[i] - 0.5 * (wx1 - wx0) and _overlaps_x(ln, w):
                continue
            best, best_d = i, d
        if best < 0:
            open_lines.append([w])
            open_cy.append(wcy)
            open_x1.append(wx1)
            open_flat.append(True)
        else:
            line_words = open_lines[best]
            if open_flat[best]:
                last = line_words[-1]
                open_flat[best] = last.y0 == wy0 and last.y1 == wy1
            line_words.append(w)
            if wcy > open_cy[best]:
                open_cy[best] = wcy
            if wx1 > open_x1[best]:
                open_x1[best] = wx1
    done.extend(open_lines)
    lines = []
    for lw in done:
        if len(lw) > 1:
            lw.sort(key=_word_x0)
        ln = Line(words=lw)
        ln.refresh()
        lines.append(ln)
    lines.sort(key=_line_key)
    return _order_lines(lines, word_height)


def _word_x0(w: Word) -> float:
    return w.x0


def _line_key(ln: Line) -> tuple[float, float]:
    return ((ln.y0 + ln.y1) / 2, ln.x0)


def _order_lines(lines: list[Line], word_height: float) -> list[Line]:
    """Top to bottom; lines whose centres are within a fraction of a line go left to right."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and lines[j].cy - lines[i].cy < 0.35 * word_height:
            j += 1
        group = lines[i:j]
        if len(group) > 1:
            group.sort(key=lambda ln: ln.x0)
        out.extend(group)
        i = j
    return out


def split_segments(line: Line, char_width: float, word_height: float) -> list[Segment]:
    """Cut a line at gaps wider than ~2.5 characters (column / label-value boundaries)."""
    gap_limit = max(2.2 * char_width, 0.55 * word_height)
    segs: list[Segment] = []
    start = 0
    ws = line.words
    for i in range(1, len(ws)):
        if ws[i].x0 - ws[i - 1].x1 > gap_limit:
            segs.append(Segment(line, start, i))
            start = i
    segs.append(Segment(line, start, len(ws)))
    return segs


def analyze_page(page: PageContent) -> PageLayout:
    """The page's layout, kept in ``page.cache`` so that parsing and the content text
    (and any later step) analyse each page once."""
    hit = getattr(page, "cache", None)
    if isinstance(hit, PageLayout) and hit.page is page and hit.n_words == len(page.words):
        return hit
    lay = _analyze(page)
    with contextlib.suppress(AttributeError):  # a page type without the slot
        page.cache = lay
    return lay


def _analyze(page: PageContent) -> PageLayout:
    words = _clean_words(page.words)
    wh, cw = _unit_sizes(words) if words else (0.01, 0.005)
    lines = _build_lines(words, wh) if words else []
    # misread label words are matched as the word they stand for
    repair = correct_ocr_token if page.source == "ocr" else None
    for i, ln in enumerate(lines):
        ln.index = i
        ln.segments = split_segments(ln, cw, wh)
        if repair is not None:
            ln.toks = tuple([repair(t) for t in ln.toks])
    return PageLayout(
        page=page, lines=lines, word_height=wh, char_width=cw, n_words=len(page.words)
    )


def build_blocks(layout: PageLayout) -> list[Block]:
    """Group consecutive lines into blocks: small vertical gap and overlapping x range."""
    blocks: list[Block] = []
    for ln in layout.lines:
        if blocks:
            prev = blocks[-1].lines[-1]
            gap = ln.y0 - prev.y1
            overlap = min(ln.x1, prev.x1) - max(ln.x0, prev.x0)
            if gap < 0.9 * layout.word_height and overlap > 0:
                blocks[-1].lines.append(ln)
                continue
        blocks.append(Block(lines=[ln]))
    return blocks


def page_text(page: PageContent) -> str:
    """The page's text in reading order: one line per text line, words joined by spaces."""
    return analyze_page(page).text()


def release_layouts(pages: list[PageContent]) -> None:
    """Break the page <-> layout and line <-> segment reference cycles once the document
    is done, so that its analysis is freed by reference counting right away instead of
    waiting for (and lengthening) a full collection."""
    for p in pages:
        lay = p.cache
        if isinstance(lay, PageLayout):
            for ln in lay.lines:
                ln.segments = []
            lay._tok_index = None
        p.cache = None
