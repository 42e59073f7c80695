"""Values stated in running text (contracts, letters), not next to a label.

``find_field`` answers a string/date field from sentences such as "effective as of January 1,
2010", "governed by the laws of the State of Delaware", "for a period of two (2) years";
``find_list`` answers an array of strings such as the parties ("between X Inc. and Y LLC").
The field's meaning is recognised from its name, title, description and ``x-aliases``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Candidate, PageContent, Word, union_bbox

# --------------------------------------------------------------------------- text index


@dataclass(slots=True)
class _PageText:
    """A page's words joined with single spaces, and where each word starts in that text."""

    page: int
    text: str
    starts: list[int]
    words: list[Word]

    def words_between(self, start: int, end: int) -> list[Word]:
        out = []
        for w, s in zip(self.words, self.starts, strict=True):
            if s < end and s + len(w.text) > start:
                out.append(w)
        return out


def _index(pages: list[PageContent]) -> list[_PageText]:
    out = []
    for page in pages:
        words = sorted(
            (w for w in page.words if w.text.strip()),
            key=lambda w: (round((w.y0 + w.y1) / 2, 3), w.x0),
        )
        words = _reading_order(words)
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        for w in words:
            starts.append(pos)
            parts.append(w.text)
            pos += len(w.text) + 1
        out.append(_PageText(page.number, " ".join(parts), starts, words))
    return out


