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

from .kv_grid import FormTable, make_pair, table_pairs
from .kv_units import (
    ALPHA,
    BELOW_RIGHT,
    CENTRED,
    DIGIT,
    FAR_LABEL,
    NULL_LABELS,
    OFFSET_GAP,
    OFFSET_OVERLAP,
    SMALL_WORDS,
    TITLE_RATIO,
    Unit,
    dot_label,
    is_caps,
    is_label_word,
    is_prose,
    label_column,
    label_like,
    label_like_key,
    label_text,
    lexicon_label,
    page_units,
    value_like,
    word_h,
)
from .layout import analyze_page
from .types import BBox, Citation, KeyValuePair, PageContent, union_bbox

__all__ = [
    "FormTable",
    "analyze_form",
    "extract_pairs",
    "fill_key_value_array",
    "is_key_value_array",
]

FAX_BAND = 0.05  # a fax transmission line is printed in this top share of the page
FAX_TIME = re.compile(r"\b[0-2]?\d:[0-5]\d\b")

# Item property names that mean "the label" and "the filled value" of a key/value array.
KEY_NAMES = ("key", "label", "name", "question", "field", "field_name", "title", "attribute")
VALUE_NAMES = ("value", "answer", "text", "content", "field_value", "response")


def _gap_ok(left: Unit, right: Unit, page_w: float = 1.0) -> bool:
    # OCR word boxes estimated from a line box can overlap their neighbour a little.
    return -0.6 * left.height <= right.x0 - left.x1 < 0.45 * page_w


def _right_of(key: Unit, lines: list[list[Unit]]) -> Unit | None:
    """The free unit right of ``key``: on its line, or on the line just above / below when
    the two overlap vertically (typed answers often sit a little off the printed baseline).

    A label-looking unit far away is another field, not the value of a key without colon.
    """
    units = lines[key.line]
    i = units.index(key)
    cands = []
    nxt = units[i + 1] if i + 1 < len(units) else None
    if nxt is not None and nxt.role == "?" and _gap_ok(key, nxt):
        cands.append(nxt)
    elif (
        nxt is not None
        and nxt.role == "key"
        and (nxt.weak or (key.colon and dot_label(nxt) and nxt is units[-1]))
        and not nxt.colon
        and label_like_key(key)
        and nxt.x0 - key.x1 < key.height
    ):
        # "SIGNATURE Amelin Poole  DATE 8/22/83", "Reason(s): Low bidder.": a label followed
        # closely by an answer that only looked like a label.
        cands.append(nxt)
    h = key.height
    for li in (key.line - 1, key.line + 1):
        if not 0 <= li < len(lines):
            continue
        u = next((o for o in lines[li] if o.x1 > key.x1), None)
        if u is None or u.role != "?" or not -0.6 * h <= u.x0 - key.x1 < OFFSET_GAP:
            continue
        ov = min(u.y1, key.y1) - max(u.y0, key.y0)
        # nothing of the key's own line may sit between them
        if ov >= OFFSET_OVERLAP * min(h, u.height) and not any(
            key.x1 <= o.x0 < u.x0 for o in units if o is not key
        ):
            cands.append(u)
    if not cands:
        return None
    best = min(cands, key=lambda u: u.x0)
    if key.colon or best.role == "key" or value_like(best) or not label_like(best):
        return best
    if best.x0 - key.x1 > FAR_LABEL:
        return None
    # Without a colon, a label-looking neighbour is an answer only when its lettering
    # differs ("ACCOUNT NAME New Products"); "First  Middle", "ONE YEAR  TWO YEAR" are labels.
    return None if _style(best.text) == _style(key.text) and not dot_label(key) else best


def _style(text: str) -> str:
    if is_caps(text):
        return "caps"
    words = [w for w in text.split() if w[:1].isalpha() and w.lower() not in SMALL_WORDS]
    return "title" if all(w[:1].isupper() for w in words) else "mixed"


def _name_answer(u: Unit, answers: set[int]) -> bool:
    """A name under a colon label that merely ends with a form word ("American Tobacco
    Company" under "Facility:"); "Approved By" or "Date" there are labels."""
    words = u.text.split()
    return id(u) in answers and len(words) >= 2 and not is_label_word(words[0])


def _numeric(u: Unit) -> bool:
    return len(DIGIT.findall(u.text)) >= len(ALPHA.findall(u.text))


