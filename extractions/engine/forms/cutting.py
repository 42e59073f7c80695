"""Cutting a form page into units: layout segments cut again after a word ending with ``:``,
between a printed label and the value typed next to it, and at glue OCR left between them;
parts the layout cut apart (a date at its gaps, a label over two lines) joined again. What a
unit looks like is ``units``; pairs.py decides which units are keys and which their values.
"""

from __future__ import annotations

import re

from ..layout.lines import PageLayout
from ..types import Word
from .units import (
    ALPHA,
    CELL_NUMBER,
    DASH_RUN,
    DIGIT,
    KEY_END,
    MARK,
    MEASURED,
    SMALL_WORDS,
    YEAR,
    Unit,
    alpha_ratio,
    is_caps,
    is_label_word,
    label_like,
    style,
    value_like,
    word_ratio,
)

GLUED = re.compile(
    r"(?<=[A-Z]{3})(?=[A-Z][a-z]{2})"  # "MARKETLakeland": a capitals label, then a name
    r"|(?<=[a-z]{3})(?=[A-Z][a-z]{2})"  # "contactTuesday": a missing space
    r"|(?<=[a-z.]\))(?=[A-Z][a-z]{2})"  # "(include flight no.)Monday"
    r"|(?<=\d)(?=[A-Z]{3,}|[A-Z][a-z]{2})"  # "11/16New Balance", "3/20RIDE DATE"
    r"|(?<=[a-z]{3})(?=X$)|(?<=^[xX])(?=[A-Z][a-z]{2})"  # "RepresentativeX", "XAuto": ticks
)
# Glue between letters and a capitalised word separates a printed label from its answer.
GLUED_LABEL = re.compile(r"[^\W\d_.)]$|\)$")


def cut(w: Word, at: int) -> tuple[Word, Word]:
    xm = w.x0 + (w.x1 - w.x0) * at / len(w.text)
    return (
        Word(w.text[:at], w.page, w.x0, w.y0, xm, w.y1, w.confidence, w.source),
        Word(w.text[at:], w.page, xm, w.y0, w.x1, w.y1, w.confidence, w.source),
    )


def explode_words(words: list[Word]) -> list[Word]:
    """Undo OCR gluing (see ``explode_glued``)."""
    return explode_glued(words)[0]


def explode_glued(words: list[Word]) -> tuple[list[Word], set[int]]:
    """Undo OCR gluing: "NUMBER:_(405)", "DATE3/23/91", "MARKETLakeland" -> two words each.

    Cut after a label's colon, after a form word directly followed by digits, and where a
    word of capitals or lower case letters, or a number, runs into a capitalised word. Also
    returns the indices of the words that start after a letters-to-capital cut: the label
    ends there.
    """
    out: list[Word] = []
    starts: set[int] = set()
    todo = list(words)
    while todo:
        w = todo.pop(0)
        at = 0
        glued = False
        u = re.search(r"(?<=[^\W_])_+(?=[^\W_])|(?<=[.)])_+(?=[^\W_])", w.text)
        if u:  # "A.D.M._Sales": a fill-in line between two words
            left, right = cut(w, u.start())
            out.append(left)
            todo.insert(0, cut(right, u.end() - u.start())[1])
            continue
        m = re.match(r"^([^\W\d_][^:：]*[^\W\d_][.)]?[:：])(.+)$", w.text)
        if m and not (re.fullmatch(r"\d{1,2}", m.group(2)[:2]) and ":" in m.group(2)):
            at = len(m.group(1))
        else:
            m = re.match(r"^([^\W\d_]{3,})(?=[-+$]?\d)", w.text)
            if m and is_label_word(m.group(1)):
                at = len(m.group(1))
            else:
                g = GLUED.search(w.text)
                at = g.start() if g else 0
                glued = bool(g and GLUED_LABEL.search(w.text[:at]))
        if 0 < at < len(w.text):
            left, right = cut(w, at)
            out.append(left)
            if glued:
                starts.add(len(out))
            todo.insert(0, right)
        else:
            out.append(w)
    return out, starts


