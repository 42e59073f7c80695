"""Form key/value pairs (FUNSD-style): a printed label and the value filled in next to it.

Pages are cut into *units* (units.py): the layout's line segments, cut again after a word
ending with ``:``, where OCR glued a label to its answer ("MARKETLakeland"), around ticks
("Yes x No") and between a label and an answer lettered differently ("PROJECT LEADER
Williams/Giordano TOTAL BUDGET"). A unit is a key when it ends with a colon (or a full stop
OCR read for one), when it reads like a label (short, mostly letters, a common form word) or
when a value-looking unit follows it; labels printed on two lines are one key. Its value is
(placement.py) the next unit to its right (also a little off its baseline), else the unit
right under it; lines wrapping back under the label, paragraphs under an instruction and
values stacked under the first one ("cc: A / B / C") repeat the key. A key with nothing next
to it is an empty field (value ``None``) unless it is a centred section heading or a phrase
leading into the labels below. A grid whose first row is all labels gives one (column header,
cell) pair per cell (grid.py).

Right neighbours are claimed first for every key, then keys take what lies below them in
reading order, so a label above never takes the answer written next to its own label.

``fill_key_value_array`` turns the pairs into the items of a schema array whose items look like
``{key, value}`` objects; the parsing step calls it for such arrays.
"""

from __future__ import annotations

import re

from ..layout.lines import analyze_page
from ..types import BBox, Citation, KeyValuePair, PageContent, union_bbox
from .cutting import page_units
from .grid import FormTable, column_headers, make_pair, table_pairs
from .linker import learned_pairs
from .placement import (
    centred_heading,
    content_centre,
    gap_ok,
    heading_label,
    lead_in,
    name_answer,
    numeric,
    paragraphs_below,
    right_of,
    stacked_below,
    style,
    two_line_keys,
    unit_below,
    wrapped_lines,
)
from .units import (
    DIGIT,
    FAR_LABEL,
    NULL_LABELS,
    TITLE_RATIO,
    Unit,
    dot_label,
    initials_name,
    is_prose,
    label_column,
    label_like,
    label_like_key,
    label_text,
    lexicon_label,
    table_figure,
    value_like,
    word_h,
)

__all__ = [
    "FormTable",
    "analyze_form",
    "extract_pairs",
    "fill_key_value_array",
    "is_key_value_array",
    "key_value_names",
]

SIGNATURE_GAP = 0.25  # a signature is written this close right of its label
FAX_BAND = 0.05  # a fax transmission line is printed in this top share of the page
FAX_TIME = re.compile(r"\b[0-2]?\d:[0-5]\d\b")

# Item property names that mean "the label" and "the filled value" of a key/value array.
KEY_NAMES = ("key", "label", "name", "question", "field", "field_name", "title", "attribute")
VALUE_NAMES = ("value", "answer", "text", "content", "field_value", "response")
# The words of such names, for names a customer composes ("fieldLabel", "filledValue",
# "answer_text"): a name with a value word is the value, else one with a key word the key.
KEY_WORDS = frozenset(
    ("key", "label", "name", "question", "field", "title", "attribute", "caption", "prompt")
)
VALUE_WORDS = frozenset(
    ("value", "answer", "content", "response", "entry", "filled", "reply", "input")
)
NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _page_pairs(page: PageContent, tables: list[FormTable] | None = None) -> list[KeyValuePair]:
    pairs, lines, word_height = rule_pass(page, tables)
    learned = learned_pairs(page.number, lines, pairs, word_height)
    return pairs if learned is None else learned


def rule_pass(
    page: PageContent, tables: list[FormTable] | None = None
) -> tuple[list[KeyValuePair], list[list[Unit]], float]:
    """The rules' pairs of a page, its units (each with the role the rules gave it) and its
    median word height: the learned linker reads them as features."""
    layout = analyze_page(page)
    lines = page_units(layout)
    for units in lines:
        if units and units[-1].y0 < FAX_BAND and FAX_TIME.search(" ".join(u.text for u in units)):
            # "06/29/94 08:25 ... LORILLARD JAX ... 001": the fax machine's transmission line
            for u in units:
                u.role = "other"
    out: list[KeyValuePair] = table_pairs(page.number, lines, tables)
    label_column(lines)
    answers = _reserved_answers(lines)
    _find_keys(lines, answers)
    two_line_keys(lines)
    _bracket_notes(lines)
    out.extend(_key_pairs(page.number, lines, answers))
    out.extend(_empty_labels(page.number, lines, layout.word_height))
    return out, lines, layout.word_height


