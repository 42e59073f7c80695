"""The issuer's address block: the lines printed in the column of its name.

A receipt or letterhead prints, under the issuer's name, its registration numbers, then the
address (street, then postal code and town, maybe a region or a country), then the phone /
tax-id lines. The block is found in two ways: walking down from the name (``address_lines``),
or, when that walk is stopped by lines it cannot place (a former name, a licensee line, a
name wrapped over lines OCR misread), from the line that prints the postal code
(``postal_block``), the one line every address has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..layout.lines import Line
from ..lexicon.addresses import (
    ADDRESS_WORDS,
    AFTER_ADDRESS,
    COUNTRIES,
    STREET_SUFFIXES,
    STREET_WORDS,
)
from ..types import Word
from ..values.dates import find_dates


def _words_re(words: Iterable[str]) -> str:
    alts = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return r"\b(?:" + "|".join(alts) + r")\b"


# a registration number: "(65351-M)", "002693074-K", "JM0325955-V", "Co. Reg No: …"
REG_NO = re.compile(
    r"\(?\b[a-z]{0,3}\d{4,}[-\s]?[a-z]\)?$|\bco\.?\s*(reg|no)\b|\breg\.?\s*no\b|company\s*(reg|no)",
    re.I,
)
# not inside a hyphenated street name ("Margrit-Steuer-Allee"): "Steuer-Nr." is a label
STOP_ADDRESS = re.compile(
    r"(?<!-)"
    + _words_re(AFTER_ADDRESS)
    + r"|invoice|receipt|@|\b\d{2,4}[-\s]?\d{3,4}[-\s]?\d{3,4}\b",
    re.I,
)
# "Te1:0-222 6498", "lel:05-60952052", "Ph. (02) 9876 5432": a short label, then only a
# number: a phone / registration line even when OCR garbled its label word
_LABELLED_NUMBER = re.compile(r"^\s*[A-Za-z][\w./]{0,11}\s*[:#.]\s*[+(]?\d[\d\s()/+.-]{5,}$")
_PHONE = re.compile(r"\b(?:tel|telephone|phone|fax|mobile|hp|fon|telefon|t[eé]l[eé]phone)\b", re.I)


# "Hauptstraße 5", "Keizersgracht 120": a street word at the end of a compound
_COMPOUND = r"|\b\w{3,}(?:" + "|".join(STREET_SUFFIXES) + r")\b"
ADDRESS_WORD = re.compile(
    _words_re(ADDRESS_WORDS | {c for c in COUNTRIES if " " not in c and "." not in c}) + _COMPOUND,
    re.I,
)
# Street words: a line naming one is the street even without its number
_STREET = re.compile(_words_re(STREET_WORDS) + _COMPOUND, re.I)
_POSTAL_TOWN = re.compile(r"^\s*\d{4,5}\s+[A-Za-zÀ-ÿ][\w'-]*(?:\s+[A-Za-zÀ-ÿ][\w'-]*){0,3}\s*$")
_COUNTRY_END = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in COUNTRIES) + r")\W*$", re.I)
# A postal code next to its town: "40150 Shah Alam", "SS21/39,47400 Petaling Jaya",
# "75008 Paris", "D-80331 München", "Springfield, IL 62704", "London SW1A 1AA", "Lleida, 24539"
_POSTAL = re.compile(
    r"(?:^|[\s,])(?:[A-Z]{1,2}-)?\d{4,6}\s+[A-Za-zÀ-ÿ]{2,}"
    r"|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\s*\W*$"
    r"|[A-Za-zÀ-ÿ]{2,},\s*\d{4,6}\s*\W*$"
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\s*\W*$"
)


def letters(text: str) -> int:
    """How many letters ``text`` holds."""
    return sum(c.isalpha() for c in text)


def looks_address(text: str) -> bool:
    """A line with a number and an address word or a comma: "No 8, Jalan 7/118B"."""
    return bool(re.search(r"\d", text) and (ADDRESS_WORD.search(text) or "," in text))


def is_stop(text: str) -> bool:
    """A phone, fax, tax-id, e-mail or document line: the address ends before it."""
    return bool(STOP_ADDRESS.search(text) or _LABELLED_NUMBER.match(text))


def _column_words(lay: Any, ln: Line, nx0: float, nx1: float) -> list[Word]:
    tol = 4 * lay.char_width
    return [w for sg in ln.segments if sg.x1 > nx0 - tol and sg.x0 < nx1 + tol for w in sg.words]


def address_lines(
    lay: Any,
    name_words: list[Word],
    lines: list[Line],
    *,
    skip: int = 1,
    is_title: Callable[[str], bool] = lambda _t: False,
) -> list[list[Word]]:
    """The first address block among ``lines`` in the column of the name's words."""
    nx0 = min(w.x0 for w in name_words)
    nx1 = max(w.x1 for w in name_words)
    got: list[list[Word]] = []
    prev_y1: float | None = None
    skipped = 0
    held: list[Word] | None = None  # the skipped line right above, a street without a number
    for ln in lines:
        words = _column_words(lay, ln, nx0, nx1)
        if not words:
            continue
        t = " ".join(w.text for w in words)
        if prev_y1 is not None and min(w.y0 for w in words) - prev_y1 > 2.2 * lay.word_height:
            if got:
                break
            skipped = 0  # lines far above the address are not part of it
        if prev_y1 is not None and min(w.y0 for w in words) - prev_y1 > 1.2 * lay.word_height:
            held = None  # not adjacent
        prev_y1 = max(w.y1 for w in words)
        is_reg = bool(REG_NO.search(t.strip())) or letters(t) <= 1
        stop = is_stop(t)
        if not got:
            if (
                is_reg
                or stop
                or find_dates(t)
                or (t.strip().startswith("(") and not looks_address(t))
            ):
                continue  # registration / GST / date lines between the name and the address
            if _POSTAL_TOWN.match(t) and held is not None:
                # "AUTOROUTE RABAT MEKNES" / "15000 KHEMISSET": an address never starts at its
                # postal code, so the line above is its street
                got.extend([held, words])
                continue
            if not looks_address(t):
                skipped += 1
                if skipped > skip or re.search(r"\d", t):
                    break
                held = words
                continue  # one outlet / branch name ("SUSHI MENTAI PLAZA DANAU")
            if held is not None and _STREET.search(" ".join(w.text for w in held)):
                got.append(held)  # "Jalan Loke Yew" / "90 Ground Floor": a street without a number
            got.append(words)
            continue
        if re.fullmatch(r"\s*\d{4,6}\s*", t) and got[-1][-1].text.endswith(","):
            got.append(words)  # "Calle Mayor 7, Cádiz," / "11866": the postal code closes it
            break
        if is_reg or stop or find_dates(t) or is_title(t):
            break
        if letters(t) < 2:
            break
        got.append(words)
        if len(got) >= 6 or _COUNTRY_END.search(t):
            break  # "…, 56000 Kuala Lumpur, Malaysia" ends it; an outlet name may follow
    return got


