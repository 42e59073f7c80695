"""Form units: the runs of words a form page is cut into, and what they look like.

A unit is a layout line segment (a run of words without a wide gap), cut again after a word
ending with ``:`` and between a printed label and the value typed next to it. pairs.py decides
which units are keys and which are their values; this module only cuts and describes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    column: float = 0.0  # right edge of the column of labels it belongs to (0: none)

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
CELL_NUMBER = re.compile(r"^[$(]?[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)[%)*]*$")
MEASURED = re.compile(r"[.,%()$]")


def figure(u: Unit) -> bool:
    """One figure of a table: "3.48", "(224)", "7%"."""
    return len(u.words) == 1 and bool(CELL_NUMBER.match(u.words[0].text))


def table_figure(u: Unit) -> bool:
    """A figure that can be a table cell: not a year (it ends a date, "March 25, 1968") nor
    a long number (a document stamp)."""
    return figure(u) and not YEAR.match(u.text) and len(DIGIT.findall(u.text)) <= 6


def is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 1 and all(c.isupper() for c in letters) and not DIGIT.search(text)


def style(text: str) -> str:
    if is_caps(text):
        return "caps"
    words = [w for w in text.split() if w[:1].isalpha() and w.lower() not in SMALL_WORDS]
    return "title" if all(w[:1].isupper() for w in words) else "mixed"


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
            edge = max(u.x1 for u in us)
            for u in us:
                u.role = "colkey"
                u.column = edge


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
