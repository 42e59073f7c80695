"""Form key/value pairs (FUNSD-style): a printed label and the value filled in next to it.

Pages are cut into *units*: the layout's line segments (runs of words without a wide gap),
split again after a word ending with ``:`` ("Date: 10/9/87" -> "Date:" + "10/9/87"). A unit is
a key when it ends with a colon, or when it reads like a label (short, mostly letters, a common
form word or followed by a value-looking unit). Its value is the next unit to its right on the
same line, else the unit right below it; values stacked under the first one ("cc: A / B / C")
repeat the key. A key with nothing next to it is an empty field (value ``None``). A ruled or
aligned grid whose first row is all labels gives one (column header, cell) pair per cell.

``fill_key_value_array`` turns the pairs into the items of a schema array whose items look like
``{key, value}`` objects; parsing.py calls it for such arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .layout import PageLayout, analyze_page
from .types import BBox, Citation, KeyValuePair, PageContent, Word, union_bbox

# Item property names that mean "the label" and "the filled value" of a key/value array.
KEY_NAMES = ("key", "label", "name", "question", "field", "field_name", "title", "attribute")
VALUE_NAMES = ("value", "answer", "text", "content", "field_value", "response")

# Words that, alone or leading / ending a short phrase, are form labels (en / fr / de).
_LABEL_WORDS_TEXT = """date dated name no no. nos number num # phone tel telephone fax to from subject re cc bcc
    address city state zip country signature signed title company firm total amount by approved
    submitted prepared requested description brand quantity qty price code account project
    department dept page pages attention attn email e-mail ref reference invoice order po contact
    location type class status comments remarks notes job client customer vendor supplier period
    year month time size weight sex age id file copies owner manager director division region
    area budget cost balance source investigator reported received tested conclusion purpose
    nom adresse ville pays objet montant datum anschrift telefon ort betrag betreff"""
_LABEL_WORDS = frozenset(_LABEL_WORDS_TEXT.split())
_SMALL_WORDS = frozenset(
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
BELOW_RIGHT = 0.06  # a value under a colon label may start this far right of the label's end

_KEY_END = re.compile(r"[:：]\s*$")
_ALPHA = re.compile(r"[^\W\d_]", re.UNICODE)
_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class _Unit:
    words: list[Word]
    line: int  # index of the layout line
    colon: bool = False
    role: str = "?"  # key / value / other
    text: str = ""
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    extra_key: list[Word] = field(default_factory=list)  # key continuation lines
    weak: bool = False  # a key only because a value-like unit follows it

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


_GLUED = re.compile(
    r"(?<=[A-Z]{3})(?=[A-Z][a-z]{2})"  # "MARKETLakeland": a capitals label, then a name
    r"|(?<=[a-z]{3})(?=[A-Z][a-z]{2})"  # "contactTuesday": a missing space
)


def _cut(w: Word, at: int) -> tuple[Word, Word]:
    xm = w.x0 + (w.x1 - w.x0) * at / len(w.text)
    return (
        Word(w.text[:at], w.page, w.x0, w.y0, xm, w.y1, w.confidence, w.source),
        Word(w.text[at:], w.page, xm, w.y0, w.x1, w.y1, w.confidence, w.source),
    )


def _explode_words(words: list[Word]) -> list[Word]:
    """Undo OCR gluing: "NUMBER:_(405)", "DATE3/23/91", "MARKETLakeland" -> two words each.

    Cut after a label's colon, after a form word directly followed by digits, and where a
    word of capitals or lower case letters runs into a capitalised word.
    """
    out: list[Word] = []
    todo = list(words)
    while todo:
        w = todo.pop(0)
        at = 0
        m = re.match(r"^([^\W\d_][^:：]*[^\W\d_][.)]?[:：])(.+)$", w.text)
        if m and not (re.fullmatch(r"\d{1,2}", m.group(2)[:2]) and ":" in m.group(2)):
            at = len(m.group(1))
        else:
            m = re.match(r"^([^\W\d_]{3,})(?=\d)", w.text)
            if m and m.group(1).lower() in _LABEL_WORDS:
                at = len(m.group(1))
            else:
                g = _GLUED.search(w.text)
                at = g.start() if g else 0
        if 0 < at < len(w.text):
            left, right = _cut(w, at)
            out.append(left)
            todo.insert(0, right)
        else:
            out.append(w)
    return out


def _units(layout: PageLayout) -> list[list[_Unit]]:
    """Line segments, split after words ending with a colon; one list per line."""
    out: list[list[_Unit]] = []
    for li, line in enumerate(layout.lines):
        units: list[_Unit] = []
        for seg in line.segments:
            cur: list[Word] = []
            for w in _explode_words(seg.words):
                cur.append(w)
                if _KEY_END.search(w.text) and _ALPHA.search(" ".join(x.text for x in cur)):
                    # "TESTED 3/18/81 REPORTED:": the key is the label run before the colon.
                    k = len(cur)
                    while k > 1 and not _DIGIT.search(cur[k - 2].text):
                        k -= 1
                    if k > 1 and _DIGIT.search(cur[k - 2].text):
                        units.extend(_split_label_value(cur[: k - 1], li, first=not units))
                        cur = cur[k - 1 :]
                    elif units and units[-1].colon:
                        # "SOURCE: Lorillard - Organic Chemistry LORILLARD NO.: A123": the
                        # previous key's value, then a label in capitals.
                        k = len(cur)
                        while k > 1 and _is_caps(cur[k - 2].text):
                            k -= 1
                        if 1 < k < len(cur) + 1 and not _is_caps(
                            " ".join(w.text for w in cur[: k - 1])
                        ):
                            units.append(_Unit(cur[: k - 1], li))
                            cur = cur[k - 1 :]
                    units.append(_Unit(cur, li, colon=True))
                    cur = []
            if cur:
                units.extend(_split_label_value(cur, li, first=not units))
        # Brackets and specks ("( )" of an empty check box) are neither keys nor values.
        out.append([u for u in units if re.search(r"[^\W_]|[☑☒✓✔√]", u.text)])
    return out


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 1 and all(c.isupper() for c in letters) and not _DIGIT.search(text)


def _split_label_value(words: list[Word], li: int, first: bool) -> list[_Unit]:
    """A label run then its value, in one segment: split them.

    "Initiation Date 8/3/87" -> "Initiation Date" + "8/3/87" (label, then a number);
    "PROJECT LEADER Williams/Giordano" -> "PROJECT LEADER" + "Williams/Giordano" (capitals,
    then mixed case). Only for the first unit of a line, where a label is expected.
    """
    if not first or len(words) < 2:
        return [_Unit(words, li)]
    for k in range(1, min(len(words), 6)):
        head, tail = words[:k], words[k:]
        htext = " ".join(w.text for w in head)
        if _DIGIT.search(tail[0].text):
            if (
                head[0].text[:1].isupper()
                and all(
                    (_alpha_ratio(w.text) >= 0.75 or w.text in ("#", "No.", "Nr.", "N°", "n°"))
                    for w in head
                )
                and not _DIGIT.search(htext)
            ):
                return [_Unit(head, li), _Unit(tail, li)]
            break
        if _alpha_ratio(tail[0].text) < 0.75 and tail[0].text not in (
            "#",
            "No.",
            "Nr.",
            "N°",
            "n°",
        ):
            break
        if (
            _is_caps(htext)
            and not _is_caps(tail[0].text)
            and (k >= 2 or htext.lower().strip(".:#") in _LABEL_WORDS)
            and len(htext.replace(" ", "")) >= 4
        ):
            return [_Unit(head, li), _Unit(tail, li)]
    return [_Unit(words, li)]


def _alpha_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if _ALPHA.match(c)) / len(chars)


def _label_like(u: _Unit) -> bool:
    """Short, mostly letters, not a sentence: could be a printed field label."""
    text = u.text.strip()
    words = text.split()
    if not words or len(words) > 7 or len(text) > 48:
        return False
    if _alpha_ratio(text) < 0.6 or (text.endswith((".", ",")) and len(words) > 3):
        return False
    if len(_ALPHA.findall(text)) < 3 and not _lexicon_label(u):
        return False  # "t", "a)": specks and stray letters of a noisy scan
    return bool(_ALPHA.match(text[0]) or text[0] in "(#*")


def _lexicon_label(u: _Unit) -> bool:
    words = re.findall(r"[^\W\d_]+|\d+|#", u.text.lower())
    if not words or words[0] in ("the", "a", "an"):
        return False  # "The American Tobacco Company" is a name, not a label
    return words[0] in _LABEL_WORDS or words[-1] in _LABEL_WORDS


def _value_like(u: _Unit) -> bool:
    """Digits, or lowercase / mixed text (handwriting or typed answers), not another label."""
    text = u.text.strip()
    if not text:
        return False
    if _DIGIT.search(text):
        return True
    # A word starting in lower case (not "of", "and" …): typed or written answer text.
    return any(w[:1].islower() and w.lower() not in _SMALL_WORDS for w in text.split())


def _gap_ok(left: _Unit, right: _Unit, page_w: float = 1.0) -> bool:
    # OCR word boxes estimated from a line box can overlap their neighbour a little.
    return -0.6 * left.height <= right.x0 - left.x1 < 0.45 * page_w


def _below(key: _Unit, lines: list[list[_Unit]], max_lines: int = 2) -> _Unit | None:
    """The unit right under ``key``: next lines, starting within the key's horizontal span."""
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 1 + max_lines)):
        for u in lines[li]:
            if u.y0 - key.y1 > 2.2 * h:
                return None
            # Under the key, or starting a little right of its end ("Facility:" / "The …").
            if u.x0 >= key.x0 - 2 * h and u.x0 <= key.x1 + BELOW_RIGHT:
                return u
    return None


