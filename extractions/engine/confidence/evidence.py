"""Evidence of a form pair and of a line-item cell, for the confidence calibrator.

A form pair is right only when both its key and its value are: both leaves get the same
evidence of the pairing (how the key looks as a printed label, how the value looks as an
answer, where one sits from the other, how well OCR read each, how many pairs the page
yields and how often the key repeats). A cell gets the evidence of its column: whether the
column's header names it, whether the other cells of the column are of its type, how full
the column is and how far the row is from the table's end.

Nothing here knows a document or a field's meaning: only the text's shape and geometry.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..forms.pairs import key_value_names
from ..forms.units import MARK, Unit, is_label_word, label_like, value_like
from ..types import Citation, Word
from ..values.dates import find_dates

PAIR_FEATURES: tuple[str, ...] = (
    "pair_has_value",
    "key_words",
    "key_caps",
    "key_title",
    "key_label_words",
    "key_printed_colon",
    "key_digit_share",
    "key_label_like",
    "value_chars",
    "value_words",
    "value_digit_share",
    "value_upper_share",
    "value_date",
    "value_mark",
    "value_number",
    "value_label_like",
    "value_looks_value",
    "value_lines",
    "key_lines",
    "pair_gap_x",
    "pair_gap_y",
    "pair_same_line",
    "pair_left_align",
    "key_ocr_min",
    "value_ocr_min",
    "key_ocr_mean",
    "value_ocr_mean",
    "pairs_null_share",
    "pairs_same_key",
    "pair_key_repeat",
    "page_words",
    "page_ocr_mean",
    "key_left_gap",
    "key_right_gap",
    "key_above_gap",
    "value_right_gap",
    "value_below_gap",
    "pairs_raw_mean",
    "pairs_label_words",
    "value_is_a_key",
    "key_is_a_value",
)
CELL_FEATURES: tuple[str, ...] = (
    "cell_header_match",
    "cell_column_agrees",
    "cell_column_filled",
    "cell_rows_after",
)
NO_PAIR = [-1.0] * len(PAIR_FEATURES)
NO_CELL = [-1.0] * len(CELL_FEATURES)

_SPLIT = re.compile(r"[^0-9A-Za-zÀ-ÿ]+|(?<=[a-z])(?=[A-Z])")
_NUMBER = re.compile(r"^[$€£(]?[-+]?(?:\d[\d,. ]*\d|\d)[%)]?$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def stems(text: str) -> set[str]:
    """Lower-cased word stems (the first five letters) of a name, a description or a label:
    ``invoiceDate`` and "Invoice date:" share theirs."""
    return {w[:5].casefold() for w in _SPLIT.split(text) if len(w) >= 2 and not w.isdigit()}


def words_in(words: list[Word], bbox: tuple[float, float, float, float]) -> list[Word]:
    """The words whose centre lies in ``bbox``."""
    x0, y0, x1, y1 = bbox
    return [w for w in words if x0 <= (w.x0 + w.x1) / 2 <= x1 and y0 <= (w.y0 + w.y1) / 2 <= y1]


def _share(text: str, test: Callable[[str], bool]) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(1 for c in chars if test(c)) / len(chars) if chars else 0.0


def _ocr(words: list[Word], source: str) -> tuple[float, float]:
    if source == "text":  # a text layer's words are all certain
        return 1.0, 1.0
    if not words:
        return 0.0, 0.0
    confs = [w.confidence for w in words]
    return sum(confs) / len(confs), min(confs)


_FAR = 40.0  # gaps in word heights are capped here: nothing near


def _neighbour_gaps(
    words: list[Word], bbox: tuple[float, float, float, float], own: list[Word], h: float
) -> tuple[float, float, float, float]:
    """Gaps (in word heights) from a box to the nearest other word left and right of it on
    its line, above and below it in its column: a key or a value cut out of a longer run of
    words, or missing the line that continues it, has a neighbour close by."""
    x0, y0, x1, y1 = bbox
    left = right = above = below = _FAR
    mine = {id(w) for w in own}
    for w in words:
        if id(w) in mine:
            continue
        if min(w.y1, y1) - max(w.y0, y0) > 0.3 * h:  # on the box's line
            if w.x1 <= x0 + 0.2 * h:
                left = min(left, (x0 - w.x1) / h)
            elif w.x0 >= x1 - 0.2 * h:
                right = min(right, (w.x0 - x1) / h)
        elif w.x1 > x0 and w.x0 < x1:  # in the box's column
            if w.y1 <= y0 + 0.2 * h:
                above = min(above, (y0 - w.y1) / h)
            elif w.y0 >= y1 - 0.2 * h:
                below = min(below, (w.y0 - y1) / h)
    return (max(0.0, left), max(0.0, right), max(0.0, above), max(0.0, below))


def _norm(text: Any) -> str:
    return " ".join(str(text or "").lower().split())


def list_stats(
    items: list[dict[str, Any]], kname: str, vname: str, raw: list[float]
) -> dict[str, Any]:
    """What a form's whole list of pairs says: the share of keys without a value, how often
    each key is repeated (a key with values stacked under it, or a junk page), the parsing
    step's mean confidence and the share of label words in the keys (a page read well
    yields labels), and the texts that are some pair's key or value."""
    keys = Counter(_norm(r.get(kname)) for r in items)
    nulls = sum(1 for r in items if r.get(vname) in (None, ""))
    key_words = [w for r in items for w in str(r.get(kname) or "").split()]
    return {
        "null_share": nulls / len(items) if items else 0.0,
        "keys": keys,
        "values": Counter(_norm(r.get(vname)) for r in items if r.get(vname) not in (None, "")),
        "raw_mean": sum(raw) / len(raw) if raw else -1.0,
        "label_words": (
            sum(1 for w in key_words if is_label_word(w)) / len(key_words) if key_words else 0.0
        ),
    }