def page_units(layout: PageLayout) -> list[list[Unit]]:
    """Line segments, split after words ending with a colon; one list per line."""
    out: list[list[Unit]] = []
    for li, line in enumerate(layout.lines):
        units: list[Unit] = []
        for seg in line.segments:
            start = len(units)  # a label is expected at the start of each segment
            cur: list[Word] = []
            words, glued = explode_glued(seg.words)
            for wi, w in enumerate(words):
                if MARK.match(w.text) and (cur or len(words) > 1):
                    # "Yes x No", "Sales Representative X": a tick is an answer of its own
                    if cur:
                        units.extend(split_label_value(cur, li, split_mode(units, start)))
                    units.append(Unit([w], li))
                    cur = []
                    continue
                if DASH_RUN.match(w.text) and cur and wi + 1 < len(words) and _glued_label(cur):
                    # "Written by -- John Bohlken", "Weight ------ 300 gm": a rule of dashes
                    # leads from the label to its answer, as a colon would
                    units.append(Unit(cur, li, colon=True))
                    cur = []
                    continue
                if wi in glued and cur and _glued_label(cur):
                    # "MARKETLakeland": a label as sure as one with a colon
                    units.append(Unit(cur, li, colon=True))
                    cur = []
                cur.append(w)
                if (
                    KEY_END.search(w.text)
                    and ALPHA.search(" ".join(x.text for x in cur))
                    and not _sentence(cur)
                ):
                    # "TESTED 3/18/81 REPORTED:", "part of supplier, Technically New Balance:":
                    # the key is the label run before the colon, after a number or a comma.
                    k = len(cur)
                    while k > 1 and not DIGIT.search(cur[k - 2].text):
                        if cur[k - 2].text.endswith((",", ";")):
                            break
                        k -= 1
                    if (
                        k > 1
                        and (DIGIT.search(cur[k - 2].text) or cur[k - 2].text.endswith((",", ";")))
                        and not (k == 2 and YEAR.match(cur[0].text))
                    ):
                        units.extend(split_label_value(cur[: k - 1], li, split_mode(units, start)))
                        cur = cur[k - 1 :]
                    elif len(units) > start and units[-1].colon:
                        # "SOURCE: Lorillard - Organic Chemistry LORILLARD NO.: A123": the
                        # previous key's value, then a label in capitals.
                        k = len(cur)
                        while k > 1 and is_caps(cur[k - 2].text):
                            k -= 1
                        label = " ".join(w.text for w in cur[k - 1 :])
                        if (
                            k > 1
                            and len(ALPHA.findall(label)) >= 2
                            and not is_caps(" ".join(w.text for w in cur[: k - 1]))
                        ):
                            units.append(Unit(cur[: k - 1], li))
                            cur = cur[k - 1 :]
                    units.append(Unit(cur, li, colon=True))
                    cur = []
            if cur and len(units) > start and units[-1].colon and cur[0].text.startswith("("):
                # "Advance Registration Fee: (prior to August 10)   $ 170.00": a bracketed
                # qualifier after the colon belongs to the label when the value comes next.
                end = next((i for i, w in enumerate(cur) if w.text.endswith(")")), None)
                more = end is not None and (end + 1 < len(cur) or seg is not line.segments[-1])
                more = more and alpha_ratio(" ".join(w.text for w in cur[: end + 1])) >= 0.6
                if more:
                    units[-1] = Unit(units[-1].words + cur[: end + 1], li, colon=True)
                    cur = cur[end + 1 :]
            if cur:
                units.extend(split_label_value(cur, li, split_mode(units, start)))
        kept: list[Unit] = []
        for u in units:
            if re.search(r"[^\W_]|[☑☒✓✔√]", u.text):
                kept.append(u)
            elif KEY_END.search(u.text) and kept and not kept[-1].colon:
                # "AMOUNT OF CHANGE   :" - a colon OCR set apart still ends the label
                kept[-1] = Unit(kept[-1].words + u.words, li, colon=True)
            # other brackets and specks ("( )" of an empty box) are neither keys nor values
        kept = _join_date_parts(_join_label_halves(kept, li), li)
        kept = [x for u in kept for x in split_measure_label(u)]
        out.append([x for u in kept for x in split_number_run(u)])
    _join_dangling_labels(out)
    return out


DANGLING = frozenset(("of", "and", "or", "for", "to", "per", "&", "in", "on", "by", "with"))


def _join_dangling_labels(lines: list[list[Unit]]) -> None:
    """A label whose line ends on a connecting word ("EXTENT OF" / "DISTRIBUTION:", "TYPE
    OF" / "PRODUCT:") goes on in the label right under it: one label. Only before a colon
    or for a label alone on its line."""
    for li in range(len(lines) - 1):
        for i, a in enumerate(lines[li]):
            last = a.words[-1].text.lower()
            if a.colon or last not in DANGLING or len(a.words) < 2 or not label_like(a):
                continue
            h = max(a.height, 0.008)
            below = lines[li + 1]
            b = next((o for o in below if abs(o.x0 - a.x0) < 2 * h), None)
            if (
                b is None
                # a grid's two-line column labels are joined by the grid reader (grid.py)
                or not (b.colon or len(lines[li]) == 1)
                or b.y0 - a.y1 > 1.2 * h
                or not label_like(b)
                or value_like(b)
                or style(b.text) != style(a.text)
            ):
                continue
            lines[li][i] = Unit(a.words + b.words, li, colon=b.colon)
            below.remove(b)


MONTH = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?$", re.IGNORECASE
)
DAY = re.compile(r"^(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?$")


