"""Form units: the runs of words a form page is cut into, and what they look like.

A unit is a layout line segment (a run of words without a wide gap), cut again after a word
ending with ``:`` and between a printed label and the value typed next to it. pairs.py decides
which units are keys and which are their values; this module only cuts and describes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..layout.lines import PageLayout
from ..types import Word

# Words that, alone or leading / ending a short phrase, are form labels (en / fr / de).
_LABEL_WORDS_TEXT = """date dated name no no. nos number num # phone tel telephone fax to from subject re cc bcc
    address city state zip country signature signed title company firm total amount by approved
    submitted prepared requested description brand quantity qty price code account project
    department dept page pages attention attn email e-mail ref reference invoice order po contact
    location type class status comments remarks notes job client customer vendor supplier period
    year month time size weight sex age id file copies owner manager director division region
    area budget cost balance source investigator reported received tested conclusion purpose
    nom adresse ville pays objet montant datum anschrift telefon ort betrag betreff"""
LABEL_WORDS = frozenset(_LABEL_WORDS_TEXT.split())


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def is_label_word(word: str) -> bool:
    """A form word, also when OCR misread one letter of a long one ("SGNATURE", "0ATE")."""
    w = word.lower()
    if w in LABEL_WORDS or w.strip(".:#") in LABEL_WORDS:
        return True
    w = w.strip(".:#")
    if len(w) < 5 or sum(c.isalpha() for c in w) < len(w) - 1:
        return False
    return any(len(lw) >= 4 and _one_edit(w, lw) for lw in LABEL_WORDS)


SMALL_WORDS = frozenset(
    [
        "of",
        "and",
        "or",
        "the",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "a",
        "an",
        "de",
        "du",
        "des",
        "la",
        "le",
        "et",
        "und",
        "der",
        "die",
        "das",
    ]
)
# Layout tolerances (page-normalised units), tuned on noisy 100-dpi scans:
NULL_LABELS = 2  # a lone label of at most this many words is an empty field (value None)
TITLE_RATIO = 1.35  # text this much taller than the page's median word is a title, not a label
BELOW_RIGHT = 0.08  # a value under a colon label may start this far right of the label's end
OFFSET_OVERLAP = 0.4  # share of height a value off the label's baseline still overlaps it
OFFSET_GAP = 0.1  # ... and at most this far right of the label
CENTRED = 0.035  # a lone label this close to the page's centre line is a section heading
FAR_LABEL = 0.15  # a label-looking unit this far right of a key without colon is a new field

BULLETS = frozenset(("-", "–", "—", "•", "·", "*", "+"))
DASH_RUN = re.compile(r"^[-–—.]{2,}$")
KEY_END = re.compile(r"[:：]\s*$")
ALPHA = re.compile(r"[^\W\d_]", re.UNICODE)
DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class Unit:
    words: list[Word]
    line: int  # index of the layout line
    colon: bool = False  # ends with a colon, or OCR glued the answer to it
    role: str = "?"  # key / value / other
    text: str = ""
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    extra_key: list[Word] = field(default_factory=list)  # key continuation lines
    weak: bool = False  # a key only because a value-like unit follows it
    down: bool = False  # a key only because a value-like unit lies under it

    def __post_init__(self) -> None:
        self.text = " ".join(w.text for w in self.words)
        self.x0 = min(w.x0 for w in self.words)
        self.y0 = min(w.y0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.y1 = max(w.y1 for w in self.words)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def conf(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words)


YEAR = re.compile(r"^(?:19|20)\d\d$")
MARK = re.compile(r"^_*[xX✓✔√☑☒]{1,2}_*$")  # a ticked box, as OCR reads it
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
CELL_NUMBER = re.compile(r"^[$(]?[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)[%)*]*$")
MEASURED = re.compile(r"[.,%()$]")


def figure(u: Unit) -> bool:
    """One figure of a table: "3.48", "(224)", "7%"."""
    return len(u.words) == 1 and bool(CELL_NUMBER.match(u.words[0].text))


def table_figure(u: Unit) -> bool:
    """A figure that can be a table cell: not a year (it ends a date, "March 25, 1968") nor
    a long number (a document stamp)."""
    return figure(u) and not YEAR.match(u.text) and len(DIGIT.findall(u.text)) <= 6


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


def is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 1 and all(c.isupper() for c in letters) and not DIGIT.search(text)


def style(text: str) -> str:
    if is_caps(text):
        return "caps"
    words = [w for w in text.split() if w[:1].isalpha() and w.lower() not in SMALL_WORDS]
    return "title" if all(w[:1].isupper() for w in words) else "mixed"


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


def alpha_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if ALPHA.match(c)) / len(chars)


def word_ratio(text: str) -> float:
    """Share of letters, brackets and punctuation left aside: "Cost ($)", "(LBS.)"."""
    return alpha_ratio(re.sub(r"[()\[\].,:;/&'\"#-]", "", text))


def label_text(u: Unit) -> str:
    """The text of a unit as a label: a leading year qualifies it ("1993 ANNUAL USAGE")."""
    words = u.text.split()
    if len(words) > 1 and (YEAR.match(words[0]) or words[0] in BULLETS):
        words = words[1:]  # "- MEDIA TYPE", "• Weight": a bullet leads the label
    return " ".join(words)


# "A. H. TISCH", "J.P. Mastandrea", "Dr. H. J. Minnemeyer", "L. Gordon": a person, written
# by initials. One initial before a word in capitals is an enumerated label ("B. MARKETING").
INITIALS_NAME = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?"
    r"(?:(?:[A-Z]\.\s?){2,3}\s*[A-Z][A-Za-z'’-]+|[A-Z]\.\s?[A-Z][a-z][A-Za-z'’-]*)\.?$"
)
TITLED_NAME = re.compile(r"^(?:Mr|Mrs|Ms|Dr)\.?\s+(?:[A-Z]\.\s?)+\s*[A-Z][A-Za-z'’-]+\.?$")


def initials_name(text: str) -> bool:
    text = text.strip()
    if re.match(r"P\.\s?O\.", text):
        return False  # "P. O. Box": the postal label
    return bool(INITIALS_NAME.match(text) or TITLED_NAME.match(text))


def label_like(u: Unit) -> bool:
    """Short, mostly letters, not a sentence: could be a printed field label."""
    text = label_text(u)
    words = text.split()
    if initials_name(text):
        return False  # a person's name is an answer
    if not words or len(words) > 7 or len(text) > 48 or words[0].lower() in ("the", "a", "an"):
        return False  # "The American Tobacco Company" is a name
    if word_ratio(text) < 0.6 or (text.endswith((".", ",")) and len(words) > 3):
        return False
    if len(ALPHA.findall(text)) < 3 and not lexicon_label(u):
        return False  # "t", "a)": specks and stray letters of a noisy scan
    return bool(ALPHA.match(text[0]) or text[0] in "(#*")


def lexicon_label(u: Unit) -> bool:
    words = re.findall(r"[^\W\d_]+|\d+|#", u.text.lower())
    if not words or words[0] in ("the", "a", "an"):
        return False  # "The American Tobacco Company" is a name, not a label
    return is_label_word(words[0]) or is_label_word(words[-1])


def value_like(u: Unit) -> bool:
    """Digits, or lowercase / mixed text (handwriting or typed answers), not another label."""
    text = u.text.strip()
    if not text:
        return False
    if DIGIT.search(text) or MARK.match(text) or initials_name(text):
        return True
    # A word starting in lower case (not "of", "and" …): typed or written answer text.
    return any(w[:1].islower() and w.lower() not in SMALL_WORDS for w in text.split())


def word_h(u: Unit) -> float:
    hs = sorted(w.y1 - w.y0 for w in u.words)
    return hs[len(hs) // 2]


def label_column(lines: list[list[Unit]]) -> None:
    """A column of labels with a column of answers beside it marks its units as keys.

    Forms printed as two aligned columns ("BRAND(S) APPLICABLE   All Kent …") need no colon:
    when at least three lines start with a label at the same x and continue with a unit at the
    same x, the left units are keys (their values are found next to them).
    """
    groups: dict[tuple[int, int], list[Unit]] = {}
    for units in lines:
        if len(units) < 2:
            continue
        left, right = units[0], units[1]
        if left.role != "?" or left.colon or not label_like(left) or DIGIT.search(left.text):
            continue
        key = (round(left.x0 / 0.015), round(right.x0 / 0.015))
        groups.setdefault(key, []).append(left)
    merged: dict[tuple[int, int], list[Unit]] = {}
    for (lx, rx), us in groups.items():
        # neighbouring buckets are the same column (rounding boundaries)
        home = next((k for k in merged if abs(k[0] - lx) <= 1 and abs(k[1] - rx) <= 1), (lx, rx))
        merged.setdefault(home, []).extend(us)
    for us in merged.values():
        if len(us) >= 3:
            for u in us:
                u.role = "colkey"


def is_prose(u: Unit) -> bool:
    """Running words (a lower-case word after the first), not a name or a list item."""
    words = u.text.split()
    return len(words) >= 3 and any(w.isalpha() and w.islower() and len(w) >= 3 for w in words[1:])


def label_like_key(u: Unit) -> bool:
    return u.colon or (
        label_like(u) and len(u.text.split()) <= 3 and (lexicon_label(u) or dot_label(u))
    )


def dot_label(u: Unit) -> bool:
    """A short label whose colon OCR read as a full stop ("OPERATOR.", "Other."), not an
    abbreviation ending a name ("The Lamar Corp.")."""
    words = u.text.split()
    if not u.text.endswith(".") or u.text.endswith("..") or not 1 <= len(words) <= 3:
        return False
    last = words[-1].rstrip(".")
    return (
        last.isalpha()
        and (len(last) >= 5 or is_label_word(last))
        and words[0].lower() not in SMALL_WORDS
        and words[0][:1].isupper()
    )