def _reserved_answers(lines: list[list[Unit]]) -> set[int]:
    """The unit under a colon label with nothing on its right is that label's answer, even
    when it looks like a label before a number ("Facility:" / "The American Co.  0001")."""
    answers = set()
    for units in lines:
        for i, u in enumerate(units):
            nxt = units[i + 1] if i + 1 < len(units) else None
            far_label = nxt is not None and nxt.x0 - u.x1 > FAR_LABEL and label_like_key(nxt)
            if u.colon and u.role == "?" and (nxt is None or nxt.colon or far_label):
                b = unit_below(u, lines)
                if b is not None and not b.colon and not _row_label(b, lines):
                    answers.add(id(b))
    return answers


def _find_keys(lines: list[list[Unit]], answers: set[int]) -> None:
    """Colon units, label-like units followed on their line by a value-like unit, capital
    headings over an answer."""
    for units in lines:
        for i, u in enumerate(units):
            if u.role == "colkey":
                u.role = "key"
                continue
            if u.role != "?":
                continue  # already read as part of a table
            right = units[i + 1] if i + 1 < len(units) else None
            if u.colon or (label_like_key(u) and not name_answer(u, answers)):
                u.role = "key"
                u.weak = not (u.colon or dot_label(u) or (right is not None and value_like(right)))
            elif (
                label_like(u)
                and right is not None
                and not right.colon
                and gap_ok(u, right)
                and (value_like(right) or lexicon_label(u))
                and not DIGIT.search(label_text(u))
                # a bare label-looking text is a key only close to its answer
                and (lexicon_label(u) or right.x0 - u.x1 < FAR_LABEL or numeric(right))
                and id(u) not in answers
            ):
                u.role = "key"
                u.weak = True  # only "a label-looking text before a value": may be a value
            elif (
                right is None
                and (i == 0 or units[i - 1].role == "value")
                and heading_label(u, lines)
            ):
                u.role = "key"
                u.down = True


def _label_row(u: Unit, lines: list[list[Unit]]) -> bool:
    """A label among other labels on its line ("Monday (Y/N)   Tuesday (Y/N)", "Street
    P.O. Box#"): a row of fields, not the answer of the label above."""
    if not label_like(u) or value_like(u):
        return False
    return any(o is not u and label_like(o) and not value_like(o) for o in lines[u.line])


def _row_label(u: Unit, lines: list[list[Unit]]) -> bool:
    """A label followed on its line by a row of figures ("SEX:" / "Male  1.9  (104)  7"): the
    label of a table row, not the answer of the label above it."""
    units = lines[u.line]
    rest = units[units.index(u) + 1 :]
    return (
        label_like(u)
        and not DIGIT.search(u.text)
        and len(rest) >= 2
        and all(table_figure(o) for o in rest[:2])
    )


def _signed_name(key: Unit, below: Unit, lines: list[list[Unit]]) -> bool:
    """A name printed under a signature line ("APPROVED BY: <signature>" / "B. A. SPROULE")
    captions the signature: with something written right of the label, it is not the
    label's answer."""
    if not initials_name(below.text):
        return False
    units = lines[key.line]
    i = units.index(key)
    sign = units[i + 1] if i + 1 < len(units) else None
    # a number far right of "cc:" is the page's stamp, not a signature
    return sign is not None and not numeric(sign) and sign.x0 - key.x1 < SIGNATURE_GAP


def _bracket_notes(lines: list[list[Unit]]) -> None:
    """A colon key whose next line starts with "(…)" under it continues it ("This Change:" /
    "(From Current Budget)"); under a label without colon it is a field label of its own."""
    for units in lines:
        for u in units:
            if u.role != "key" or u.extra_key:
                continue
            nxt = unit_below(u, lines, 1)
            if (
                nxt is not None
                and (nxt.role == "?" or (nxt.role == "key" and not nxt.colon))
                and nxt.text.startswith("(")
                and abs(nxt.x0 - u.x0) < 0.03
            ):
                if u.colon:
                    u.extra_key = list(nxt.words)
                    nxt.role = "other"
                else:  # "THIS AMOUNT" / "(From Next Year's Budget)": a note of its own
                    nxt.role = "key"