def _content_centre(lines: list[list[Unit]]) -> float:
    """Horizontal centre of the printed area (scans are rarely centred on the sheet): the
    median left and right ends of the page's wide lines."""
    ends = [(us[0].x0, us[-1].x1) for us in lines if us and us[-1].x1 - us[0].x0 > 0.5]
    if not ends:
        return 0.5
    x0s = sorted(e[0] for e in ends)
    x1s = sorted(e[1] for e in ends)
    return (x0s[len(x0s) // 2] + x1s[len(x1s) // 2]) / 2


def _centred_heading(u: Unit, lines: list[list[Unit]], centre: float) -> bool:
    """A lone line centred on the page ("CHEMICAL USAGE", "FIELD TRIP") heads a section; a
    field label without an answer sits at the left of its line or among other fields."""
    return (
        len(lines[u.line]) == 1
        and not u.colon
        and abs((u.x0 + u.x1) / 2 - centre) < CENTRED
        and u.x0 > 0.2
    )


def _two_line_keys(lines: list[list[Unit]]) -> None:
    """A label printed on two lines ("AVERAGE DAILY" / "EFFECTIVE CIRCULATION") is one key.

    The second line starts where the key starts, right under it, reads as a label (no colon,
    no digits, not answer-like text) and has nothing to its right.
    """
    for units in lines:
        for u in units:
            if u.role != "key" or u.colon or u.extra_key or u.line + 1 >= len(lines):
                continue
            nxt = lines[u.line + 1]
            h = u.height
            b = next((o for o in nxt if abs(o.x0 - u.x0) < h), None)
            if (
                b is None
                or b.role not in ("?", "key")
                or (b.role == "key" and not b.weak)
                or b.colon
                or b.y0 - u.y0 > 1.4 * h  # wrapped lines are tight; a list of options is not
                or not label_like(b)
                or value_like(b)
                or DIGIT.search(b.text)
                or label_like_key(b)  # "Date" under "Date": a field of its own
            ):
                continue
            if any(value_like(o) for o in nxt[nxt.index(b) + 1 :]):
                continue  # it has an answer of its own: a field, not a continuation
            u.extra_key = list(b.words)
            b.role = "other"


def _heading_label(u: Unit, lines: list[list[Unit]]) -> bool:
    """A label in capitals over a typed answer ("STORAGE RECOMMENDATIONS" / "Refrigerate …").

    Without a colon or a form word, the answer right under it, in lower case or digits,
    is what makes it a label.
    """
    if not (label_like(u) and is_caps(u.text)) or len(ALPHA.findall(u.text)) < 4:
        return False
    below = _below(u, lines, 1)
    return (
        below is not None
        and below.role == "?"
        and value_like(below)
        and not is_caps(below.text)
        and below.y0 - u.y1 < 1.2 * u.height
        # a line centred under it is a subtitle ("1994 COLLECTION")
        and (below.x1 > u.x1 or abs(below.x0 + below.x1 - u.x0 - u.x1) > 0.04)
    )


def _below(key: Unit, lines: list[list[Unit]], max_lines: int = 2) -> Unit | None:
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


def _wrapped(key: Unit, value: Unit, lines: list[list[Unit]]) -> list[Unit]:
    """Lines of an answer written beside its label that wrap back under the label
    ("GENERAL PROJECT DESCRIPTION True 100's, Regular and Menthol tar / reduction to …").

    Each such line starts where the label starts and runs on under the answer.
    """
    text = value.text.rstrip()
    open_end = text.endswith((",", "-", ";")) or (
        len(text.split()) >= 3 and not text.endswith((".", "!", "?", ")"))
    )
    if value.line != key.line or not open_end:
        return []
    out: list[Unit] = []
    prev = value
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 6)):
        b = lines[li][0] if lines[li] else None
        if (
            b is None
            or b.role != "?"
            or b.colon
            or abs(b.x0 - key.x0) > 1.5 * h
            or b.y0 - prev.y1 > 1.2 * h
            or b.x1 <= value.x0
            or label_like_key(b)
            or not (value_like(b) or is_prose(b) or text.endswith(","))
        ):
            break
        out.append(b)
        prev = b
    return out


def _paragraphs(key: Unit, value: Unit, lines: list[list[Unit]]) -> list[list[Unit]]:
    """Paragraphs written under a label whose own line holds an instruction
    ("COMMENTS: (Description of Location …)" / "This is a comparatively easy market …").

    They start where the label starts and are running text; a blank line separates two.
    """
    if value.line != key.line:
        return []
    paras: list[list[Unit]] = []
    prev = value
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 16)):
        units = lines[li]
        b = units[0] if units else None
        if b is None or b.colon or abs(b.x0 - key.x0) > 1.5 * h:
            break
        if b.role != "?" and not (paras and b.role == "key" and len(units) == 1):
            break  # a key alone on its line may still end a paragraph ("Camel.")
        gap = b.y0 - prev.y1
        para = paras[-1] if paras else []
        pitch = para[1].y0 - para[0].y0 if len(para) >= 2 else 2 * h
        if para and gap < 1.2 * h and b.y0 - prev.y0 < 1.5 * pitch:
            para.append(b)  # the paragraph goes on, however short the line
        elif gap < (3 if paras else 1.5) * h and is_prose(b) and b.x1 - b.x0 > 0.3:
            paras.append([b])
        else:
            break
        prev = b
    return paras


def _stacked(first: Unit, lines: list[list[Unit]], key: Unit) -> list[Unit]:
    """Further values under the first one, left-aligned with it ("cc: A / B / C")."""
    out: list[Unit] = []
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
        if u.y0 - prev.y1 > 1.2 * h or u.colon or (lexicon_label(u) and not key.colon):
            break
        # Nothing may sit in the key's column on that line (it would be another field).
        if any(o is not u and o.x1 <= first.x0 and o.x1 > key.x0 for o in lines[li]):
            break
        out.append(u)
        prev = u
    return out


