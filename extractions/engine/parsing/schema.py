"""The shape of a JSON schema as the engine reads it: a node's types (``type``, or implied by
``properties`` / ``items``), its main type, its "nothing found" value, and the schema the
engine's output validates against (every field nullable)."""

from __future__ import annotations

from typing import Any


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


def output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema the engine's output validates against: ``schema`` with every field
    nullable, since a value that is not printed is ``null`` (never invented), whatever
    the declared type. Objects stay objects (always present); enums also accept null."""

    def walk(node: Any, top: bool) -> Any:
        if not isinstance(node, dict):
            return node
        out = dict(node)
        kinds = schema_types(node)
        if "properties" in node:
            out["properties"] = {k: walk(v, False) for k, v in node["properties"].items()}
        if isinstance(node.get("items"), dict):
            out["items"] = walk(node["items"], False)
        if not top and "object" not in kinds and "null" not in kinds:
            out["type"] = [*kinds, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out

    return walk(schema, True)
