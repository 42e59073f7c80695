"""Which columns an export has and which rows a document gives (no database, no files)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# The document's own columns, first in every row.
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "document_id",
    "extraction_id",
    "filename",
    "parser_id",
    "parser_version",
    "status",
    "reviewed",
    "created_at",
    "error_code",
)


def _types(spec: Any) -> set[str]:
    if not isinstance(spec, dict):
        return set()
    kind = spec.get("type")
    if isinstance(kind, list):
        return {str(k) for k in kind}
    if isinstance(kind, str):
        return {kind}
    return {"object"} if "properties" in spec else set()


def _is_object_list(spec: Any) -> bool:
    items = spec.get("items") if isinstance(spec, dict) else None
    return "array" in _types(spec) and isinstance(items, dict) and bool(items.get("properties"))


def _leaf_paths(spec: Any, prefix: str = "") -> list[str]:
    """Dotted paths of an object schema's values; nested objects are walked, lists are leaves."""
    out: list[str] = []
    for name, sub in ((spec or {}).get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else str(name)
        if "object" in _types(sub) and "array" not in _types(sub) and sub.get("properties"):
            out.extend(_leaf_paths(sub, path))
        else:
            out.append(path)
    return out


@dataclass(frozen=True, slots=True)
class RowLayout:
    """The columns one schema gives: its fields, and the list expanded to rows (if any)."""

    fields: tuple[str, ...] = ()
    list_name: str | None = None
    item_fields: tuple[str, ...] = ()

    @property
    def item_columns(self) -> tuple[str, ...]:
        return tuple(f"{self.list_name}.{f}" for f in self.item_fields)


EMPTY_LAYOUT = RowLayout()


def row_layout(schema: Any) -> RowLayout:
    """The layout of a parser version's schema. A schema of an array (a per-table-row parser)
    describes its items; list outputs of object schemas (per page) are rows of that object."""
    if not isinstance(schema, dict):
        return EMPTY_LAYOUT
    spec = schema["items"] if _is_object_list(schema) else schema
    properties = spec.get("properties") or {}
    list_name = next((n for n, s in properties.items() if _is_object_list(s)), None)
    fields = tuple(p for p in _leaf_paths(spec) if p != list_name)
    if list_name is None:
        return RowLayout(fields=fields)
    return RowLayout(
        fields=fields,
        list_name=list_name,
        item_fields=tuple(_leaf_paths(properties[list_name]["items"])),
    )


def column(path: str) -> str:
    """The column of a schema field: its path, or ``data.<path>`` when a document column has
    that name (a form's own ``status`` field is kept next to the document's status)."""
    return f"data.{path}" if path in DOCUMENT_COLUMNS else path


def columns_of(layouts: Iterable[RowLayout]) -> list[str]:
    """One header for documents of several schemas: the document's columns, every schema's
    fields (first met first), then every line-item column."""
    fields: dict[str, None] = {}
    items: dict[str, None] = {}
    for layout in layouts:
        fields.update(dict.fromkeys(column(f) for f in layout.fields))
        items.update(dict.fromkeys(layout.item_columns))
    return [*DOCUMENT_COLUMNS, *fields, *(c for c in items if c not in fields)]


def flat_fields(data: Any, prefix: str = "") -> dict[str, Any]:
    """Scalars of an object by dotted path (nested objects flattened); lists kept whole."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flat_fields(value, path))
            else:
                out[path] = value
    return out


def _object_rows(value: Any, layout: RowLayout) -> Iterator[dict[str, Any]]:
    flat = flat_fields(value)
    base = {column(f): flat.get(f) for f in layout.fields}
    items = value.get(layout.list_name) if layout.list_name and isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        yield base
        return
    for item in items:
        item_flat = flat_fields(item) if isinstance(item, dict) else {}
        yield {
            **base,
            **{f"{layout.list_name}.{f}": item_flat.get(f) for f in layout.item_fields},
        }


@dataclass(slots=True)
class ExportRecord:
    """One document to export: its own columns, its output and its schema's layout."""

    document: dict[str, Any]
    output: Any
    layout: RowLayout = field(default=EMPTY_LAYOUT)


def rows_of(record: ExportRecord) -> Iterator[dict[str, Any]]:
    """The rows of one document by column name: one per line item (at least one)."""
    output = record.output
    values: list[Any] = output if isinstance(output, list) else [output]
    produced = False
    for value in values:
        for row in _object_rows(value if isinstance(value, dict) else {}, record.layout):
            produced = True
            yield {**row, **record.document}
    if not produced:
        yield dict(record.document)
