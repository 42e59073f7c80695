"""Page layout: words -> lines -> segments -> blocks, in reading order.

Coordinates are normalised (0..1, origin top-left). Everything here is tolerant to
OCR noise: words may overlap slightly, lines may be a little skewed, and word
heights vary.  Lines are built greedily from words sorted by their vertical centre,
so the cost is about O(n log n) per page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from .types import BBox, PageContent, Word


@dataclass(slots=True)
class Segment:
    """A run of words on one line with no large horizontal gap inside (a "cell")."""

    words: list[Word]
    text: str = ""
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        ws = self.words
        self.text = " ".join(w.text for w in ws)
        self.x0 = min(w.x0 for w in ws)
        self.y0 = min(w.y0 for w in ws)
        self.x1 = max(w.x1 for w in ws)
        self.y1 = max(w.y1 for w in ws)

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


@dataclass(slots=True)
class Line:
    """Words that share a baseline, left to right, split into segments at wide gaps."""

    words: list[Word]
    segments: list[Segment] = field(default_factory=list)
    index: int = 0  # position of the line in reading order on its page
    text: str = ""
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0

    def refresh(self) -> None:
        ws = self.words
        self.text = " ".join(w.text for w in ws)
        self.x0 = min(w.x0 for w in ws)
        self.y0 = min(w.y0 for w in ws)
        self.x1 = max(w.x1 for w in ws)
        self.y1 = max(w.y1 for w in ws)

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


@dataclass(slots=True)
class Block:
    """Consecutive lines that belong together (a paragraph, an address, a table region)."""

    lines: list[Line]

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @property
    def bbox(self) -> BBox:
        return union_bbox([ln.bbox for ln in self.lines])


@dataclass(slots=True)
class PageLayout:
    page: PageContent
    lines: list[Line]
    word_height: float  # median word height, the page's unit of vertical distance
    char_width: float  # median character width, the unit of horizontal distance

    @property
    def number(self) -> int:
        return self.page.number

    @property
    def segments(self) -> list[Segment]:
        return [s for ln in self.lines for s in ln.segments]

    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)


def union_bbox(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _clean_words(words: list[Word]) -> list[Word]:
    return [w for w in words if w.text and w.text.strip() and w.x1 >= w.x0 and w.y1 >= w.y0]


def _unit_sizes(words: list[Word]) -> tuple[float, float]:
    heights = [w.y1 - w.y0 for w in words if w.y1 > w.y0]
    widths = [(w.x1 - w.x0) / max(len(w.text), 1) for w in words if w.x1 > w.x0]
    h = median(heights) if heights else 0.01
    cw = median(widths) if widths else 0.005
    return max(h, 1e-4), max(cw, 1e-4)


def build_lines(words: list[Word], word_height: float | None = None) -> list[Line]:
    """Group words into lines, top to bottom, words left to right.

    A word joins the line whose last word (in x order, so slightly skewed lines are
    followed) has its vertical centre close enough and does not overlap it
    horizontally.  Candidates are limited to lines whose centre is within reach,
    which keeps the work linear-ish.
    """
    ws = _clean_words(words)
    if not ws:
        return []
    if word_height is None:
        word_height, _ = _unit_sizes(ws)
    ws.sort(key=lambda w: ((w.y0 + w.y1) / 2, w.x0))
    open_lines: list[list[Word]] = []
    done: list[list[Word]] = []
    for w in ws:
        wcy = (w.y0 + w.y1) / 2
        wh = max(w.y1 - w.y0, word_height * 0.5)
        best = None
        best_d = None
        still_open = []
        for ln in open_lines:
            last = ln[-1]
            lcy = (last.y0 + last.y1) / 2
            if wcy - lcy > 1.2 * word_height:
                done.append(ln)
                continue
            still_open.append(ln)
            # the nearest word of the line horizontally defines its local baseline
            ref = min(ln, key=lambda o: abs(o.x0 - w.x0)) if len(ln) < 40 else last
            rcy = (ref.y0 + ref.y1) / 2
            rh = max(ref.y1 - ref.y0, word_height * 0.5)
            d = abs(wcy - rcy)
            if d > 0.5 * min(wh, rh) + 0.1 * word_height:
                continue
            if _overlaps_x(ln, w):
                continue
            if best_d is None or d < best_d:
                best, best_d = ln, d
        open_lines = still_open
        if best is None:
            open_lines.append([w])
        else:
            best.append(w)
    done.extend(open_lines)
    lines = []
    for lw in done:
        lw.sort(key=lambda o: o.x0)
        ln = Line(words=lw)
        ln.refresh()
        lines.append(ln)
    lines.sort(key=lambda ln: (round(ln.cy / (word_height * 0.6)), ln.x0))
    return lines


def _overlaps_x(line_words: list[Word], w: Word) -> bool:
    width = w.x1 - w.x0
    for o in line_words:
        ov = min(o.x1, w.x1) - max(o.x0, w.x0)
        if ov > 0.5 * min(width, o.x1 - o.x0):
            return True
    return False


def split_segments(line: Line, char_width: float, word_height: float) -> list[Segment]:
    """Cut a line at gaps wider than ~2.5 characters (column / label-value boundaries)."""
    gap_limit = max(2.5 * char_width, 0.6 * word_height)
    segs: list[Segment] = []
    cur: list[Word] = [line.words[0]]
    for prev, w in zip(line.words, line.words[1:], strict=False):
        if w.x0 - prev.x1 > gap_limit:
            segs.append(Segment(words=cur))
            cur = [w]
        else:
            cur.append(w)
    segs.append(Segment(words=cur))
    return segs


def analyze_page(page: PageContent) -> PageLayout:
    words = _clean_words(page.words)
    wh, cw = _unit_sizes(words) if words else (0.01, 0.005)
    lines = build_lines(words, wh)
    for i, ln in enumerate(lines):
        ln.index = i
        ln.segments = split_segments(ln, cw, wh)
    return PageLayout(page=page, lines=lines, word_height=wh, char_width=cw)


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
