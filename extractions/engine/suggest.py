"""Propose a JSON Schema from a sample document (``POST /v1/schemas/suggest``).

Every label/value pair found on the pages becomes a property named after its label
(snake_case), typed from its value (dates -> ``format: date``, amounts -> ``number``); a table
with a header row becomes an array of objects with one property per column.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from . import kv, prose
from .types import PageContent

_AMOUNT_RE = re.compile(
    r"^[^\d\-+(]{0,4}[-+(]?\s*\d{1,3}(?:[ ,.'\u00a0]?\d{3})*(?:[.,]\d{1,2})?\)?\s*[^\d]{0,4}$"
)
_INT_RE = re.compile(r"^\d{1,9}$")


def snake_case(label: str) -> str:
    """``"Invoice No.:"`` -> ``"invoice_no"``; accents folded, at most 6 words."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)[:6]
    name = "_".join(words)
    if not name:
        return ""
    if name[0].isdigit():
        name = "field_" + name
    return name


def infer_type(value: str | None) -> dict[str, Any]:
    """The JSON Schema type of a printed value."""
    if value is None:
        return {"type": ["string", "null"]}
    v = value.strip()
    if prose.DATE_RE.fullmatch(v) or _looks_like_date(v):
        return {"type": ["string", "null"], "format": "date"}
    if _INT_RE.match(v) and len(v) <= 4:
        return {"type": ["integer", "null"]}
    if _AMOUNT_RE.match(v) and re.search(r"[.,]\d{2}\)?\s*\D{0,4}$", v):
        return {"type": ["number", "null"]}
    return {"type": ["string", "null"]}


def _looks_like_date(v: str) -> bool:
    m = prose.DATE_RE.search(v)
    return bool(m) and len(v) - (m.end() - m.start()) <= 4


def suggest_schema(pages: list[PageContent]) -> dict[str, Any]:
    """A JSON Schema object proposing one property per labelled value (and per table)."""
    properties: dict[str, Any] = {}
    for pair in kv.extract_pairs(pages):
        name = snake_case(pair.key)
        if not name or name in properties:
            continue
        prop = infer_type(pair.value)
        prop["title"] = pair.key
        prop["description"] = f'Value printed next to "{pair.key}".'
        properties[name] = prop
    return {
        "type": "object",
        "title": "Suggested schema",
        "properties": properties,
        "required": [],
    }