def _page_pairs(page: PageContent, tables: list[FormTable] | None = None) -> list[KeyValuePair]:
    layout = analyze_page(page)
    lines = page_units(layout)
    for units in lines:
        if units and units[-1].y0 < FAX_BAND and FAX_TIME.search(" ".join(u.text for u in units)):
            # "06/29/94 08:25 ... LORILLARD JAX ... 001": the fax machine's transmission line
            for u in units:
                u.role = "other"
    out: list[KeyValuePair] = table_pairs(page.number, lines, tables)

    label_column(lines)
    # The unit under a colon label with nothing on its right is that label's answer, even
    # when it looks like a label before a number ("Facility:" / "The American Co.  0001").
    answers = set()
    for units in lines:
        for i, u in enumerate(units):
            nxt = units[i + 1] if i + 1 < len(units) else None
            if u.colon and u.role == "?" and (nxt is None or nxt.colon):
                b = _below(u, lines)
                if b is not None and not b.colon:
                    answers.add(id(b))

    # 1. keys: colon units, and label-like units followed on their line by a value-like unit.
    for units in lines:
        for i, u in enumerate(units):
            if u.role == "colkey":
                u.role = "key"
                continue
            if u.role != "?":
                continue  # already read as part of a table
            right = units[i + 1] if i + 1 < len(units) else None
            if u.colon or (label_like_key(u) and not _name_answer(u, answers)):
                u.role = "key"
                u.weak = not (u.colon or dot_label(u) or (right is not None and value_like(right)))
            elif (
                label_like(u)
                and right is not None
                and not right.colon
                and _gap_ok(u, right)
                and (value_like(right) or lexicon_label(u))
                and not DIGIT.search(label_text(u))
                # a bare label-looking text is a key only close to its answer
                and (lexicon_label(u) or right.x0 - u.x1 < FAR_LABEL or _numeric(right))
                and id(u) not in answers
            ):
                u.role = "key"
                u.weak = True  # only "a label-looking text before a value": may be a value
            elif (
                right is None
                and (i == 0 or units[i - 1].role == "value")
                and _heading_label(u, lines)
            ):
                u.role = "key"
                u.down = True

    _two_line_keys(lines)

    # A colon key whose next line starts with "(…)" under it continues it ("This Change:" /
    # "(From Current Budget)").
    for units in lines:
        for u in units:
            if u.role != "key" or u.extra_key:
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

    # 2. values: right neighbours first (the strongest cue, so a key above cannot take a
    # value that sits next to its own label), then the unit below, then stacked continuations.
    keys = [u for units in lines for u in units if u.role == "key"]
    found: dict[int, Unit] = {}
    for u in keys:
        right = _right_of(u, lines) if u.role == "key" else None
        if right is not None:
            found[id(u)] = right
            right.role = "value"
    centre = _content_centre(lines)
    for u in keys:
        if u.role != "key":
            continue  # taken as the answer of a key above
        value = found.get(id(u))
        if value is None and (u.colon or u.down or label_like_key(u)):
            below = _below(u, lines)
            if below is not None and (
                (below.role == "?" and (id(below) in answers or not label_like_key(below)))
                or (u.colon and below.role == "key" and below.weak)
            ):
                value = below
                below.role = "value"
        if value is None:
            if not _centred_heading(u, lines, centre):
                out.append(make_pair(page.number, u, None, 0.4 * u.conf))
            continue
        conf = (0.75 if u.colon else 0.55) * min(u.conf, value.conf)
        out.append(make_pair(page.number, u, value, conf))
        wrapped = _wrapped(u, value, lines)
        for extra in wrapped:
            extra.role = "value"
            out.append(make_pair(page.number, u, extra, 0.8 * conf))
        paragraphs = [] if wrapped or not u.colon else _paragraphs(u, value, lines)
        for para in paragraphs:
            for x in para:
                x.role = "value"
            merged = Unit([w for x in para for w in x.words], para[0].line)
            out.append(make_pair(page.number, u, merged, 0.8 * conf))
        extras = [] if wrapped or paragraphs else _stacked(value, lines, u)
        if extras and (
            is_prose(value)
            or len(value.text.split()) >= 6
            or any(DIGIT.search(x.text) for x in extras)  # an address block
        ):
            # A written paragraph ("COMMENTS: The attached … / was secured …") is one value.
            merged = Unit([w for x in (value, *extras) for w in x.words], value.line)
            out[-1] = make_pair(page.number, u, merged, conf)
            for extra in extras:
                extra.role = "value"
            continue
        for extra in extras:
            extra.role = "value"
            out.append(make_pair(page.number, u, extra, 0.8 * conf))
    if NULL_LABELS:
        for units in lines:
            for u in units:
                if (
                    u.role == "?"
                    and label_like(u)
                    and not DIGIT.search(u.text)
                    and len(u.text.split()) <= NULL_LABELS
                    and word_h(u) < TITLE_RATIO * layout.word_height
                    and not _centred_heading(u, lines, centre)
                ):
                    out.append(make_pair(page.number, u, None, 0.25 * u.conf))
    return out


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