def _key_pairs(page: int, lines: list[list[Unit]], answers: set[int]) -> list[KeyValuePair]:
    """Values: right neighbours first (the strongest cue, so a key above cannot take a value
    that sits next to its own label), then in reading order the unit below, then lines that
    wrap, paragraphs and stacked continuations."""
    out: list[KeyValuePair] = []
    figure_rows: list[list[Unit]] = []
    keys = [u for units in lines for u in units if u.role == "key"]
    found: dict[int, Unit] = {}
    for u in keys:
        right = right_of(u, lines) if u.role == "key" else None
        if right is not None:
            found[id(u)] = right
            right.role = "value"
    centre = content_centre(lines)
    for u in keys:
        if u.role != "key":
            continue  # taken as the answer of a key above
        value = found.get(id(u))
        if value is None and (u.colon or u.down or label_like_key(u)):
            below = unit_below(u, lines)
            if (
                below is not None
                and (
                    (below.role == "?" and (id(below) in answers or not label_like_key(below)))
                    or (u.colon and below.role == "key" and below.weak)
                )
                and not (
                    # "YEAR FIVE" over "UNITS": labels lettered alike, one under the other
                    not u.colon
                    and label_like(below)
                    and not value_like(below)
                    and style(below.text) == style(u.text)
                )
                and not _label_row(below, lines)
                and not _signed_name(u, below, lines)
                and not _row_label(below, lines)
            ):
                value = below
                below.role = "value"
        if value is None:
            if not (centred_heading(u, lines, centre) or lead_in(u, lines) or _text_tail(u)):
                out.append(make_pair(page, u, None, 0.4 * u.conf))
            continue
        conf = (0.75 if u.colon else 0.55) * min(u.conf, value.conf)
        out.append(make_pair(page, u, value, conf))
        cells = row_cells(u, value, lines)
        for cell in cells:
            cell.role = "value"
            out.append(make_pair(page, u, cell, conf))
        if cells:
            figure_rows.append([value, *cells])
            continue
        wrapped = wrapped_lines(u, value, lines)
        for extra in wrapped:
            extra.role = "value"
            out.append(make_pair(page, u, extra, 0.8 * conf))
        paragraphs = [] if wrapped or not u.colon else paragraphs_below(u, value, lines)
        for para in paragraphs:
            for x in para:
                x.role = "value"
            merged = Unit([w for x in para for w in x.words], para[0].line)
            out.append(make_pair(page, u, merged, 0.8 * conf))
        extras = [] if wrapped or paragraphs else stacked_below(value, lines, u)
        if extras and (
            is_prose(value)
            or len(value.text.split()) >= 6
            or any(DIGIT.search(x.text) for x in extras)  # an address block
        ):
            # A written paragraph ("COMMENTS: The attached … / was secured …") is one value.
            merged = Unit([w for x in (value, *extras) for w in x.words], value.line)
            out[-1] = make_pair(page, u, merged, conf)
            for extra in extras:
                extra.role = "value"
            continue
        for extra in extras:
            extra.role = "value"
            out.append(make_pair(page, u, extra, 0.8 * conf))
        for name in name_columns(value, extras, lines):
            name.role = "value"
            out.append(make_pair(page, u, name, 0.8 * conf))
    for header, cell in column_headers(figure_rows, lines):
        out.append(make_pair(page, header, cell, 0.5 * min(header.conf, cell.conf)))
    return out


def name_columns(first: Unit, stacked: list[Unit], lines: list[list[Unit]]) -> list[Unit]:
    """A distribution list set in columns ("cc:  A. H. TISCH   G. R. TELFORD / R. H. ORCUTT
    R. G. RYAN ..."): the names right of the first column, on its lines and the line or two
    after it, are values of the same label."""
    column = [first, *stacked]
    if len(column) < 2 or not all(initials_name(x.text) for x in column):
        return []
    out: list[Unit] = []
    h = max(first.height, 0.008)
    last_y = column[-1].y1
    for li in range(first.line, min(len(lines), column[-1].line + 3)):
        names = [
            o for o in lines[li] if o.role == "?" and o.x0 > first.x1 and initials_name(o.text)
        ]
        if li > column[-1].line and (not names or names[0].y0 - last_y > 1.5 * h):
            break
        out.extend(names)
        if names:
            last_y = max(last_y, *(o.y1 for o in names))
    return out


