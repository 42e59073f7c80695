"""Evidence features of every non-null leaf of a result, for the confidence calibrator.

Each feature is cheap (one pass over the leaves, one over the words per cited box) and
general: nothing here knows a field's meaning, only its schema type, its value, its
citation and how it relates arithmetically to the other values of the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from ..forms.pairs import is_key_value_array, key_value_names
from ..types import CHOICE_EVIDENCE, Citation, PageContent, Word
from ..values.checks import (
    lines_sum_to_total,
    net_plus_tax_equals_gross,
    quantity_times_unit_price,
)
from ..values.dates import date_order_counts, find_dates
from .evidence import (
    CELL_FEATURES,
    NO_CELL,
    NO_PAIR,
    PAIR_FEATURES,
    cell_evidence,
    column_stats,
    pair_leaf_evidence,
    path_node,
    path_value,
    stems,
)

# Leaf kinds, reported apart by the evaluation (a table cell and a header field are right
# for different reasons).
SCALAR, CELL, PAIR_KEY, PAIR_VALUE, LIST_ITEM = "scalar", "cell", "pair_key", "pair_value", "item"
KINDS = (SCALAR, CELL, PAIR_KEY, PAIR_VALUE, LIST_ITEM)

FEATURE_NAMES: tuple[str, ...] = (
    "raw",
    "kind_scalar",
    "kind_cell",
    "kind_pair_key",
    "kind_pair_value",
    "kind_item",
    "type_number",
    "type_date",
    "type_boolean",
    "type_enum",
    "chars",
    "tokens",
    "digit_share",
    "upper_share",
    "cited_by_parser",
    "unlocated",
    "page_ocr",
    "ocr_mean",
    "ocr_min",
    "printed_as_given",
    "occurrences",
    "y_center",
    "x_center",
    "box_height",
    "page_position",
    "label_overlap",
    "scalars_filled",
    "balances",
    "amounts",
    "row_filled",
    "rows",
    "row_product_ok",
    "column_sums_to_amount",
    "date_plausible",
    "list_position",
    "pair_dx",
    "pair_dy",
    "key_colon",
    "list_length",
    # how the parsing step chose a scalar (``types.CHOICE_EVIDENCE``; -1 for other leaves)
    *CHOICE_EVIDENCE,
    "lines_sum",
    "cents_printed",
    "negative",
    "date_ambiguous",
    "date_order_agrees",
    "same_date_elsewhere",
    "odd_characters",
    "cut_start",
    "balance_state",
    *PAIR_FEATURES,
    *CELL_FEATURES,
)

_ISO_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}$")
_MAX_TEXT = 80  # longer values (addresses, clauses) are compared on their start


@dataclass(slots=True)
class Leaf:
    path: str
    value: Any
    kind: str
    node: dict[str, Any]  # the leaf's schema node
    field: str  # the top-level field (or the list's column) it belongs to
    row: int | None  # row index inside a list of objects
    list_path: str = ""  # the path of that list


_NOT_ALNUM_ASCII = re.compile(r"[^0-9a-z]+")


def fold(text: Any) -> str:
    """Case, accents, punctuation and spaces folded: how a value compares with page text."""
    text = str(text)
    if text.isascii():  # most values: no accents to take apart
        return _NOT_ALNUM_ASCII.sub("", text.lower())
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum())


def leaves_of(data: Any, schema: dict[str, Any]) -> list[Leaf]:
    """Every non-null leaf with its kind and schema node; list targets (per page, per row)
    are walked item by item with the same schema."""
    out: list[Leaf] = []
    if isinstance(data, list):
        for i, item in enumerate(data):
            _walk_object(item, schema, f"[{i}]", out)
    else:
        _walk_object(data, schema, "", out)
    return out


def _walk_object(data: Any, schema: dict[str, Any], prefix: str, out: list[Leaf]) -> None:
    if not isinstance(data, dict):
        return
    props = schema.get("properties") or {}
    for key, value in data.items():
        if value is None:
            continue
        node = props.get(key) or {}
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, list):
            items = node.get("items") or {}
            if any(isinstance(v, dict) for v in value):
                pairs = is_key_value_array(items)
                kname, vname = key_value_names(items) if pairs else ("", "")
                item_props = items.get("properties") or {}
                for i, row in enumerate(value):
                    if not isinstance(row, dict):
                        continue
                    for col, cell in row.items():
                        if cell is None or isinstance(cell, dict | list):
                            continue
                        kind = CELL
                        if pairs:
                            kind = (
                                PAIR_KEY if col == kname else PAIR_VALUE if col == vname else CELL
                            )
                        out.append(
                            Leaf(
                                f"{path}[{i}].{col}",
                                cell,
                                kind,
                                item_props.get(col) or {},
                                col,
                                i,
                                path,
                            )
                        )
            else:
                for i, item in enumerate(value):
                    if item is not None and not isinstance(item, dict | list):
                        out.append(Leaf(f"{path}[{i}]", item, LIST_ITEM, items, key, i, path))
        elif isinstance(value, dict):
            _walk_object(value, node, path, out)
        else:
            out.append(Leaf(path, value, SCALAR, node, key, None))


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("type")
    return set(t) if isinstance(t, list) else {t} if t else set()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


class _PageWords:
    """Words of the document by page, for the OCR confidence of a cited box, the value's
    repetitions on its page and the label words before it. Per-page text and word stems are
    built on first use: a 100-page table cites thousands of cells."""

    def __init__(self, pages: Sequence[PageContent]) -> None:
        self.by_page: dict[int, list[Word]] = {p.number: p.words for p in pages}
        self.source: dict[int, str] = {p.number: p.source for p in pages}
        heights = sorted(w.y1 - w.y0 for p in pages for w in p.words[:400])
        self.median_height = heights[len(heights) // 2] if heights else 0.01
        self._text: dict[int, str] = {}
        self._stems: dict[int, list[tuple[Word, set[str]]]] = {}

    def text(self, page: int) -> str:
        if page not in self._text:
            self._text[page] = "".join(fold(w.text) for w in self.by_page.get(page) or [])
        return self._text[page]

    def stemmed(self, page: int) -> list[tuple[Word, set[str]]]:
        if page not in self._stems:
            self._stems[page] = [(w, stems(w.text)) for w in self.by_page.get(page) or []]
        return self._stems[page]

    def ocr(self, cit: Citation) -> tuple[float, float]:
        words = self.by_page.get(cit.page) or []
        x0, y0, x1, y1 = cit.bbox
        if x1 - x0 >= 0.99 and y1 - y0 >= 0.99:  # a whole-page citation says nothing
            return 0.0, 0.0
        if self.source.get(cit.page) == "text":  # a text layer's words are all certain
            return 1.0, 1.0
        confs = [w.confidence for w in words if w.x0 < x1 and w.x1 > x0 and w.y0 < y1 and w.y1 > y0]
        if not confs:
            return 0.0, 0.0
        return sum(confs) / len(confs), min(confs)


def _balances(value: float, others: list[float]) -> bool:
    """``value`` is the sum of two other amounts, or one of two addends of a third."""
    if value == 0:
        return False
    for a, b in permutations(others, 2):
        if net_plus_tax_equals_gross(net=a, tax=b, gross=value).ok:
            return True
        if net_plus_tax_equals_gross(net=value, tax=a, gross=b).ok:
            return True
    return False


def _row_product_ok(row: dict[str, Any]) -> float:
    """1 when some three numbers of the row read as quantity × price = amount, 0 when the row
    has three numbers and none do, -1 when it has fewer."""
    nums = [v for v in (_number(x) for x in row.values()) if v is not None][:6]
    if len(nums) < 3:
        return -1.0
    for q, p, a in permutations(nums, 3):
        if q and p and quantity_times_unit_price(quantity=q, unit_price=p, amount=a).ok:
            return 1.0
    return 0.0


def leaf_features(
    *,
    schema: dict[str, Any],
    data: Any,
    citations: dict[str, Citation],
    raw_confidence: dict[str, float],
    cited_by_parser: set[str],
    pages: Sequence[PageContent],
    kinds: Collection[str] | None = None,
    evidence: dict[str, dict[str, float]] | None = None,
) -> tuple[list[Leaf], list[list[float]]]:
    """The leaves of ``data`` (only those of ``kinds`` when given) and one feature row per
    leaf (``FEATURE_NAMES`` order); ``evidence`` is the parsing step's, per leaf path
    (``FillResult.evidence``)."""
    evidence = evidence or {}
    # the document-level evidence (amounts, line-item columns) comes from every leaf, whatever
    # kinds are asked for: a header total is checked against the cells it is not asked about
    every = leaves_of(data, schema)
    leaves = [lf for lf in every if lf.kind in kinds] if kinds is not None else every
    if not leaves:
        return leaves, []
    words = _PageWords(pages)
    n_pages = max(1, len(pages))
    first_page = pages[0].number if pages else 1

    scalars = [lf for lf in every if lf.kind == SCALAR]
    scalar_props = [
        k
        for k, v in (schema.get("properties") or {}).items()
        if isinstance(v, dict) and not ({"array", "object"} & _types(v))
    ]
    scalars_filled = len(scalars) / max(1, len(scalar_props))
    amounts = [v for v in (_number(lf.value) for lf in scalars) if v is not None]
    scalar_dates = [lf.value for lf in scalars if isinstance(lf.value, str)]
    scalar_dates = [v for v in scalar_dates if _ISO_DATE.match(v)]
    order: tuple[int, int] | None = None  # the document's unambiguous d/m and m/d dates

    # rows of each list of objects, and which column sums equal a scalar amount
    rows: dict[str, list[dict[str, Any]]] = {}
    for lf in every:
        if lf.row is not None and lf.kind == CELL:
            rows.setdefault(lf.list_path, [])
    for list_path in rows:
        value = path_value(data, list_path)
        rows[list_path] = (
            [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        )
    column_sum_ok: dict[tuple[str, str], bool] = {}
    row_product: dict[tuple[str, int], float] = {}
    column_sums: list[list[Any]] = []  # every numeric column of every list
    columns_of: dict[str, dict[str, tuple[float, float, float]]] = {}
    pair_lists: dict[Any, Any] = {}
    want_cells = any(lf.kind == CELL for lf in leaves)
    for list_path, items in rows.items():
        columns = {k for r in items for k, v in r.items() if _number(v) is not None}
        for col in columns:
            col_values = [r.get(col) for r in items if r.get(col) is not None]
            column_sums.append(col_values)
            column_sum_ok[(list_path, col)] = any(
                lines_sum_to_total(line_amounts=col_values, total=t).ok for t in amounts
            )
        if want_cells:  # the costly part on a long table, for cells only
            for i, r in enumerate(items):
                row_product[(list_path, i)] = _row_product_ok(r)
            columns_of[list_path] = column_stats(
                list_path, items, citations, words.by_page, words.median_height
            )

    matrix: list[list[float]] = []
    item_props_of: dict[str, Any] = {}
    list_length_of: dict[str, int] = {}
    for lf in leaves:
        node_types = _types(lf.node)
        value = lf.value
        text = str(value)
        cit = citations.get(lf.path)
        folded = fold(text)[:_MAX_TEXT]
        ocr_mean = ocr_min = 1.0
        y_c = x_c = height = 0.0
        unlocated = 1.0
        printed = 0.0
        page_ocr = 0.0
        page_pos = 0.0
        if cit is not None and cit.text:
            unlocated = 0.0
            ocr_mean, ocr_min = words.ocr(cit)
            x0, y0, x1, y1 = cit.bbox
            y_c, x_c = (y0 + y1) / 2, (x0 + x1) / 2
            height = min(10.0, (y1 - y0) / max(1e-4, words.median_height))
            printed = 1.0 if folded and folded in fold(cit.text) else 0.0
            page_ocr = 1.0 if words.source.get(cit.page) == "ocr" else 0.0
            page_pos = (cit.page - first_page) / n_pages
        num = _number(value)
        list_path = lf.list_path
        row_items = rows.get(list_path) or []
        row_dict = row_items[lf.row] if lf.row is not None and lf.row < len(row_items) else {}
        if list_path not in item_props_of:
            node = path_node(schema, list_path) or {}
            item_props_of[list_path] = (node.get("items") or {}).get("properties")
            list_length_of[list_path] = len(path_value(data, list_path) or []) if list_path else 0
        item_props = item_props_of[list_path]
        n_cols = len(item_props or row_dict) or 1
        iso = _ISO_DATE.match(text) if isinstance(value, str) else None
        year = int(iso.group(1)) if iso else 0
        letters = [c for c in text if c.isalpha()]
        ambiguous, agrees = -1.0, -1.0
        if iso:
            ambiguous, reading = _date_reading(text, cit)
            if ambiguous == 1.0:
                if order is None:
                    order = date_order_counts(
                        [" ".join(w.text for w in ws) for ws in words.by_page.values()]
                    )
                agrees = _order_agrees(reading, order)
        matrix.append(
            [
                float(raw_confidence.get(lf.path, 0.5)),
                float(lf.kind == SCALAR),
                float(lf.kind == CELL),
                float(lf.kind == PAIR_KEY),
                float(lf.kind == PAIR_VALUE),
                float(lf.kind == LIST_ITEM),
                float(bool({"number", "integer"} & node_types) or num is not None),
                float(lf.node.get("format") in ("date", "date-time") or iso is not None),
                float(isinstance(value, bool)),
                float("enum" in lf.node),
                float(min(len(text), 200)),
                float(min(len(text.split()), 40)),
                sum(c.isdigit() for c in text) / max(1, len(text)),
                sum(c.isupper() for c in letters) / max(1, len(letters)),
                float(lf.path in cited_by_parser),
                unlocated,
                page_ocr,
                ocr_mean,
                ocr_min,
                printed,
                _occurrences(folded, cit, words),
                y_c,
                x_c,
                height,
                page_pos,
                _label_overlap(lf, cit, words),
                scalars_filled,
                float(
                    lf.kind == SCALAR and num is not None and _balances(num, _others(amounts, num))
                ),
                float(min(len(amounts), 20)),
                sum(1 for v in row_dict.values() if v not in (None, "")) / n_cols
                if row_dict
                else 0.0,
                float(min(len(row_items), 100)),
                row_product.get((list_path, lf.row), -1.0) if lf.row is not None else -1.0,
                float(column_sum_ok.get((list_path, lf.field), False)),
                float(1990 <= year <= 2040) if iso else -1.0,
                float(min(lf.row, 100)) if lf.row is not None else -1.0,
                *_pair_geometry(lf, row_dict, citations),
                float(min(list_length_of[list_path], 100)) if list_path else -1.0,
                *_choice(evidence.get(lf.path), lf.kind),
                _lines_sum(num, column_sums) if lf.kind == SCALAR else 0.0,
                _cents_printed(num, cit),
                float(num < 0) if num is not None else -1.0,
                ambiguous,
                agrees,
                float(min(scalar_dates.count(text) - 1, 3)) if lf.kind == SCALAR and iso else -1.0,
                float(min(len(_ODD.findall(text)), 5)) if num is None and not iso else -1.0,
                float(bool(_CUT_START.match(text))) if num is None and not iso else -1.0,
                _balance_state(lf.kind, num, amounts),
                *(
                    pair_leaf_evidence(
                        lf.list_path,
                        lf.row,
                        data,
                        schema,
                        citations,
                        words.by_page,
                        words.source,
                        words.median_height,
                        pair_lists,
                        raw_confidence,
                    )
                    if lf.kind in (PAIR_KEY, PAIR_VALUE) and lf.row is not None
                    else NO_PAIR
                ),
                *(
                    cell_evidence(
                        value, lf.row, len(row_items), columns_of.get(list_path, {}).get(lf.field)
                    )
                    if lf.kind == CELL and lf.row is not None
                    else NO_CELL
                ),
            ]
        )
    return leaves, matrix


def _balance_state(kind: str, value: float | None, amounts: list[float]) -> float:
    """For a header amount among three or more: 1 when it balances with two others (net +
    tax = gross), -1 when it does not (then it, or another amount, is misread or the wrong
    one), 0 with fewer than three amounts or for other values. Ordered so that more
    evidence is higher (the trainer keeps the model monotone in it)."""
    if kind != SCALAR or value is None or len(amounts) < 3:
        return 0.0
    return 1.0 if _balances(value, _others(amounts, value)) else -1.0


def _date_reading(value: str, cit: Citation | None) -> tuple[float, str]:
    """Whether the printed date behind an ISO value reads both day-first and month-first
    (03/08/20), and which reading the value took ("dmy", "mdy"); (0, "") for a date
    printed unambiguously, (-1, "") when no printed date gives the value."""
    if cit is None or not cit.text:
        return -1.0, ""
    seen = False
    for d in find_dates(cit.text):
        dmy, mdy = d.iso("dmy"), d.iso("mdy")
        if value not in (dmy, mdy):
            continue
        seen = True
        if d.ambiguous:
            return 1.0, "dmy" if value == dmy else "mdy"
    return (0.0, "") if seen else (-1.0, "")


def _order_agrees(reading: str, order: tuple[int, int]) -> float:
    """1 when the document's unambiguous dates (13/02/20 is day-first) show the order an
    ambiguous date was read in, 0 when they show the other, -1 when they show neither or
    both."""
    dmy, mdy = order
    if not reading or (dmy > 0) == (mdy > 0):
        return -1.0
    shown = "dmy" if dmy > 0 else "mdy"
    return float(shown == reading)


# an OCR slip inside a word ("JA:AN", "SE_ANGO", "LJAN"): a letter, a character no name
# prints, a letter; or a lower-case letter between capitals
_ODD = re.compile(r"[A-Za-z][^A-Za-z0-9\s.,&'/()\-][A-Za-z]|[A-Z][a-z](?=[A-Z]{2})|_")
# a name whose first word starts lower-case while the rest is capitalised: its start was
# cut off ("bang Alaf Restaurants")
_CUT_START = re.compile(r"^[a-z]+\b.*[A-Z]")


_NO_CHOICE = [-1.0] * len(CHOICE_EVIDENCE)


def _choice(found: dict[str, float] | None, kind: str) -> list[float]:
    """The parsing step's choice evidence; a scalar without any (a bare checkout's rules, a
    fact from running text) reads as chosen by the rules alone."""
    if found is None:
        return [0.0, *_NO_CHOICE[1:]] if kind == SCALAR else _NO_CHOICE
    return [float(found.get(name, -1.0)) for name in CHOICE_EVIDENCE]


def _lines_sum(value: float | None, column_sums: list[list[Any]]) -> float:
    """1 when some numeric column of the document's line items adds up to this amount, -1
    when there are such columns and none does, 0 when there are none (or no amount): the
    more evidence, the higher (the trainer keeps the model monotone in it)."""
    if value is None or not column_sums:
        return 0.0
    ok = any(lines_sum_to_total(line_amounts=col, total=value).ok for col in column_sums)
    return 1.0 if ok else -1.0


_CENTS = re.compile(r"\d[.,]\d{2}(?!\d)")


def _cents_printed(value: float | None, cit: Citation | None) -> float:
    """For an amount: 1 when its cited text prints cents ("12.50"), the way money is
    printed, 0 when it does not (a count, a year, a fragment of an id read as a number);
    -1 for other values."""
    if value is None or cit is None or not cit.text:
        return -1.0
    return float(bool(_CENTS.search(cit.text)))


def _occurrences(folded: str, cit: Citation | None, words: _PageWords) -> float:
    """How often the value's text is printed on its page (at most 10)."""
    if cit is None or not cit.text or len(folded) < 2:
        return 0.0
    return float(min(words.text(cit.page).count(folded), 10))