def postal_block(
    lay: Any,
    name_words: list[Word],
    lines: list[Line],
    *,
    is_title: Callable[[str], bool] = lambda _t: False,
) -> list[list[Word]]:
    """The address block around the first line in the name's column that prints a postal code:
    the street lines right above it, the region / country lines right below it.

    A fallback for when the walk down from the name stops before the address (the name's
    former name and licensee lines, a wrapped name OCR misread), so only lines that look like
    an address join it: above, a line with a number and a comma or an address word; below, a
    short line of words (a region, a country); neither a phone / tax-id, date or title line."""
    nx0 = min(w.x0 for w in name_words)
    nx1 = max(w.x1 for w in name_words)
    rows = [(ln, _column_words(lay, ln, nx0, nx1)) for ln in lines]
    rows = [(ln, ws) for ln, ws in rows if ws]

    def text(ws: list[Word]) -> str:
        return " ".join(w.text for w in ws)

    def plain(t: str) -> bool:
        return not (is_stop(t) or REG_NO.search(t.strip()) or find_dates(t) or is_title(t))

    def adjacent(upper: list[Word], lower: list[Word]) -> bool:
        gap = min(w.y0 for w in lower) - max(w.y1 for w in upper)
        return gap < 1.2 * lay.word_height

    anchor = None
    for i, (_, ws) in enumerate(rows):
        t = text(ws)
        if _PHONE.search(t):
            return []  # the issuer's block ends at its phone line (a tax id may come first)
        if _POSTAL.search(t) and plain(t):
            anchor = i
            break
    if anchor is None:
        return []
    start = anchor
    while start > 0 and anchor - start < 3:
        t = text(rows[start - 1][1])
        if not (plain(t) and looks_address(t) and adjacent(rows[start - 1][1], rows[start][1])):
            break
        start -= 1
    end = anchor
    while end + 1 < len(rows) and end - anchor < 2 and not _COUNTRY_END.search(text(rows[end][1])):
        t = text(rows[end + 1][1])
        if not (plain(t) and not re.search(r"\d", t) and len(t.split()) <= 4 and letters(t) >= 3):
            break
        if not adjacent(rows[end][1], rows[end + 1][1]):
            break
        end += 1
    return [ws for _, ws in rows[start : end + 1]]


# OCR reads a lower-case l as a capital I between a capital and lower-case letters ("BIk G,
# JIn PJU" for "Blk G, Jln PJU"), and a capital I as an l before a consonant no word starts
# an "l" with ("lpoh" for "Ipoh"); letters only, so unit numbers and codes keep their case
_CAP_I = re.compile(r"\b([A-Z])I([a-z]+)\b")
_LOW_L = re.compile(r"\bl(?=[cdfgkmpqvwxz][a-z]*\b)")


# A letter OCR read as a sign or digit inside an address word: "JA:AN", "SE_ANGOR", "Leve1"
_ODD_CHAR = re.compile(r"(?<![\w:_!|])([A-Za-z]+)([:_!|10])([A-Za-z]*)(?![\w:_!|])")
_LOOKALIKES = {":": "l", "_": "l", "!": "il", "|": "li", "1": "li", "0": "o"}


def _known_word(m: re.Match[str]) -> str:
    head, odd, tail = m.groups()
    for c in _LOOKALIKES[odd]:
        word = head + c + tail
        if len(word) >= 4 and word.lower() in ADDRESS_WORDS:
            upper = (head + tail).isupper()
            return head + (c.upper() if upper else c) + tail
    return m.group(0)


def repair_address(text: str) -> str:
    """An address line with the OCR confusions a rule can undo: I / l, and a letter read as
    a sign or digit inside a known address word."""
    text = _ODD_CHAR.sub(_known_word, text)
    return _LOW_L.sub("I", _CAP_I.sub(r"\1l\2", text))