def _date_start(words: list[Word]) -> bool:
    """ "September 26, 1995 ...": a month name, then the day."""
    return (
        len(words) >= 2
        and MONTH.fullmatch(words[0].text) is not None
        and DAY.match(words[1].text) is not None
    )


def _join_date_parts(units: list[Unit], li: int) -> list[Unit]:
    """A date the layout cut at its gaps ("September   25,   1969", "MARCH 25,   1974"): a
    unit ending with a month name, the day after it, and the year after a day ending with a
    comma are one value."""
    out: list[Unit] = []
    for u in units:
        prev = out[-1] if out else None
        if prev is not None and u.x0 - prev.x1 < 6 * max(prev.height, u.height):
            last = prev.words[-1].text
            first = u.words[0].text
            month_day = MONTH.fullmatch(last) is not None and DAY.match(first) is not None
            day_year = (
                DAY.match(last) is not None
                and last.endswith(",")
                and len(prev.words) >= 2
                and MONTH.fullmatch(prev.words[-2].text) is not None
                and YEAR.match(first) is not None
            )
            if (month_day or day_year) and not u.colon and not prev.colon:
                out[-1] = Unit(prev.words + u.words, li)
                continue
        out.append(u)
    return out


def _join_label_halves(units: list[Unit], li: int) -> list[Unit]:
    """A label the layout cut at a wide gap ("OTHER   INFORMATION:", "IF NO,   EXPLAIN:"): a
    word or two lettered like the colon label right after it, first on the line, is that
    label's beginning. (An enumerator before it, "(12)", is left alone: FUNSD's annotators
    keep it in the label on some forms and not on others.)"""
    if len(units) < 2:
        return units
    a, b = units[0], units[1]
    if not b.colon or a.colon or len(a.words) > 2:
        return units
    head = style(a.text) == style(b.text) and label_like(a) and not value_like(a)
    if head and b.x0 - a.x1 < 3 * max(a.height, b.height):
        return [Unit(a.words + b.words, li, colon=True), *units[2:]]
    return units


# One cell of a table of figures: "3.48", "(224)", "7%", "$1,250", "3.60**".
def split_number_run(u: Unit) -> list[Unit]:
    """A run of figures set closer than the layout's column gap ("3.38 3.58 3.46",
    "5.0 (120)"): the cells of a table row, one value each. Plain integers stay together
    unless one figure is written as a measure (decimal, percent, bracketed count): "32 512
    7890" is one telephone number, "21 1976" part of a date."""
    words = u.words
    if len(words) < 2 or not all(CELL_NUMBER.match(w.text) for w in words):
        return [u]
    if not any(MEASURED.search(w.text) for w in words):
        return [u]
    return [Unit([w], u.line) for w in words]


UNIT_WORD = re.compile(r"^[a-z]{1,3}(?:/[a-z]{1,3}\d?)?\.?$|^%$")  # "mm", "mg/cc", "gm/m2"


def split_measure_label(u: Unit) -> list[Unit]:
    """A measure, then the next field's label, in one segment ("84 mm Total Cigt. Wt.",
    "56 mm Net Tob. Rod Density 245 mg/cc"): the layout saw no gap between an answer and
    the label printed after it. The measure has its unit; the label is two words at least,
    each capitalised (not all capitals), and ends the segment or comes before its figure."""
    ws = u.words
    if len(ws) < 3 or not DIGIT.search(ws[0].text) or ALPHA.search(ws[0].text[:1]):
        return [u]
    if not UNIT_WORD.match(ws[1].text):
        return [u]  # a measure has its unit: "12 Main Street" is an address
    i = j = 2
    while j < len(ws) and ws[j].text[:1].isupper() and not DIGIT.search(ws[j].text):
        j += 1
    label = ws[i:j]
    if len(label) < 2 or (j < len(ws) and not DIGIT.search(ws[j].text)):
        return [u]
    ltext = " ".join(w.text for w in label)
    if word_ratio(ltext) < 0.75 or is_caps(ltext):
        return [u]  # "90 % CLASSIFIED CALLS": a caption in capitals may be the answer's
    out = [Unit(ws[:i], u.line), Unit(label, u.line)]
    if j < len(ws):
        out.append(Unit(ws[j:], u.line))
    return out


def _sentence(words: list[Word]) -> bool:
    """Running text up to a colon ("reduction to the range of 8-10mg. Variations to be:"):
    the colon punctuates a sentence, it does not end a label."""
    lower = [w for w in words if w.text.isalpha() and w.text.islower() and len(w.text) >= 3]
    if len(words) >= 7 and len(lower) >= 2:
        return True
    # "B164 is insoluble according: to this procedure": the label would start in lower case
    k = len(words)
    while k > 1 and not DIGIT.search(words[k - 2].text) and not words[k - 2].text.endswith(","):
        k -= 1
    run = words[k - 1 :]
    return len(run) >= 2 and run[0].text.isalpha() and run[0].text.islower()