def _label_overlap(leaf: Leaf, cit: Citation | None, words: _PageWords) -> float:
    """Share of the field name's stems printed just before the value: on its line to its
    left, or on the line above it. The parsing step reads labels its own way (concepts,
    synonyms); this is the plain evidence that a page names what the schema names, which
    is what a customer's own field has to go on. Scalars only: a cell's label is its
    column header, read by the table step."""
    if cit is None or not cit.text or leaf.kind != SCALAR:
        return -1.0
    wanted = stems(leaf.field)
    if not wanted:
        return -1.0
    x0, y0, x1, y1 = cit.bbox
    h = max(y1 - y0, 1e-3)
    near: set[str] = set()
    for w, word_stems in words.stemmed(cit.page):
        if not word_stems:
            continue
        same_line = w.y0 < y1 and w.y1 > y0 and w.x1 <= x0 + h and x0 - w.x1 < 0.5
        above = y0 - 2.5 * h <= w.y1 <= y0 + 0.2 * h and w.x1 > x0 - 0.15 and w.x0 < x1 + 0.15
        if same_line or above:
            near |= word_stems
    return len(wanted & near) / len(wanted)


def _pair_geometry(
    leaf: Leaf, row: dict[str, Any], citations: dict[str, Citation]
) -> tuple[float, float, float]:
    """For a form pair's leaves: where its value sits from its key (x and y of the centres,
    page units) and whether the key ends in a colon; (0, 0, -1) for other leaves."""
    if leaf.kind not in (PAIR_KEY, PAIR_VALUE) or not row:
        return 0.0, 0.0, -1.0
    prefix = leaf.path[: leaf.path.rindex(".")]
    keys = [k for k in row if k != leaf.field] if leaf.kind == PAIR_VALUE else [leaf.field]
    values = [leaf.field] if leaf.kind == PAIR_VALUE else [k for k in row if k != leaf.field]
    key_cit = next(
        (citations.get(f"{prefix}.{k}") for k in keys if citations.get(f"{prefix}.{k}")), None
    )
    val_cit = next(
        (citations.get(f"{prefix}.{k}") for k in values if citations.get(f"{prefix}.{k}")), None
    )
    key_text = next((str(row[k]) for k in keys if row.get(k) is not None), "")
    colon = 1.0 if key_text.rstrip().endswith(":") else 0.0
    if key_cit is None or val_cit is None or key_cit.page != val_cit.page:
        return 0.0, 0.0, colon
    kx = (key_cit.bbox[0] + key_cit.bbox[2]) / 2
    ky = (key_cit.bbox[1] + key_cit.bbox[3]) / 2
    vx = (val_cit.bbox[0] + val_cit.bbox[2]) / 2
    vy = (val_cit.bbox[1] + val_cit.bbox[3]) / 2
    return vx - kx, vy - ky, colon


def _others(values: list[float], value: float) -> list[float]:
    out = list(values)
    out.remove(value)
    return out
