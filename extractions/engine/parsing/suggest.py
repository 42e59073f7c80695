"""Propose a JSON Schema from a sample document (``POST /v1/schemas/suggest``).

Every label/value pair found on the pages becomes a property named after its label
(snake_case), typed from its value (dates -> ``format: date``, amounts -> ``number``), with the
printed label kept as ``title`` and ``x-aliases`` so that the schema finds it again. A line-item
table (recognised by its headers: description, quantity, price, amount …) becomes
``line_items``, an array of objects with one property per column; other grids of labels over
values become arrays named after their first column.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..forms.grid import FormTable
from ..forms.pairs import analyze_form
from ..layout.index import DocIndex
from ..tables.rows import extract_rows
from ..types import PageContent
from ..values.amounts import parse_amount
from ..values.dates import find_dates

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
MAX_PROPERTIES = 60


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


def _line_items(pages: list[PageContent]) -> dict[str, Any] | None:
    """``line_items`` when a line-item table is on the pages, with the columns it has."""
    rows = extract_rows(DocIndex(pages), _LINE_ITEM_SCHEMA)
    if not rows:
        return None
    cols = [name for name in _LINE_ITEM_SCHEMA["properties"] if any(name in r for r in rows)]
    if len(cols) < 2:
        return None
    return {
        "type": ["array", "null"],
        "title": "Line items",
        "description": "One object per row of the line-item table.",
        "items": {
            "type": "object",
            "properties": {c: dict(_LINE_ITEM_SCHEMA["properties"][c]) for c in cols},
        },
    }


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


def suggest_schema(pages: list[PageContent]) -> dict[str, Any]:
    """A JSON Schema object proposing one property per labelled value, and per table."""
    pairs, tables = analyze_form(pages)
    grid_headers = {h for t in tables for h in t.headers}
    properties: dict[str, Any] = {}
    for pair in pairs:
        if pair.key in grid_headers or len(properties) >= MAX_PROPERTIES:
            continue
        name = snake_case(pair.key)
        if not name or name in properties:
            continue
        prop = infer_type(pair.value)
        prop["title"] = pair.key
        prop["description"] = f'The value printed next to "{pair.key}".'
        prop["x-aliases"] = [pair.key]
        properties[name] = prop

    items = _line_items(pages)
    if items is not None:
        properties[_unique("line_items", set(properties))] = items
    else:
        for table in tables:
            name = snake_case(table.headers[0]) or "table"
            properties[_unique(f"{name}_rows", set(properties))] = _grid_property(table)
    return {
        "type": "object",
        "title": "Suggested schema",
        "description": "Proposed from a sample document; review names and types before saving.",
        "properties": properties,
    }