def _stacked(first: _Unit, lines: list[list[_Unit]], key: _Unit) -> list[_Unit]:
    """Further values under the first one, left-aligned with it ("cc: A / B / C")."""
    out: list[_Unit] = []
    prev = first
    h = max(first.height, 0.008)
    for li in range(first.line + 1, min(len(lines), first.line + 6)):
        cands = [
            u
            for u in lines[li]
            if abs(u.x0 - first.x0) < 1.5 * h and (u.role == "?" or (u.role == "key" and u.weak))
        ]
        if not cands:
            break
        u = cands[0]
        if u.y0 - prev.y1 > 1.2 * h or u.colon or (_lexicon_label(u) and not key.colon):
            break
        # Nothing may sit in the key's column on that line (it would be another field).
        if any(o is not u and o.x1 <= first.x0 and o.x1 > key.x0 for o in lines[li]):
            break
        out.append(u)
        prev = u
    return out


def _word_h(u: _Unit) -> float:
    hs = sorted(w.y1 - w.y0 for w in u.words)
    return hs[len(hs) // 2]


def _label_column(lines: list[list[_Unit]]) -> None:
    """A column of labels with a column of answers beside it marks its units as keys.

    Forms printed as two aligned columns ("BRAND(S) APPLICABLE   All Kent …") need no colon:
    when at least three lines start with a label at the same x and continue with a unit at the
    same x, the left units are keys (their values are found next to them).
    """
    groups: dict[tuple[int, int], list[_Unit]] = {}
    for units in lines:
        if len(units) < 2:
            continue
        left, right = units[0], units[1]
        if left.role != "?" or left.colon or not _label_like(left) or _DIGIT.search(left.text):
            continue
        key = (round(left.x0 / 0.015), round(right.x0 / 0.015))
        groups.setdefault(key, []).append(left)
    merged: dict[tuple[int, int], list[_Unit]] = {}
    for (lx, rx), us in groups.items():
        # neighbouring buckets are the same column (rounding boundaries)
        home = next((k for k in merged if abs(k[0] - lx) <= 1 and abs(k[1] - rx) <= 1), (lx, rx))
        merged.setdefault(home, []).extend(us)
    for us in merged.values():
        if len(us) >= 3:
            for u in us:
                u.role = "colkey"


def _is_prose(u: _Unit) -> bool:
    """Running words (a lower-case word after the first), not a name or a list item."""
    words = u.text.split()
    return len(words) >= 3 and any(w.isalpha() and w.islower() and len(w) >= 3 for w in words[1:])


def _pair(page: int, key: _Unit, value: _Unit | None, conf: float) -> KeyValuePair:
    kwords = key.words + key.extra_key
    ktext = _KEY_END.sub("", " ".join(w.text for w in kwords)).strip(" _")
    # "A. PROJECT NAME", "3) Date": the enumerator is not part of the label.
    ktext = re.sub(r"^(?:[A-Z]|\d{1,2}|[ivxIVX]{1,4})[.)]\s+(?=\S)", "", ktext)
    vtext = value.text.strip(" _") if value is not None else None
    return KeyValuePair(
        key=ktext,
        value=vtext or None,
        page=page,
        key_words=list(kwords),
        value_words=list(value.words) if value is not None else [],
        confidence=round(conf, 4),
    )


def _overlap(a: _Unit, b: _Unit) -> float:
    return min(a.x1, b.x1) - max(a.x0, b.x0)


def _column_of(cell: _Unit, headers: list[_Unit]) -> _Unit | None:
    best = max(headers, key=lambda h: _overlap(h, cell))
    if _overlap(best, cell) > 0:
        return best
    # Numbers are often right- or centre-aligned under a wider / narrower header.
    cx = (cell.x0 + cell.x1) / 2
    near = min(headers, key=lambda h: abs((h.x0 + h.x1) / 2 - cx))
    return near if abs((near.x0 + near.x1) / 2 - cx) < 0.04 else None


@dataclass(slots=True)
class FormTable:
    """A grid found on a form: column headers, and per row the cell text under each header."""

    page: int
    headers: list[str]
    rows: list[dict[str, str]]


def _table_pairs(
    page: int, lines: list[list[_Unit]], tables: list[FormTable] | None = None
) -> list[KeyValuePair]:
    """Grids: a row of labels over rows of values; one (column header, cell) pair per cell."""
    out: list[KeyValuePair] = []
    li = 0
    while li < len(lines) - 1:
        headers = lines[li]
        if len(headers) < 2 or not all(
            u.role == "?" and _label_like(u) and not _DIGIT.search(u.text) and not u.colon
            for u in headers
        ):
            li += 1
            continue
        rows: list[list[tuple[_Unit, _Unit]]] = []
        lj = li + 1
        h = max(u.height for u in headers)
        last_y = max(u.y1 for u in headers)
        while lj < len(lines):
            cells = [u for u in lines[lj] if u.role == "?"]
            if not cells or min(u.y0 for u in cells) - last_y > 3 * h:
                break
            mapped = [(c, _column_of(c, headers)) for c in cells]
            aligned = [(c, hd) for c, hd in mapped if hd is not None and _value_like(c)]
            if len(aligned) < min(2, len(headers)) or len(aligned) < 0.6 * len(cells):
                break
            rows.append(aligned)
            last_y = max(c.y1 for c, _ in aligned)
            lj += 1
        if not rows:
            li += 1
            continue
        # Two-line headers: a short label right above a header belongs to it ("Est." / "Travel").
        if li > 0:
            for u in lines[li - 1]:
                if u.role == "?" and _label_like(u) and len(u.text.split()) <= 3:
                    hd = _column_of(u, headers)
                    if hd is not None and hd.y0 - u.y1 < 1.2 * h and not hd.extra_key:
                        hd.extra_key = list(u.words)
                        u.role = "other"
        for hd in headers:
            hd.role = "key"
            if hd.extra_key:  # the label above comes first in reading order
                hd.words, hd.extra_key = hd.extra_key + hd.words, []
        for row in rows:
            for cell, hd in row:
                cell.role = "value"
                out.append(_pair(page, hd, cell, 0.5 * min(hd.conf, cell.conf)))
        if tables is not None:
            names = [_KEY_END.sub("", hd.text).strip() for hd in headers]
            grid = [{names[headers.index(hd)]: cell.text for cell, hd in row} for row in rows]
            tables.append(FormTable(page, names, grid))
        for hd in headers:
            hd.role = "table"
        li = lj
    return out


def _page_pairs(page: PageContent, tables: list[FormTable] | None = None) -> list[KeyValuePair]:
    layout = analyze_page(page)
    lines = _units(layout)
    out: list[KeyValuePair] = _table_pairs(page.number, lines, tables)

    _label_column(lines)

    # 1. keys: colon units, and label-like units followed on their line by a value-like unit.
    for units in lines:
        for i, u in enumerate(units):
            if u.role == "colkey":
                u.role = "key"
                continue
            if u.role != "?":
                continue  # already read as part of a table
            right = units[i + 1] if i + 1 < len(units) else None
            if u.colon or _label_like_key(u):
                u.role = "key"
                u.weak = not u.colon and not (right is not None and _value_like(right))
            elif (
                _label_like(u)
                and right is not None
                and not right.colon
                and _gap_ok(u, right)
                and (_value_like(right) or _lexicon_label(u))
                and not _DIGIT.search(u.text)
            ):
                u.role = "key"
                u.weak = True  # only "a label-looking text before a value": may be a value

    # A colon key whose next line starts with "(…)" under it continues it ("This Change:" /
    # "(From Current Budget)").
    for units in lines:
        for u in units:
            if u.role != "key":
                continue
            nxt = _below(u, lines, 1)
            if (
                nxt is not None
                and (nxt.role == "?" or (nxt.role == "key" and not nxt.colon))
                and nxt.text.startswith("(")
                and abs(nxt.x0 - u.x0) < 0.03
            ):
                u.extra_key = list(nxt.words)
                nxt.role = "other"

    # 2. values: right neighbour, else the unit below; stacked continuations repeat the key.
    for units in lines:
        for i, u in enumerate(units):
            if u.role != "key":
                continue
            value = None
            right = units[i + 1] if i + 1 < len(units) else None
            if right is not None and right.role == "?" and _gap_ok(u, right):
                value = right
            elif u.colon or _label_like_key(u):
                below = _below(u, lines)
                if below is not None and (
                    (below.role == "?" and not _label_like_key(below))
                    or (u.colon and below.role == "key" and below.weak)
                ):
                    value = below
            if value is None:
                out.append(_pair(page.number, u, None, 0.4 * u.conf))
                continue
            value.role = "value"
            conf = (0.75 if u.colon else 0.55) * min(u.conf, value.conf)
            out.append(_pair(page.number, u, value, conf))
            extras = _stacked(value, lines, u)
            if extras and (
                _is_prose(value)
                or len(value.text.split()) >= 6
                or any(_DIGIT.search(x.text) for x in extras)  # an address block
            ):
                # A written paragraph ("COMMENTS: The attached … / was secured …") is one value.
                merged = _Unit([w for x in (value, *extras) for w in x.words], value.line)
                out[-1] = _pair(page.number, u, merged, conf)
                for extra in extras:
                    extra.role = "value"
                continue
            for extra in extras:
                extra.role = "value"
                out.append(_pair(page.number, u, extra, 0.8 * conf))
    if NULL_LABELS:
        for units in lines:
            for u in units:
                if (
                    u.role == "?"
                    and _label_like(u)
                    and not _DIGIT.search(u.text)
                    and len(u.text.split()) <= NULL_LABELS
                    and _word_h(u) < TITLE_RATIO * layout.word_height
                ):
                    out.append(_pair(page.number, u, None, 0.25 * u.conf))
    return out


def _label_like_key(u: _Unit) -> bool:
    return u.colon or (_lexicon_label(u) and _label_like(u) and len(u.text.split()) <= 3)


def extract_pairs(pages: list[PageContent]) -> list[KeyValuePair]:
    """Key/value pairs of every page, in reading order (see the module docstring)."""
    return analyze_form(pages)[0]


def analyze_form(pages: list[PageContent]) -> tuple[list[KeyValuePair], list[FormTable]]:
    """Key/value pairs and the grids they came from (schema suggestion uses both)."""
    pairs: list[KeyValuePair] = []
    tables: list[FormTable] = []
    for page in pages:
        if any(w.text.strip() for w in page.words):
            pairs.extend(_page_pairs(page, tables))
    return pairs, tables


# --------------------------------------------------------------------------- schema arrays


def _prop_types(prop: dict) -> set[str]:
    t = prop.get("type", "string")
    return set(t) if isinstance(t, list) else {t}


def _find_prop(props: dict, names: tuple[str, ...]) -> str | None:
    lowered = {k.lower(): k for k in props}
    for n in names:
        if n in lowered and "string" in _prop_types(props[lowered[n]]):
            return lowered[n]
    return None


def is_key_value_array(item_schema: dict) -> bool:
    """Whether an array's item schema is a ``{key, value}``-style object (form pairs).

    True when the item is an object with a string "key-like" property (key / label / name /
    question / field) and a string "value-like" one (value / answer / text), and at most a few
    other properties.
    """
    if not isinstance(item_schema, dict):
        return False
    props = item_schema.get("properties") or {}
    if "object" not in _prop_types(item_schema) and not props:
        return False
    if len(props) > 4:
        return False
    return _find_prop(props, KEY_NAMES) is not None and _find_prop(props, VALUE_NAMES) is not None


def fill_key_value_array(
    pages: list[PageContent], item_schema: dict
) -> tuple[list[dict], dict[str, Citation], dict[str, float]]:
    """Items for a key/value array, with citations and confidences keyed by relative path.

    Paths are relative to the array: ``"[0].key"``, ``"[0].value"``; the caller prefixes them
    with the array's own path. Any other property of the item is set to ``None``.
    """
    props = item_schema.get("properties") or {}
    kname = _find_prop(props, KEY_NAMES) or "key"
    vname = _find_prop(props, VALUE_NAMES) or "value"
    items: list[dict] = []
    citations: dict[str, Citation] = {}
    confidence: dict[str, float] = {}
    for i, pair in enumerate(extract_pairs(pages)):
        item = dict.fromkeys(props)
        item[kname] = pair.key
        item[vname] = pair.value
        items.append(item)
        citations[f"[{i}].{kname}"] = Citation(pair.page, pair.key_bbox, pair.key)
        confidence[f"[{i}].{kname}"] = pair.confidence
        if pair.value is not None:
            vb: BBox = union_bbox(pair.value_words)
            citations[f"[{i}].{vname}"] = Citation(pair.page, vb, pair.value)
            confidence[f"[{i}].{vname}"] = pair.confidence
    return items, citations, confidence
