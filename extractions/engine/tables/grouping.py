"""Grouping a table's lines into rows: each row has one line of numbers (its anchor) and the
text lines around it (a description above or wrapped below); notes under a row are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from ..layout.lines import Line, PageLayout
from ..types import Word
from ..values.dates import find_dates


def completes(
    prev: tuple[Line, dict[int, list[Word]], bool],
    ln: Line,
    cells: dict[int, list[Word]],
    num_cols: set[int],
    desc_cols: set[int],
    wh: float,
) -> bool:
    """Whether a line of numbers only fills the numeric columns the row just above left
    empty, close under it and with no description of its own: the same row, its amount
    centred a little lower (next to a code wrapped under the first line)."""
    pln, pcells, _ = prev
    if ln.y0 - pln.y1 > 0.8 * wh:
        return False
    nums = [ci for ci in cells if ci in num_cols]
    return bool(nums) and all(
        (ci not in pcells) if ci in num_cols else ci not in desc_cols for ci in cells
    )


_NOTE = re.compile(
    r"(?<![\w.,])\d{1,3}(?:[.,\u00a0 ]?\d{3})*[.,]\d{2,4}(?![\w%.,])"  # a price, "46,50"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"  # a date
)


_BULLETS = ("•", "*", "·", "▪", "–", "-")


def _is_note(cells: dict[int, list[Word]], text_cols: set[int]) -> bool:
    """A text line under a row that prints a price or a date (a gross price, a billing
    period, a delivery note) or starts a bulleted list: an annotation of the item, not its
    wrapped description."""
    for ci, ws in cells.items():
        if ci not in text_cols or not ws:
            continue
        text = " ".join(w.text for w in ws)
        if ws[0].text.startswith(_BULLETS) or _NOTE.search(text) or find_dates(text):
            return True
    return False


def _heights(cells: dict[int, list[Word]], text_cols: set[int]) -> list[float]:
    return [w.y1 - w.y0 for ci, ws in cells.items() if ci in text_cols for w in ws]


def _text_height(anchors: list[dict[int, list[Word]]], text_cols: set[int]) -> float:
    """The median height of the words in the text columns of the rows' lines of numbers."""
    hs = sorted(h for c in anchors for h in _heights(c, text_cols))
    return hs[len(hs) // 2] if hs else 0.0


def _smaller(cells: dict[int, list[Word]], text_cols: set[int], size: float) -> bool:
    """A text line set in a smaller type than the rows' descriptions (a period, an SKU, a
    remark printed in small under the item's name): a note on it, not its name wrapped on.
    Only from a text layer, whose boxes follow the type size: an OCR box follows the glyphs
    ("deze maand" has no capitals and stands lower than the line above)."""
    if any(w.source != "text" for ws in cells.values() for w in ws):
        return False
    hs = sorted(_heights(cells, text_cols))
    return bool(hs) and size > 0 and hs[len(hs) // 2] < 0.85 * size


def _drop_headings(
    body: list[tuple[Line, dict[int, list[Word]], bool]],
    owner: list[int | None],
    pitch: Callable[[int], float],
    wh: float,
    text_cols: set[int],
) -> None:
    """In a table whose descriptions start on their numbers' line, a text line above a row
    whose own line has a description, set further from it than the table's wrapped lines
    stand from each other, is a section heading ("Hardware", "Services"), not the start of
    the row's name: it belongs to no row. Without a wrapped line to measure, nothing is
    dropped."""
    wraps = [
        pitch(k)
        for k in range(1, len(body))
        if owner[k] is not None and owner[k] == owner[k - 1] and not body[k][2]
    ]
    if not wraps:
        return
    spacing = min(wraps)
    for k in range(len(body) - 1):
        o = owner[k]
        if o is None or k >= o or body[k][2]:
            continue
        if not any(ci in text_cols for ci in body[o][1]):
            continue  # the row's line holds only numbers: its name is above it
        if pitch(k + 1) > spacing + 0.25 * wh:
            owner[k] = None


def group_rows(
    body: list[tuple[Line, dict[int, list[Word]], bool]],
    lay: PageLayout,
    wh: float,
    text_cols: set[int],
) -> list[dict[int, list[Word]]]:
    """Lines grouped into rows: each row has one line of numbers (its anchor) and the text
    lines around it. Between two anchors, the text lines are cut where the widest vertical
    gap (or a drawn rule) is; when the lines are evenly spaced, the table's habit decides
    (descriptions printed above their numbers, or wrapped below them)."""
    anchors = [k for k, (_, _, a) in enumerate(body) if a]
    if not anchors:
        return []
    rules = sorted(
        (r.y0 + r.y1) / 2
        for r in lay.page.rulings
        if abs(r.y1 - r.y0) < 0.003 and (r.x1 - r.x0) > 0.05
    )

    def apart(k: int, *, middles: bool) -> float:
        """How far body line k stands below line k - 1: the gap between their boxes, or the
        distance between their middles; a rule between them makes it very wide."""
        up, down = body[k - 1][0], body[k][0]
        d = down.cy - up.cy if middles else down.y0 - up.y1
        if any(up.cy < y < down.cy for y in rules):
            d += 10 * wh
        return d

    def gap(k: int) -> float:
        return apart(k, middles=False)

    def pitch(k: int) -> float:
        return apart(k, middles=True)

    first = anchors[0]
    # text lines just above the first anchor: descriptions printed above their numbers
    prefix = first > 0 and gap(first) <= 1.0 * wh
    owner: list[int | None] = [None] * len(body)
    for k in anchors:
        owner[k] = k
    if prefix:
        k = first - 1
        while k >= 0 and (k == first - 1 or gap(k + 1) <= 1.0 * wh):
            owner[k] = first
            k -= 1
    for a, b in pairwise(anchors):
        between = list(range(a + 1, b))
        if not between:
            continue
        # the distances between the lines' middles, not between their boxes: OCR draws
        # boxes of uneven heights, the baselines keep their spacing
        gaps = [pitch(k) for k in range(a + 1, b + 1)]  # gaps[j]: above line a + 1 + j
        widest = max(gaps)
        if widest > min(gaps) + 0.25 * wh:
            cut = a + 1 + gaps.index(widest)  # lines from ``cut`` on belong to b
        else:
            cut = a + 1 if prefix else b
        for k in between:
            owner[k] = a if k < cut else b
    last = anchors[-1]
    k = last + 1
    while k < len(body) and gap(k) <= 1.0 * wh and not prefix:
        owner[k] = last
        k += 1
    # a row's text runs on from its anchor without a gap; lines past a gap are notes
    for k in range(len(body)):
        o = owner[k]
        if o is None or k == o:
            continue
        lo, hi = (k, o) if k < o else (o, k)
        if any(gap(j) > 1.0 * wh for j in range(lo + 1, hi + 1)):
            owner[k] = None
    if not prefix:
        _drop_headings(body, owner, pitch, wh, text_cols)
    # past a note (away from its anchor), a row's lines are notes too
    size = _text_height([c for _, c, a in body if a], text_cols)
    noted: set[int] = {
        k
        for k, (_, c, a) in enumerate(body)
        if not a and (_is_note(c, text_cols) or _smaller(c, text_cols, size))
    }
    for k in range(len(body)):
        o = owner[k]
        if o is None or k == o:
            continue
        lo, hi = (o + 1, k) if k > o else (k + 1, o)
        if any(j in noted and owner[j] == o for j in range(lo, hi)):
            noted.add(k)
    rows: dict[int, dict[int, list[Word]]] = {}
    for k, (_, cells, anchor) in enumerate(body):
        o = owner[k]
        if o is None:
            continue
        row = rows.setdefault(o, {})
        if k != o and k in noted:
            continue
        for ci, ws in cells.items():
            if not anchor and ci not in text_cols:
                continue
            row.setdefault(ci, []).extend(ws)
    return [rows[k] for k in anchors if k in rows]