def pair_evidence(
    row: dict[str, Any],
    row_index: int,
    items: list[dict[str, Any]],
    kname: str,
    vname: str,
    key_cit: Citation | None,
    val_cit: Citation | None,
    page_words: dict[int, list[Word]],
    page_source: dict[int, str],
    median_height: float,
    stats: dict[str, Any],
) -> list[float]:
    """``PAIR_FEATURES`` of the pair ``row`` (the same for its key and its value leaf)."""
    key = str(row.get(kname) or "")
    value = row.get(vname)
    value = None if value in (None, "") else str(value)
    page = key_cit.page if key_cit is not None else val_cit.page if val_cit else 0
    all_words = page_words.get(page) or []
    source = page_source.get(page, "")
    kwords = words_in(all_words, key_cit.bbox) if key_cit is not None else []
    vwords = words_in(all_words, val_cit.bbox) if val_cit is not None and value else []
    h = max(median_height, 1e-3)
    key_words = key.split()
    letters = _WORD.findall(key)
    titled = [w for w in letters if len(w) > 3]
    k_mean, k_min = _ocr(kwords, source)
    v_mean, v_min = _ocr(vwords, source) if value else (-1.0, -1.0)
    key_unit = Unit(kwords, 0) if kwords else None
    val_unit = Unit(vwords, 0) if vwords else None
    gap_x = gap_y = same_line = align = -1.0
    key_lines = value_lines = -1.0
    if key_cit is not None:
        key_lines = min(10.0, (key_cit.bbox[3] - key_cit.bbox[1]) / h)
    if key_cit is not None and val_cit is not None and value and key_cit.page == val_cit.page:
        kx0, ky0, kx1, ky1 = key_cit.bbox
        vx0, vy0, _vx1, vy1 = val_cit.bbox
        value_lines = min(20.0, (vy1 - vy0) / h)
        gap_x = max(-20.0, min(40.0, (vx0 - kx1) / h))
        gap_y = max(-20.0, min(40.0, (vy0 - ky1) / h))
        same_line = float(min(ky1, vy1) - max(ky0, vy0) > 0.3 * h)
        align = min(40.0, abs(vx0 - kx0) / h)
    page_confs = [w.confidence for w in all_words]
    norm_key = _norm(key)
    seen_before = sum(1 for r in items[:row_index] if _norm(r.get(kname)) == norm_key)
    vtext = value or ""
    k_gaps = (
        _neighbour_gaps(all_words, key_cit.bbox, kwords, h) if key_cit is not None else (-1.0,) * 4
    )
    v_gaps = (
        _neighbour_gaps(all_words, val_cit.bbox, vwords, h)
        if val_cit is not None and value
        else (-1.0,) * 4
    )
    return [
        float(value is not None),
        float(min(len(key_words), 20)),
        _share(key, str.isupper) / max(_share(key, str.isalpha), 1e-6) if letters else 0.0,
        sum(1 for w in titled if w[0].isupper()) / len(titled) if titled else -1.0,
        sum(1 for w in key_words if is_label_word(w)) / len(key_words) if key_words else 0.0,
        float(any(w.text.rstrip().endswith((":", "：")) for w in kwords)),
        _share(key, str.isdigit),
        float(label_like(key_unit)) if key_unit is not None else -1.0,
        float(min(len(vtext), 300)) if value else -1.0,
        float(min(len(vtext.split()), 60)) if value else -1.0,
        _share(vtext, str.isdigit) if value else -1.0,
        _share(vtext, str.isupper) / max(_share(vtext, str.isalpha), 1e-6) if value else -1.0,
        float(bool(find_dates(vtext))) if value else -1.0,
        float(bool(MARK.match(vtext.strip()))) if value else -1.0,
        float(bool(_NUMBER.match(vtext.strip()))) if value else -1.0,
        float(label_like(val_unit) and not value_like(val_unit)) if val_unit else -1.0,
        float(value_like(val_unit)) if val_unit else -1.0,
        value_lines,
        key_lines,
        gap_x,
        gap_y,
        same_line,
        align,
        k_min,
        v_min,
        k_mean,
        v_mean,
        float(stats["null_share"]),
        float(min(stats["keys"].get(norm_key, 1), 20)),
        float(min(seen_before, 20)),
        math.log1p(len(all_words)),
        sum(page_confs) / len(page_confs) if page_confs and source != "text" else 1.0,
        k_gaps[0],
        k_gaps[1],
        k_gaps[2],
        v_gaps[1],
        v_gaps[3],
        float(stats["raw_mean"]),
        float(stats["label_words"]),
        float(bool(value) and stats["keys"].get(_norm(value), 0) > 0) if value else -1.0,
        float(stats["values"].get(norm_key, 0) > 0),
    ]