def _glued_label(words: list[Word]) -> bool:
    text = " ".join(w.text for w in words)
    return (
        len(words) <= 10
        and not DIGIT.search(text)
        and alpha_ratio(text) >= 0.6
        and len(ALPHA.findall(text)) >= 3
    )


def split_mode(units: list[Unit], start: int) -> str:
    """How readily the segment starting now is cut into a label and a value.

    At the start of a line a label is expected ("free"); after a label on the same line the
    segment is most likely that label's value, so only a form word can start a new label
    there ("lexicon": "Àug. 1984" stays whole, "TIME 3:28" is cut); inside a segment, never.
    """
    if len(units) != start:
        return "none"
    if not units or not (units[-1].colon or label_like(units[-1])):
        return "free"
    return "lexicon"


def split_label_value(words: list[Word], li: int, mode: str = "free") -> list[Unit]:
    """A label and its value in one segment, as separate units (see ``_split_head``); a
    label in capitals ending the segment after the value is one more unit
    ("PROJECT LEADER Williams/Giordano TOTAL BUDGET")."""
    units = _split_head(words, li, mode)
    last = units[-1]
    ws = last.words
    k = len(ws)
    while k > 0 and is_caps(ws[k - 1].text) and len(ALPHA.findall(ws[k - 1].text)) >= 2:
        k -= 1
    run = ws[k:]
    if (
        1 <= k < len(ws)
        and len(run) >= 2
        and not is_caps(ws[k - 1].text)
        # the answer before it is typed text, or a number after other words
        and (
            re.search(r"[a-z]", " ".join(w.text for w in ws[:k]))
            or (k >= 2 and DIGIT.search(ws[k - 1].text))
        )
        and (is_label_word(run[0].text) or is_label_word(run[-1].text))
    ):
        units[-1:] = [Unit(ws[:k], li), Unit(run, li)]
    return units


def _split_head(words: list[Word], li: int, mode: str) -> list[Unit]:
    """A label run then its value, in one segment: split them.

    "Initiation Date 8/3/87" -> "Initiation Date" + "8/3/87" (label, then a number);
    "PROJECT LEADER Williams/Giordano" -> "PROJECT LEADER" + "Williams/Giordano" (capitals,
    then mixed case). Only for the first unit of a segment, where a label is expected.
    """
    if mode == "none" or len(words) < 2:
        return [Unit(words, li)]
    for k in range(1, min(len(words), 6)):
        head, tail = words[:k], words[k:]
        htext = " ".join(w.text for w in head)
        if mode == "lexicon" and not is_label_word(head[-1].text):
            if DIGIT.search(tail[0].text):
                break
            continue
        if DIGIT.search(tail[0].text) or (
            _date_start(tail) and head[-1].text.lower() not in SMALL_WORDS
        ):
            # "1993 AVG. MONTHLY USAGE (LBS.) 6240": a year may qualify the label
            label = head[1:] if len(head) > 1 and YEAR.match(head[0].text) else head
            ltext = " ".join(w.text for w in label)
            if (
                label[0].text[:1].isupper()
                and all(
                    (word_ratio(w.text) >= 0.75 or w.text in ("#", "No.", "Nr.", "N°", "n°"))
                    for w in label
                )
                and not DIGIT.search(ltext)
                and len(ALPHA.findall(ltext)) >= 2
                and "," not in ltext  # "THIS TRANSMISSION, PLEASE CALL (904) …" is a sentence
            ):
                return [Unit(head, li), Unit(tail, li)]
            break
        if alpha_ratio(tail[0].text.strip("()")) < 0.75 and tail[0].text not in (
            "#",
            "No.",
            "Nr.",
            "N°",
            "n°",
        ):
            break
        if (
            is_caps(htext)
            and ALPHA.search(tail[0].text)
            and not is_caps(tail[0].text)
            # one word: a form word, or a long one before a capitalised answer at the start
            # of a line ("MARKET Lakeland Metro Market")
            and (
                k >= 2
                or is_label_word(htext)
                or (
                    mode == "free" and len(ALPHA.findall(htext)) >= 5 and tail[0].text[:1].isupper()
                )
            )
            and len(htext.replace(" ", "")) >= 4
        ):
            return [Unit(head, li, colon=True), Unit(tail, li)]
        ttext = " ".join(w.text for w in tail)
        if (
            is_label_word(head[-1].text)
            and all(w.text[:1].isupper() for w in head)
            and not is_caps(htext)
            and is_caps(ttext)
            and len(ALPHA.findall(ttext)) >= 2
        ):
            # "Account Name CAPRI": a label in title case, then an answer in capitals
            return [Unit(head, li), Unit(tail, li)]
    return [Unit(words, li)]
