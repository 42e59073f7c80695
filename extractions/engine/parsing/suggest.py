"""Propose a JSON Schema from a sample document (``POST /v1/schemas/suggest``).

The label/value pairs found on the pages are the candidates: each a property named after its
label (snake_case), typed from its value (dates -> ``format: date``, amounts -> ``number``),
with the printed label kept as ``title`` and ``x-aliases`` so that the schema finds it again.
A line-item table (recognised by its headers: description, quantity, price, amount …) becomes
``line_items``, an array of objects with one property per column; other grids of labels over
values become arrays named after their first column.

A sample prints much that nobody wants as a field (form codes in footers, the end of a sentence
before a colon), so the candidates are filtered, merged and ranked (``ranking``) and at most
``MAX_PROPERTIES`` are proposed, in the order the document prints them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..forms.grid import FormTable
from ..forms.pairs import analyze_form
from ..layout.index import DocIndex
from ..tables.rows import extract_rows
from ..types import KeyValuePair, PageContent
from ..values.amounts import parse_amount
from ..values.dates import find_dates
from .ranking import Candidate, label_words, rank_candidates

# Line-item columns the tables package knows by their headers (EN / FR / DE).
_LINE_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": ["string", "null"], "description": "Article / item code"},
        "description": {"type": ["string", "null"], "description": "Item description"},
        "quantity": {"type": ["number", "null"], "description": "Quantity"},
        "unit_price": {"type": ["number", "null"], "description": "Unit price"},
        "amount": {"type": ["number", "null"], "description": "Line total amount"},
    },
}
# A vertical band of a page: (top, bottom).
Band = tuple[float, float]
MAX_PROPERTIES = 25  # a person reviews each one: more is noise


def snake_case(label: str) -> str:
    """``"Invoice No.:"`` -> ``"invoice_no"``; accents folded, at most 6 words."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)[:6]
    name = "_".join(words)
    if name and name[0].isdigit():
        name = "field_" + name
    return name


def infer_type(value: str | None) -> dict[str, Any]:
    """The JSON Schema type of a printed value (always nullable: a later document may lack it)."""
    if value is None or not value.strip():
        return {"type": ["string", "null"]}
    v = value.strip()
    dates = find_dates(v)
    if dates and len(v) - len(dates[0].text) <= 3 and len(dates) == 1:
        return {"type": ["string", "null"], "format": "date"}
    if re.fullmatch(r"[-+]?\d{1,6}", v) and not v.startswith("0"):
        return {"type": ["integer", "null"]}
    # Amounts: a number with decimals or a currency, and (almost) nothing else.
    if parse_amount(v) is not None and re.fullmatch(
        r"[^\w]{0,3}[A-Z]{0,3}\s?[-+(]?[\d\s.,'\u00a0]*\d[.,]\d{2}\)?\s?[A-Z€$£%]{0,3}", v
    ):
        return {"type": ["number", "null"]}
    return {"type": ["string", "null"]}


def _unique(name: str, used: set[str]) -> str:
    if name not in used:
        return name
    i = 2
    while f"{name}_{i}" in used:
        i += 1
    return f"{name}_{i}"


def _line_items(pages: list[PageContent]) -> tuple[dict[str, Any] | None, dict[int, Band]]:
    """``line_items`` when a line-item table is on the pages, with the columns it has, and
    the band of each page the table covers (its header row included)."""
    rows = extract_rows(DocIndex(pages), _LINE_ITEM_SCHEMA)
    if not rows:
        return None, {}
    cols = [name for name in _LINE_ITEM_SCHEMA["properties"] if any(name in r for r in rows)]
    if len(cols) < 2:
        return None, {}
    words = [w for row in rows for found in row.values() for w in found.words]
    bands: dict[int, Band] = {}
    for page in {w.page for w in words}:
        on_page = [w for w in words if w.page == page]
        height = max(w.y1 - w.y0 for w in on_page)
        top = min(w.y0 for w in on_page) - 2.5 * height  # the header row above the first
        bands[page] = (top, max(w.y1 for w in on_page))
    prop = {
        "type": ["array", "null"],
        "title": "Line items",
        "description": "One object per row of the line-item table.",
        "items": {
            "type": "object",
            "properties": {c: dict(_LINE_ITEM_SCHEMA["properties"][c]) for c in cols},
        },
    }
    return prop, bands


def _in_table(pair: KeyValuePair, bands: dict[int, Band]) -> bool:
    """A pair read inside the line-item table: a header over a cell, or a cell next to one."""
    band = bands.get(pair.page)
    if band is None or not pair.key_words:
        return False
    middle = sum((w.y0 + w.y1) / 2 for w in pair.key_words) / len(pair.key_words)
    return band[0] <= middle <= band[1]


def _grid_property(table: FormTable) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for header in table.headers:
        name = snake_case(header)
        if not name or name in props:
            continue
        values = [r[header] for r in table.rows if r.get(header)]
        types = {tuple(infer_type(v)["type"]) for v in values}
        prop = infer_type(values[0]) if len(types) == 1 and values else {"type": ["string", "null"]}
        prop["title"] = header
        props[name] = prop
    return {
        "type": ["array", "null"],
        "title": " / ".join(table.headers[:3]),
        "description": "One object per row of the table with these column headers.",
        "items": {"type": "object", "properties": props},
    }


def _candidates(
    pairs: list[KeyValuePair], grid_headers: set[str], table: dict[int, Band]
) -> list[Candidate]:
    out: list[Candidate] = []
    for order, pair in enumerate(pairs):
        if pair.key in grid_headers or _in_table(pair, table):
            continue
        label = label_words(pair.key)
        name = snake_case(label)
        if not name:
            continue
        prop = infer_type(pair.value)
        out.append(
            Candidate(
                name=name,
                label=label,
                value=pair.value,
                page=pair.page,
                order=order,
                typed=prop["type"][0] != "string" or "format" in prop,
                prop=prop,
            )
        )
    return out


def suggest_schema(pages: list[PageContent]) -> dict[str, Any]:
    """A JSON Schema object proposing the fields a person would name (at most
    ``MAX_PROPERTIES``, tables included), in the document's order."""
    pairs, tables = analyze_form(pages)
    grid_headers = {h for t in tables for h in t.headers}
    items, item_bands = _line_items(pages)
    arrays: dict[str, Any] = {}
    if items is not None:
        arrays["line_items"] = items
    else:
        for table in tables[:3]:
            name = snake_case(table.headers[0]) or "table"
            arrays[_unique(f"{name}_rows", set(arrays))] = _grid_property(table)

    ranked = rank_candidates(
        _candidates(pairs, grid_headers, item_bands),
        page_count=len(pages),
        limit=max(0, MAX_PROPERTIES - len(arrays)),
    )
    properties: dict[str, Any] = {}
    for cand in ranked:
        prop = dict(cand.prop)
        prop["title"] = cand.label
        prop["description"] = f'The value printed next to "{cand.label}".'
        prop["x-aliases"] = list(cand.aliases)
        properties[cand.name] = prop
    for name, prop in arrays.items():
        properties[_unique(name, set(properties))] = prop
    return {
        "type": "object",
        "title": "Suggested schema",
        "description": "Proposed from a sample document; review names and types before saving.",
        "properties": properties,
    }