def _reading_order(words: list[Word]) -> list[Word]:
    """Top-to-bottom lines, left to right inside a line (single-column prose)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        cy = (w.y0 + w.y1) / 2
        if lines:
            last = lines[-1]
            ly0 = min(x.y0 for x in last)
            ly1 = max(x.y1 for x in last)
            if ly0 <= cy <= ly1:
                last.append(w)
                continue
        lines.append([w])
    out: list[Word] = []
    for line in lines:
        out.extend(sorted(line, key=lambda w: w.x0))
    return out


def _candidate(pt: _PageText, start: int, end: int, value: object, conf: float) -> Candidate:
    words = pt.words_between(start, end)
    return Candidate(
        value=value,
        page=pt.page,
        bbox=union_bbox(words),
        text=" ".join(w.text for w in words) or pt.text[start:end],
        confidence=round(conf, 4),
    )


# --------------------------------------------------------------------------- field kinds


def _field_words(name: str, schema: dict) -> str:
    parts = [
        name.replace("_", " "),
        str(schema.get("title", "")),
        str(schema.get("description", "")),
    ]
    parts += [str(a) for a in schema.get("x-aliases", []) or []]
    return " ".join(parts).lower()


def field_kind(name: str, schema: dict) -> str | None:
    """Which prose rule answers this field: effective_date, jurisdiction, term, parties, or None."""
    n = name.lower()
    words = _field_words(name, schema)
    if "part" in n or re.search(r"\bpart(y|ies)\b|contracting|signator", n):
        return "parties"
    if re.search(r"jurisdiction|governing|law\b|venue", n):
        return "jurisdiction"
    if re.search(r"\bterm\b|duration|period", n.replace("_", " ")):
        return "term"
    if re.search(r"effective|commence|start", n):
        return "effective_date"
    # Unfamiliar names: fall back to the description.
    if re.search(r"contracting part|\bparties\b", words):
        return "parties"
    if re.search(r"governing law|jurisdiction|whose law", words):
        return "jurisdiction"
    if re.search(r"duration|length of the agreement|\bterm\b", words):
        return "term"
    if re.search(r"takes effect|effective date|commencement", words):
        return "effective_date"
    return None


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_RE = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
DATE_RE = re.compile(
    rf"(?P<mdy>(?P<m1>{_MONTH_RE})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y1>(?:19|20)\d\d))"
    rf"|(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<m2>{_MONTH_RE})\s*,?\s*(?P<y2>(?:19|20)\d\d))"
    r"|(?P<num>(?P<n1>\d{1,2})[/.-](?P<n2>\d{1,2})[/.-](?P<n3>(?:19|20)?\d\d))\b"
    r"|(?P<iso>(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d))",
    re.IGNORECASE,
)


def parse_date_match(m: re.Match[str]) -> str | None:
    """ISO date of a ``DATE_RE`` match; numeric dates are read month-first (US contracts)."""
    try:
        if m.group("mdy"):
            y, mo, d = (
                int(m.group("y1")),
                _MONTHS[m.group("m1").lower().rstrip(".")],
                int(m.group("d1")),
            )
        elif m.group("dmy"):
            y, mo, d = (
                int(m.group("y2")),
                _MONTHS[m.group("m2").lower().rstrip(".")],
                int(m.group("d2")),
            )
        elif m.group("iso"):
            y, mo, d = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
        else:
            a, b, y = int(m.group("n1")), int(m.group("n2")), int(m.group("n3"))
            if y < 100:
                y += 2000 if y < 50 else 1900
            mo, d = (a, b) if a <= 12 else (b, a)
    except (KeyError, ValueError):
        return None
    import datetime as _dt

    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------- rules

_EFFECTIVE_CUES = re.compile(
    r"effective\s+(?:as\s+of|date|on|from)|dated\s+(?:as\s+of\s+)?|entered\s+into\s+(?:as\s+of|on)"
    r"|made\s+(?:and\s+entered\s+into\s+)?(?:as\s+of|on|this)|as\s+of",
    re.IGNORECASE,
)


def _find_effective_date(index: list[_PageText]) -> Candidate | None:
    best: Candidate | None = None
    best_score = 0.0
    for pi, pt in enumerate(index):
        for m in DATE_RE.finditer(pt.text):
            iso = parse_date_match(m)
            if iso is None:
                continue
            before = pt.text[max(0, m.start() - 120) : m.start()]
            score = 0.3
            cue = None
            for c in _EFFECTIVE_CUES.finditer(before):
                cue = c
            if cue is not None:
                score = 0.85 if "effective" in cue.group(0).lower() else 0.7
                score -= min(0.3, (len(before) - cue.end()) / 400)
            score -= 0.1 * pi
            if score > best_score:
                best_score = score
                best = _candidate(pt, m.start(), m.end(), iso, score)
    if best is None or best_score < 0.45:
        return None
    return best


_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming|District of Columbia"
)
_JURIS_RE = re.compile(
    r"(?:governed\s+by|construed\s+(?:and\s+enforced\s+)?in\s+accordance\s+with|"
    r"interpreted\s+(?:and\s+enforced\s+)?(?:in\s+accordance\s+with|under)|subject\s+to)"
    r"[^.;]{0,80}?laws?\s+of\s+(?:the\s+)?(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?"
    r"(?P<place>[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+){0,3})",
)
_STATE_RE = re.compile(rf"\b(?P<place>{_STATES})\b")


def _find_jurisdiction(index: list[_PageText]) -> Candidate | None:
    for pt in index:
        for m in _JURIS_RE.finditer(pt.text):
            place = m.group("place")
            sm = _STATE_RE.match(place)
            if sm:
                place = sm.group("place")
            else:
                place = re.split(r"\s+(?:without|and|in|as|applicable|excluding)\b", place)[0]
            start = m.start("place")
            return _candidate(pt, start, start + len(place), place, 0.8)
    return None


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-four": 24,
    "thirty": 30, "thirty-six": 36, "forty-five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_TERM_RE = re.compile(
    r"(?:period|term)\s+of\s+(?P<num>[a-z-]+|\d+)\s*(?:\((?P<paren>\d+)\)\s*)?"
    r"(?P<unit>years?|months?|days?|weeks?)",
    re.IGNORECASE,
)


def _find_term(index: list[_PageText]) -> Candidate | None:
    for pt in index:
        for m in _TERM_RE.finditer(pt.text):
            num = m.group("paren") or m.group("num")
            n = int(num) if num.isdigit() else _NUMBER_WORDS.get(num.lower())
            if n is None:
                continue
            unit = m.group("unit").lower().rstrip("s")
            value = f"{n} {unit}{'s' if n != 1 else ''}"
            return _candidate(pt, m.start("num"), m.end("unit"), value, 0.7)
    return None


_ORG_SUFFIX = r"(?:Inc|Incorporated|Corp|Corporation|Company|Co|LLC|L\.L\.C|Ltd|Limited|LP|L\.P|LLP|PLC|N\.V|S\.A|GmbH|AG|Holdings|Group)\.?"
_PARTY_RE = re.compile(
    rf"(?P<name>(?:[A-Z][\w&'.-]*,?\s+){{0,6}}{_ORG_SUFFIX})",
)
_BETWEEN_RE = re.compile(r"\b(?:between|by\s+and\s+among|among)\b", re.IGNORECASE)


def _find_parties(index: list[_PageText]) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for pt in index[:2]:
        bm = _BETWEEN_RE.search(pt.text)
        if not bm:
            continue
        window = pt.text[bm.end() : bm.end() + 600]
        for m in _PARTY_RE.finditer(window):
            name = re.sub(r"\s+", " ", m.group("name")).strip().rstrip(",")
            key = name.lower()
            if key in seen:
                continue
            seen.add(key)
            start = bm.end() + m.start("name")
            out.append(_candidate(pt, start, start + len(name), name, 0.6))
            if len(out) >= 4:
                break
        if out:
            break
    return out


def find_field(pages: list[PageContent], name: str, schema: dict) -> Candidate | None:
    """A string/date field stated in running text, or ``None`` (never a guess without a cue)."""
    kind = field_kind(name, schema)
    if kind is None or kind == "parties":
        return None
    index = _index(pages)
    if kind == "effective_date":
        return _find_effective_date(index)
    if kind == "jurisdiction":
        return _find_jurisdiction(index)
    if kind == "term":
        return _find_term(index)
    return None


def find_list(pages: list[PageContent], name: str, schema: dict) -> list[Candidate]:
    """An array-of-strings field stated in running text (the parties of a contract)."""
    if field_kind(name, schema) != "parties":
        return []
    return _find_parties(_index(pages))
