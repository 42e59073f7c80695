"""Result downloads of the dashboard: a file name stem and a CSV table of an output."""

from __future__ import annotations

import os
from typing import Any

from extractions.exports.layout import flat_fields
from extractions.exports.writers import csv_cell


def stem(filename: str) -> str:
    base = os.path.splitext(os.path.basename(filename or ""))[0]
    return base or "document"


def _object_lists(flat: dict[str, Any]) -> list[str]:
    return [
        k
        for k, v in flat.items()
        if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)
    ]


def _schema_order(schema: Any, prefix: str = "") -> list[str]:
    """Leaf paths in the schema's order (the stored output's key order is not reliable:
    PostgreSQL's jsonb sorts object keys)."""
    out: list[str] = []
    props = schema.get("properties") if isinstance(schema, dict) else None
    for name, spec in (props or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.append(path)
        if isinstance(spec, dict):
            out.extend(_schema_order(spec, path))
            items = spec.get("items")
            if isinstance(items, dict):
                out.extend(_schema_order(items, path))
    return out


def _ordered(keys: list[str], order: list[str]) -> list[str]:
    rank = {k: i for i, k in enumerate(order)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), keys.index(k)))


def csv_table(output: Any, schema: Any = None) -> tuple[list[str], list[list[str]]]:
    """A spreadsheet-friendly table.

    - a list output (per page / per table row): one row per item;
    - an object with one list of objects (line items): one row per item, the document's other
      fields repeated on each row, item columns prefixed with the list's name;
    - otherwise one row with a column per field (other lists as JSON cells).
    """
    order = _schema_order(schema)
    if isinstance(output, list):
        item_schema = (
            schema.get("items", schema)
            if isinstance(schema, dict) and schema.get("type") == "array"
            else schema
        )
        rows = [flat_fields(item) if isinstance(item, dict) else {"value": item} for item in output]
        header = _ordered(
            list(dict.fromkeys(k for row in rows for k in row)), _schema_order(item_schema)
        )
        return header, [[csv_cell(row.get(k)) for k in header] for row in rows]
    flat = flat_fields(output if isinstance(output, dict) else {})
    lists = _object_lists(flat)
    if len(lists) == 1:
        name = lists[0]
        items = [flat_fields(item) for item in flat.pop(name)]
        keys = _ordered(list(flat), order)
        item_keys = _ordered(
            list(dict.fromkeys(k for item in items for k in item)),
            [p[len(name) + 1 :] for p in order if p.startswith(name + ".")],
        )
        header = keys + [f"{name}.{k}" for k in item_keys]
        base = [csv_cell(flat[k]) for k in keys]
        return header, [base + [csv_cell(item.get(k)) for k in item_keys] for item in items]
    header = _ordered(list(flat), order)
    return header, [[csv_cell(flat[k]) for k in header]]