def row_cells(key: Unit, value: Unit, lines: list[list[Unit]]) -> list[Unit]:
    """A row label followed by a run of figures ("Male  2.0  (51)  31  (83)"): every figure
    of the run is a value of the row label, as the first one is. Three figures at least, set
    like table cells (no wide gap); a year ends a date ("March 25, 1968") and a long number
    is a document stamp, not a cell."""
    if value.line != key.line or not table_figure(value):
        return []
    units = lines[key.line]
    out: list[Unit] = []
    prev = value
    for o in units[units.index(value) + 1 :]:
        if o.role != "?" or not table_figure(o) or o.x0 - prev.x1 > FAR_LABEL:
            break
        out.append(o)
        prev = o
    return out if len(out) >= 2 else []


def _empty_labels(page: int, lines: list[list[Unit]], word_height: float) -> list[KeyValuePair]:
    """Short labels left over, with nothing to read as their answer: empty fields."""
    out: list[KeyValuePair] = []
    centre = content_centre(lines)
    if NULL_LABELS:
        for units in lines:
            for u in units:
                if (
                    u.role == "?"
                    and label_like(u)
                    and not DIGIT.search(u.text)
                    and not u.text.endswith("-")  # "Com-": a word broken over two lines
                    and len(u.text.split()) <= NULL_LABELS
                    and word_h(u) < TITLE_RATIO * word_height
                    and not centred_heading(u, lines, centre)
                    and not _text_tail(u)
                    # "(7=Stronger)", "(Indicate N/A If Not Applicable)": a note in brackets
                    # (one under a label is read as a field by _bracket_notes)
                    and not (u.text.startswith("(") and u.text.endswith(")"))
                ):
                    out.append(make_pair(page, u, None, 0.25 * u.conf))
    return out


def _text_tail(u: Unit) -> bool:
    """Words starting in lower case ("completed copy.", "coordinators."): the end of a
    sentence wrapped from the line above, not an empty field's label."""
    return u.text[:1].islower()


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


def name_words(name: str) -> list[str]:
    """The lower-case words of a property name in any casing ("filledValue", "field_label")."""
    return [w.lower() for w in NAME_WORD.findall(name)]


def _find_prop(props: dict, names: tuple[str, ...], other: str | None = None) -> str | None:
    strings = {k: v for k, v in props.items() if k != other and "string" in _prop_types(v)}
    lowered = {k.lower(): k for k in strings}
    for n in names:
        if n in lowered:
            return lowered[n]
    value_side = names is VALUE_NAMES
    for k in strings:  # composed names, in the schema's order
        words = set(name_words(k))
        if value_side and words & VALUE_WORDS:
            return k
        if not value_side and words & KEY_WORDS and not words & VALUE_WORDS:
            return k
    return None


def is_key_value_array(item_schema: dict) -> bool:
    """Whether an array's item schema is a ``{key, value}``-style object (form pairs).

    True when the item is an object with a string "key-like" property (key / label / name /
    question / field, or a name composed with one: "fieldLabel") and a string "value-like" one
    (value / answer / text, or composed: "filledValue"), and at most a few other properties.
    """
    if not isinstance(item_schema, dict):
        return False
    props = item_schema.get("properties") or {}
    if "object" not in _prop_types(item_schema) and not props:
        return False
    if len(props) > 4:
        return False
    kname, vname = _kv_props(props)
    return kname is not None and vname is not None


def _kv_props(props: dict) -> tuple[str | None, str | None]:
    """The key and value properties, two different ones (a value word decides a tie)."""
    vname = _find_prop(props, VALUE_NAMES)
    return _find_prop(props, KEY_NAMES, other=vname), vname


def key_value_names(item_schema: dict) -> tuple[str, str]:
    """The names of a key/value item's key and value properties (the first string property
    called like ``KEY_NAMES`` / ``VALUE_NAMES``, case-insensitively), "key" and "value" when
    it has none."""
    kname, vname = _kv_props(item_schema.get("properties") or {})
    return kname or "key", vname or "value"


def fill_key_value_array(
    pages: list[PageContent], item_schema: dict
) -> tuple[list[dict], dict[str, Citation], dict[str, float]]:
    """Items for a key/value array, with citations and confidences keyed by relative path.

    Paths are relative to the array: ``"[0].key"``, ``"[0].value"``; the caller prefixes them
    with the array's own path. Any other property of the item is set to ``None``.
    """
    props = item_schema.get("properties") or {}
    kname, vname = key_value_names(item_schema)
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
