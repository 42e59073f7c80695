"""Filling a JSON schema from page words (the "parsing" step)."""

from __future__ import annotations

from typing import Any

from .types import FillResult, PageContent


def schema_types(node: dict[str, Any]) -> list[str]:
    t = node.get("type")
    if isinstance(t, list):
        return [str(x) for x in t]
    if isinstance(t, str):
        return [t]
    if "properties" in node:
        return ["object"]
    if "items" in node:
        return ["array"]
    if "enum" in node:
        return ["string"]
    return ["string"]


def main_type(node: dict[str, Any]) -> str:
    types = [t for t in schema_types(node) if t != "null"]
    return types[0] if types else "null"


def empty_value(node: dict[str, Any]) -> Any:
    """The "nothing found" value of a schema node: null leaves, objects of nulls."""
    kind = main_type(node)
    if kind == "object":
        return {name: empty_value(sub) for name, sub in (node.get("properties") or {}).items()}
    if kind == "array":
        return None if "null" in schema_types(node) else []
    return None


def fill_schema(
    pages: list[PageContent], schema: dict[str, Any], target: str = "per_doc"
) -> FillResult:
    """Fill ``schema`` from ``pages``; ``target`` is per_doc, per_page or per_table_row."""
    if target == "per_page":
        return FillResult(data=[empty_value(schema) for _ in pages])
    if target == "per_table_row":
        return FillResult(data=[])
    return FillResult(data=empty_value(schema))