def column_stats(
    list_path: str,
    items: list[dict[str, Any]],
    citations: dict[str, Citation],
    page_words: dict[int, list[Word]],
    median_height: float,
) -> dict[str, tuple[float, float, float]]:
    """Per column of a list of objects: the share of its name's stems printed above its
    first cited cell (the header names it), the share of its cells that are numbers and the
    share of rows that fill it."""
    out: dict[str, tuple[float, float, float]] = {}
    columns = {k for r in items for k in r}
    h = max(median_height, 1e-3)
    for col in columns:
        values = [r.get(col) for r in items]
        filled = [v for v in values if v not in (None, "")]
        numbers = sum(1 for v in filled if isinstance(v, int | float) and not isinstance(v, bool))
        cits = [citations.get(f"{list_path}[{i}].{col}") for i in range(len(items))]
        cits = [c for c in cits if c is not None and c.text]
        header = -1.0
        wanted = stems(col)
        if cits and wanted:
            first = min(cits, key=lambda c: (c.page, c.bbox[1]))
            same = [c for c in cits if c.page == first.page]
            x0 = min(c.bbox[0] for c in same) - h
            x1 = max(c.bbox[2] for c in same) + h
            top = first.bbox[1]
            near: set[str] = set()
            for w in page_words.get(first.page) or []:
                if top - 8 * h <= w.y1 <= top + 0.2 * h and w.x1 > x0 and w.x0 < x1:
                    near |= stems(w.text)
            header = len(wanted & near) / len(wanted)
        out[col] = (
            header,
            numbers / len(filled) if filled else 0.0,
            len(filled) / len(values) if values else 0.0,
        )
    return out


def cell_evidence(
    value: Any, row: int, n_rows: int, column: tuple[float, float, float] | None
) -> list[float]:
    """``CELL_FEATURES`` of one cell given its column's ``column_stats``."""
    if column is None:
        return NO_CELL
    header, number_share, filled = column
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    agrees = number_share if is_number else 1.0 - number_share
    return [header, agrees, filled, float(min(n_rows - 1 - row, 100))]


def pair_leaf_evidence(
    list_path: str,
    row: int,
    data: Any,
    schema: dict[str, Any],
    citations: dict[str, Citation],
    page_words: dict[int, list[Word]],
    page_source: dict[int, str],
    median_height: float,
    cache: dict[Any, Any],
    raw_confidence: dict[str, float],
) -> list[float]:
    """``PAIR_FEATURES`` of a leaf of pair ``row`` of the list at ``list_path``; ``cache``
    keeps each list's items and ``list_stats`` between its leaves, and each pair's evidence
    for its other leaf."""
    if list_path not in cache:
        value = path_value(data, list_path)
        items = [r if isinstance(r, dict) else {} for r in value or []]
        node = (path_node(schema, list_path) or {}).get("items") or {}
        kname, vname = key_value_names(node)
        raw = [raw_confidence.get(f"{list_path}[{i}].{kname}", 0.5) for i in range(len(items))]
        cache[list_path] = (items, kname, vname, list_stats(items, kname, vname, raw))
    items, kname, vname, stats = cache[list_path]
    if row >= len(items):
        return NO_PAIR
    if (list_path, row) in cache:  # the pair's other leaf asked already
        return cache[(list_path, row)]
    prefix = f"{list_path}[{row}]"
    cache[(list_path, row)] = pair_evidence(
        items[row],
        row,
        items,
        kname,
        vname,
        citations.get(f"{prefix}.{kname}"),
        citations.get(f"{prefix}.{vname}"),
        page_words,
        page_source,
        median_height,
        stats,
    )
    return cache[(list_path, row)]


def path_value(data: Any, path: str) -> Any:
    """The value at a path made of keys and ``[i]`` indexes."""
    cur = data
    for part in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = part
        if index:
            i = int(index)
            cur = cur[i] if isinstance(cur, list) and i < len(cur) else None
        else:
            cur = cur.get(key) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def path_node(schema: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The schema node of a path (list indexes skipped: items share the item schema)."""
    node: dict[str, Any] | None = schema
    for part in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = part
        if node is None:
            return None
        if index:
            continue
        node = (node.get("properties") or {}).get(key)
    return node
