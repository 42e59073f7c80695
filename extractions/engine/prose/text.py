"""Running text of pages as one string per page, mapped back to the words (for prose rules).

Lines are joined in reading order (``"\n"`` between lines, one space between words), so
regular expressions can read sentences across line breaks while every match still points at
the words it covers (``candidate`` turns a match into a cited :class:`Candidate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..layout.lines import analyze_page
from ..types import Candidate, PageContent, Word, union_bbox


@dataclass(slots=True)
class PageText:
    """A page's lines (reading order) joined with spaces, and where each word starts."""

    page: int
    text: str
    starts: list[int]
    words: list[Word]

    def words_between(self, start: int, end: int) -> list[Word]:
        return [
            w
            for w, s in zip(self.words, self.starts, strict=True)
            if s < end and s + len(w.text) > start
        ]


_LAST: list[tuple[list[PageContent], list[PageText]]] = []


def text_index(pages: list[PageContent]) -> list[PageText]:
    """The text index of ``pages``; the last one is kept, as a schema asks several fields.

    The cache holds the pages themselves, so their identities cannot be reused while cached.
    """
    if (
        _LAST
        and len(_LAST[0][0]) == len(pages)
        and all(a is b for a, b in zip(_LAST[0][0], pages, strict=True))
    ):
        return _LAST[0][1]
    index = _build_index(pages)
    _LAST[:] = [(list(pages), index)]
    return index


def _build_index(pages: list[PageContent]) -> list[PageText]:
    out = []
    for page in pages:
        parts: list[str] = []
        starts: list[int] = []
        words: list[Word] = []
        pos = 0
        line_ends: set[int] = set()
        for line in analyze_page(page).lines:
            for w in line.words:
                starts.append(pos)
                words.append(w)
                parts.append(w.text)
                pos += len(w.text) + 1
            line_ends.add(len(parts) - 1)
        # Lines are joined with "\n" (one character, like a space) so rules can see line starts.
        out.append(PageText(page.number, _join_lines(parts, line_ends), starts, words))
    return out


def _join_lines(parts: list[str], line_ends: set[int]) -> str:
    out = []
    for i, p in enumerate(parts):
        out.append(p)
        if i < len(parts) - 1:
            out.append("\n" if i in line_ends else " ")
    return "".join(out)


def candidate(pt: PageText, start: int, end: int, value: object, conf: float) -> Candidate:
    words = pt.words_between(start, end)
    return Candidate(
        value=value,
        page=pt.page,
        bbox=union_bbox(words),
        text=" ".join(w.text for w in words) or pt.text[start:end],
        confidence=round(max(0.0, min(1.0, conf)), 4),
    )


ABBREV = re.compile(
    r"(?:\b(?:Inc|Corp|Co|Ltd|No|Nos|Mr|Mrs|Ms|Dr|St|Sec|Art|U\.S|N\.A|L\.P|L\.L\.C|S\.A|e\.g|i\.e|vs|Jr|Sr)|\b[A-Z])\.$"
)


def sentence_start(text: str, pos: int, limit: int = 600) -> int:
    """Where the sentence containing ``pos`` starts (a period/semicolon not after an abbreviation)."""
    lo = max(0, pos - limit)
    for m in reversed(list(re.finditer(r"[.;]\s+(?=[A-Z0-9(“\"])", text[lo:pos]))):
        end = lo + m.start() + 1
        if not ABBREV.search(text[max(0, end - 8) : end]):
            return lo + m.end()
    return lo


def sentence_end(text: str, pos: int, limit: int = 600) -> int:
    hi = min(len(text), pos + limit)
    for m in re.finditer(r"[.;]\s+(?=[A-Z0-9(“\"])", text[pos:hi]):
        end = pos + m.start() + 1
        if not ABBREV.search(text[max(0, end - 8) : end]):
            return end
    return hi
