"""Dates as printed (numeric, ISO, compact, with month names in English, French, German,
Spanish, Italian and Dutch), read into calendar dates.

``find_dates`` returns every date in a text with its character span, so that a caller can map
the value back to the words it came from; numeric d/m forms stay ambiguous until the
document's day/month order (``date_order``) resolves them. A new language's month names go in
the table below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .text import fold

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "january jan janvier janv januar janner jaenner enero gennaio januari",
        "february feb febr fevrier fev februar febrero febbraio februari",
        "march mar mars marz maerz marzo maart mrt",
        "april apr avril avr abril aprile",
        "may mai mayo maggio mei",
        "june jun juin juni junio giugno",
        "july jul juillet juil juli julio luglio",
        "august aug aout august agosto augustus",
        "september sep sept septembre septiembre settembre",
        "october oct octobre okt oktober octubre ottobre",
        "november nov novembre noviembre",
        "december dec decembre dez dezember diciembre dicembre",
    ],
    start=1,
):
    for _n in _names.split():
        _MONTHS[_n] = _num

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_SEP = r"\s*[-/.]\s*"
_RE_ISO = re.compile(r"(?<![\d])(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])")
# Not a date: three numbers glued to the letters of a product or reference code before them
# ("RC11-23-42-12/144", "ABC12-05-19"). A group after them may follow: date ranges print
# "02/03/20-02/09/20".
_RE_NUM = re.compile(
    r"(?<![\d.,/a-z-])(\d{1,2})(?:\s?([/.])\s?|(-))(\d{1,2})(?:\s?\2\s?|\3)(\d{4}(?=\d{1,2}:\d\d)|\d{2}(?=\d{1,2}:\d\d)|(?:\d{4}|\d{2})(?!\d))"
)
_RE_DMY_NAME = re.compile(
    r"(?<![\d])(\d{1,2})(?:st|nd|rd|th|er|e|\.)?[\s\-/.]*("
    + _MONTH_RE
    + r")\.?(?![a-z])[\s\-/.,']*(\d{4}|\d{2})(?![\d])"
)
_RE_MDY_NAME = re.compile(
    r"(?<![a-z])("
    + _MONTH_RE
    + r")\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?(?![\d])[\s,.\-/']*(\d{4}|\d{2})(?![\d])"
)
_HAS_NUM_DATE = re.compile(r"\d\s?[-/.]\s?\d")
_RE_COMPACT = re.compile(r"(?<![\d])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d])")
_RE_COMPACT_DMY = re.compile(
    r"(?<![\d])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])((?:19[5-9]|20[0-3])\d)(?![\d])"
)


@dataclass(slots=True)
class DateMatch:
    start: int
    end: int
    text: str
    year: int
    first: int  # for numeric d/m forms: the first number, else the day
    second: int  # the second number, else the month
    kind: str  # "iso", "numeric", "name", "compact"

    @property
    def ambiguous(self) -> bool:
        return (
            self.kind == "numeric"
            and self.first <= 12
            and self.second <= 12
            and self.first != self.second
        )

    def resolve(self, order: str = "dmy") -> date | None:
        """The calendar date, reading numeric forms day-first ("dmy") or month-first ("mdy")."""
        if self.kind == "numeric":
            a, b = self.first, self.second
            if a > 12 and b <= 12:
                d, m = a, b
            elif (b > 12 and a <= 12) or order == "mdy":
                d, m = b, a
            else:
                d, m = a, b
        else:
            d, m = self.first, self.second
        try:
            return date(self.year, m, d)
        except ValueError:
            return None

    def iso(self, order: str = "dmy") -> str | None:
        d = self.resolve(order)
        return d.isoformat() if d else None

    def alternatives(self) -> list[str]:
        out = []
        for order in ("dmy", "mdy"):
            v = self.iso(order)
            if v and v not in out:
                out.append(v)
        return out


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _plausible(year: int) -> bool:
    return 1900 <= year <= 2100


def find_dates(text: str) -> list[DateMatch]:
    """All dates printed in ``text`` (any common form, EN/FR/DE/ES/IT/NL month names)."""
    low = fold(text)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: str, first: int, second: int, kind: str) -> None:
        s, e = m.start(), m.end()
        if any(s < te and ts < e for ts, te in taken):
            return
        y = _year(year)
        if not _plausible(y):
            return
        dm = DateMatch(s, e, text[s:e].strip(), y, first, second, kind)
        if dm.resolve("dmy") is None and dm.resolve("mdy") is None:
            return
        taken.append((s, e))
        found.append(dm)

    for m in _RE_ISO.finditer(low):
        if len(m.group(1)) == 4:
            add(m, m.group(1), int(m.group(4)), int(m.group(3)), "iso")
    for m in _RE_DMY_NAME.finditer(low):
        add(m, m.group(3), int(m.group(1)), _MONTHS[m.group(2)], "name")
    for m in _RE_MDY_NAME.finditer(low):
        add(m, m.group(3), int(m.group(2)), _MONTHS[m.group(1)], "name")
    for m in _RE_NUM.finditer(low):
        add(m, m.group(5), int(m.group(1)), int(m.group(4)), "numeric")
    for m in _RE_COMPACT.finditer(low):
        add(m, m.group(1), int(m.group(3)), int(m.group(2)), "compact")
    for m in _RE_COMPACT_DMY.finditer(low):
        add(m, m.group(3), int(m.group(1)), int(m.group(2)), "compact")
    found.sort(key=lambda d: d.start)
    return found


# With only ambiguous dates, month-first is read when the document's dates then fall within
# a month while day-first spreads them over more than two (a flight 3/2/20 - 3/8/20 with
# weekly lines 3/3, 3/10 ...); an invoice dated 01/02 and due 01/03 stays day-first.
_CLUSTER_DAYS = 31
_SPREAD_DAYS = 60
_CLUSTER_MIN_DATES = 3


def date_order(texts: list[str]) -> str:
    """Day/month order shown by a document: "mdy" when it prints an unambiguous m/d date, or
    when only its ambiguous dates cluster under month-first (see ``_CLUSTER_DAYS``)."""
    dmy, mdy, ambiguous = _numeric_date_evidence(texts)
    if mdy > dmy:
        return "mdy"
    if dmy == 0 and len(ambiguous) >= _CLUSTER_MIN_DATES:
        as_mdy = _spread_days([(y, a, b) for a, b, y in ambiguous])
        as_dmy = _spread_days([(y, b, a) for a, b, y in ambiguous])
        if (
            as_mdy is not None
            and as_dmy is not None
            and as_mdy <= _CLUSTER_DAYS
            and as_dmy > _SPREAD_DAYS
        ):
            return "mdy"
    return "dmy"


def date_order_counts(texts: list[str]) -> tuple[int, int]:
    """How many numeric dates of ``texts`` can only be day-first (13/02/20) and how many can
    only be month-first (02/13/20)."""
    dmy, mdy, _ambiguous = _numeric_date_evidence(texts)
    return dmy, mdy


def _numeric_date_evidence(texts: list[str]) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Day-first-only and month-first-only counts, and the distinct (a, b, year) of the
    numeric dates either way round."""
    dmy = mdy = 0
    ambiguous: set[tuple[int, int, int]] = set()
    for t in texts:
        if not _HAS_NUM_DATE.search(t):
            continue
        for m in _RE_NUM.finditer(t):
            a, b = int(m.group(1)), int(m.group(4))
            if a > 12 >= b >= 1:
                dmy += 1
            elif b > 12 >= a >= 1 and b <= 31:
                mdy += 1
            elif 1 <= a <= 12 and 1 <= b <= 12:
                year = int(m.group(5))
                ambiguous.add((a, b, year + 2000 if year < 100 else year))
    return dmy, mdy, ambiguous


def _spread_days(ymd: list[tuple[int, int, int]]) -> int | None:
    try:
        days = [date(y, m, d).toordinal() for y, m, d in ymd]
    except ValueError:
        return None
    return max(days) - min(days)


def parse_date(text: str, order: str = "dmy") -> str | None:
    """ISO form of the first date in ``text``, or None."""
    for d in find_dates(text):
        v = d.iso(order)
        if v:
            return v
    return None
