"""THE validation of parser schemas, shared by the API, the dashboard designer and the admin.

A parser schema is the JSON Schema subset the engine can fill (DESIGN.md):

* the root is an ``object`` with at least one property;
* a field is ``string``, ``number``, ``integer``, ``boolean``, an enum (``enum`` with at least
  one value, ``type`` optional), a date (``"type": "string", "format": "date"``), a nested
  ``object`` or an ``array`` whose ``items`` is an object or a scalar (arrays of arrays are
  not supported);
* ``type`` may be a list of one type plus ``"null"`` (``["string", "null"]``);
* annotations allowed anywhere: ``title``, ``description``, ``x-aliases`` (list of strings:
  other labels the value is printed under), ``$comment``, ``default``, ``examples``; on the
  root also ``$schema`` and ``$id``; on objects ``required`` and ``additionalProperties``
  (boolean);
* validation rules: on strings ``pattern`` (a regular expression RE2 can run: see
  ``extractions.engine.values.patterns``), on numbers and integers ``minimum`` and
  ``maximum``, ``enum`` and ``format`` as above, ``required`` on objects; on the root
  ``x-validation``, the cross-field rules (the fields playing net / tax / gross, the line
  items and their columns, the document date and a range around it: ``parsers.rules``);
* anything else (``$ref``, ``anyOf``, ``oneOf``, ``allOf``, ``exclusiveMinimum``, unknown
  keywords, unknown types or formats) is rejected, so that a schema never silently means less
  than its author thinks.

Limits (module constants): field names are letters, digits and underscores, not starting with a
digit, at most ``MAX_NAME_LENGTH`` (64) characters, unique ignoring case within an object;
fields nest at most ``MAX_DEPTH`` (5) levels (a top-level field is level 1, ``lines[].amount``
is level 2); at most ``MAX_FIELDS`` (200) leaf fields in all (a scalar field, or an array of
scalars, counts one); at most ``MAX_ENUM_VALUES`` (500) enum values; descriptions up to
``MAX_DESCRIPTION_LENGTH`` (4,000) characters; the whole schema at most ``MAX_SCHEMA_BYTES``
(256 KB) of JSON.

Errors point at the offending place with a dotted path from the root, e.g.
``properties.lines.items.properties.amount.type``; the root itself is the empty path ``""``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from config.errors import APIError
from extractions.engine.values import patterns
from parsers import rules

MAX_DEPTH = 5
MAX_FIELDS = 200
MAX_NAME_LENGTH = 64
MAX_ENUM_VALUES = 500
MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 4000
MAX_ALIASES = 50
MAX_ALIAS_LENGTH = 200
MAX_SCHEMA_BYTES = 256 * 1024

SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean"})
KNOWN_TYPES = SCALAR_TYPES | {"object", "array", "null"}
FORMATS = frozenset({"date"})

_ANNOTATIONS = frozenset({"title", "description", "x-aliases", "$comment", "default", "examples"})
_ROOT_ONLY = frozenset({"$schema", "$id", rules.KEYWORD})
_BY_TYPE = {
    "object": frozenset({"type", "properties", "required", "additionalProperties"}),
    "array": frozenset({"type", "items"}),
    "string": frozenset({"type", "format", "pattern", "enum"}),
    "number": frozenset({"type", "enum", "minimum", "maximum"}),
    "integer": frozenset({"type", "enum", "minimum", "maximum"}),
    "boolean": frozenset({"type", "enum"}),
}
# A JSON-escaped NUL (an odd run of backslashes before u0000, so "\\u0000" text is fine).
_NUL_RE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_ALL_KEYWORDS = frozenset().union(*_BY_TYPE.values(), _ANNOTATIONS, _ROOT_ONLY)
# \w is Unicode-aware: "numéro_facture" is a fine name, "2nd", "a-b" and "a b" are not.
_NAME_RE = re.compile(r"[^\W\d]\w*")

_TYPE_HINTS = {
    "enum": 'use "type": "string" with "enum": [...] for a choice of values',
    "date": 'use "type": "string" with "format": "date" for a date',
    "datetime": 'use "type": "string" with "format": "date"',
    "float": 'use "number"',
    "int": 'use "integer"',
    "bool": 'use "boolean"',
    "list": 'use "array" with "items"',
    "dict": 'use "object" with "properties"',
}


@dataclass(frozen=True, slots=True)
class SchemaError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def validate_schema(schema: Any) -> list[SchemaError]:
    """Every problem of ``schema`` (empty list = valid), in document order."""
    try:
        text = json.dumps(schema, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return [SchemaError("", "The schema must be plain JSON of reasonable nesting.")]
    if _NUL_RE.search(text):
        # PostgreSQL's jsonb cannot store NUL characters.
        return [SchemaError("", "The schema contains a NUL character.")]
    size = len(text.encode())
    if size > MAX_SCHEMA_BYTES:
        return [
            SchemaError("", f"The schema is {size} bytes of JSON; the limit is {MAX_SCHEMA_BYTES}.")
        ]
    checker = _Checker()
    checker.root(schema)
    if checker.leaves > MAX_FIELDS:
        checker.errors.append(
            SchemaError("", f"The schema has {checker.leaves} fields; the limit is {MAX_FIELDS}.")
        )
    return checker.errors


def ensure_valid_schema(schema: Any) -> None:
    """Raise 400 INVALID_SCHEMA, with ``details.errors`` = ``validate_schema``'s list."""
    errors = validate_schema(schema)
    if errors:
        first = errors[0]
        where = f"{first.path}: " if first.path else ""
        raise APIError(
            "INVALID_SCHEMA",
            f"The schema is invalid ({len(errors)} problem{'s' if len(errors) > 1 else ''}); "
            f"first: {where}{first.message}",
            details={"errors": [e.as_dict() for e in errors]},
        )


def count_fields(schema: dict[str, Any]) -> int:
    """Leaf fields of a valid schema (what the limit counts), for display."""
    checker = _Checker()
    checker.root(schema)
    return checker.leaves


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    def __init__(self) -> None:
        self.errors: list[SchemaError] = []
        self.leaves = 0

    def error(self, path: str, message: str) -> None:
        self.errors.append(SchemaError(path, message))

    def root(self, schema: Any) -> None:
        if not isinstance(schema, dict):
            self.error("", f"The schema must be a JSON object, not {_json_kind(schema)}.")
            return
        types = self.types(schema, "")
        if types is None:
            return
        if types != ["object"]:
            self.error(
                "type",
                f'The root of a schema must be "object" (got {_describe(schema.get("type"))}).',
            )
            return
        self.keywords(schema, "", "object", root=True)
        self.annotations(schema, "")
        self.object(schema, "", level=0)
        if rules.KEYWORD in schema:
            for path, message in rules.problems(schema):
                self.error(path, message)

    # --- one node -------------------------------------------------------------------------
    def field(self, node: Any, path: str, *, level: int) -> None:
        """A property's schema at nesting ``level`` (1 = top-level field)."""
        if not isinstance(node, dict):
            self.error(path, f"A field's schema must be a JSON object, not {_json_kind(node)}.")
            return
        types = self.types(node, path)
        if types is None:
            self.unknown_keywords(node, path)
            return
        kind = next((t for t in types if t != "null"), "string")
        self.keywords(node, path, kind)
        self.annotations(node, path)
        if kind == "object":
            self.object(node, path, level=level)
        elif kind == "array":
            self.array(node, path, level=level)
        else:
            self.scalar(node, path, kind, nullable="null" in types)
            self.leaves += 1

    def types(self, node: dict[str, Any], path: str) -> list[str] | None:
        """The node's declared types, or None after reporting why they are unusable."""
        type_path = _join(path, "type")
        if "type" not in node:
            if "enum" in node:
                return self.enum_types(node)
            self.error(type_path, 'Missing "type".')
            return None
        raw = node["type"]
        declared = raw if isinstance(raw, list) else [raw]
        if not declared:
            self.error(type_path, 'A type list needs one type (optionally with "null").')
            return None
        ok = True
        for t in declared:
            if not isinstance(t, str) or t not in KNOWN_TYPES:
                hint = _TYPE_HINTS.get(t.lower()) if isinstance(t, str) else None
                known = ", ".join(sorted(KNOWN_TYPES))
                self.error(
                    type_path,
                    f"Unknown type {_describe(t)}"
                    + (f"; {hint}." if hint else f" (known types: {known})."),
                )
                ok = False
        if not ok:
            return None
        if len(set(declared)) != len(declared):
            self.error(type_path, "A type is listed twice.")
            return None
        non_null = [t for t in declared if t != "null"]
        if len(non_null) != 1:
            self.error(
                type_path,
                'A field has exactly one type, optionally with "null" (e.g. ["string", "null"]).',
            )
            return None
        return declared

    def enum_types(self, node: dict[str, Any]) -> list[str]:
        values = node.get("enum")
        if isinstance(values, list) and values and all(_is_number(v) for v in values):
            return ["number"]
        if isinstance(values, list) and values and all(isinstance(v, bool) for v in values):
            return ["boolean"]
        return ["string"]

    def keywords(self, node: dict[str, Any], path: str, kind: str, *, root: bool = False) -> None:
        allowed = _BY_TYPE[kind] | _ANNOTATIONS | (_ROOT_ONLY if root else frozenset())
        for key in node:
            if key in allowed:
                continue
            if key in _ROOT_ONLY:
                message = f'"{key}" is only allowed at the root of the schema.'
            elif key in ("properties", "required", "additionalProperties"):
                message = f'"{key}" only applies to "object" fields.'
            elif key == "items":
                message = '"items" only applies to "array" fields.'
            elif key in ("format", "pattern"):
                message = f'"{key}" only applies to "string" fields.'
            elif key in ("minimum", "maximum"):
                message = f'"{key}" only applies to "number" and "integer" fields.'
            else:
                message = f'Unsupported keyword "{key}".'
            self.error(_join(path, key), message)

    def unknown_keywords(self, node: dict[str, Any], path: str) -> None:
        """Keywords no field may carry, reported even when the type itself is unusable."""
        for key in node:
            if key not in _ALL_KEYWORDS:
                self.error(_join(path, key), f'Unsupported keyword "{key}".')

    def annotations(self, node: dict[str, Any], path: str) -> None:
        for key, limit in (("title", MAX_TITLE_LENGTH), ("description", MAX_DESCRIPTION_LENGTH)):
            if key in node:
                value = node[key]
                if not isinstance(value, str):
                    self.error(_join(path, key), f'"{key}" must be a string.')
                elif len(value) > limit:
                    self.error(_join(path, key), f'"{key}" is longer than {limit} characters.')
        if "$comment" in node and not isinstance(node["$comment"], str):
            self.error(_join(path, "$comment"), '"$comment" must be a string.')
        if "x-aliases" in node:
            self.aliases(node["x-aliases"], _join(path, "x-aliases"))

    def aliases(self, aliases: Any, path: str) -> None:
        if not isinstance(aliases, list):
            self.error(path, '"x-aliases" must be a list of strings.')
            return
        if len(aliases) > MAX_ALIASES:
            self.error(path, f"At most {MAX_ALIASES} aliases.")
        for i, alias in enumerate(aliases):
            if not isinstance(alias, str) or not alias.strip():
                self.error(f"{path}.{i}", "An alias must be a non-empty string.")
            elif len(alias) > MAX_ALIAS_LENGTH:
                self.error(f"{path}.{i}", f"An alias is at most {MAX_ALIAS_LENGTH} characters.")

    # --- containers -------------------------------------------------------------------------
    def object(self, node: dict[str, Any], path: str, *, level: int) -> None:
        props_path = _join(path, "properties")
        properties = node.get("properties")
        if properties is None:
            self.error(props_path, "An object needs at least one property.")
            return
        if not isinstance(properties, dict):
            self.error(props_path, '"properties" must be a JSON object of field schemas.')
            return
        if not properties:
            self.error(props_path, "An object needs at least one property.")
            return
        if level + 1 > MAX_DEPTH:
            self.error(
                props_path,
                f"Fields nest deeper than {MAX_DEPTH} levels; flatten this object.",
            )
            return
        seen: dict[str, str] = {}
        for name, sub in properties.items():
            field_path = _join(props_path, name)
            self.name(name, field_path, seen)
            self.field(sub, field_path, level=level + 1)
        if "additionalProperties" in node and not isinstance(node["additionalProperties"], bool):
            self.error(
                _join(path, "additionalProperties"),
                '"additionalProperties" must be true or false (schemas are not supported).',
            )
        if "required" in node:
            self.required(node["required"], _join(path, "required"), properties)

    def name(self, name: str, path: str, seen: dict[str, str]) -> None:
        if len(name) > MAX_NAME_LENGTH:
            self.error(path, f"A field name is at most {MAX_NAME_LENGTH} characters.")
        elif not _NAME_RE.fullmatch(name):
            self.error(
                path,
                f"Invalid field name {_describe(name)}: use letters, digits and underscores, "
                "not starting with a digit.",
            )
        folded = name.casefold()
        if folded in seen:
            self.error(
                path,
                f"Duplicate field name {_describe(name)}: same as {_describe(seen[folded])} "
                "ignoring case.",
            )
        else:
            seen[folded] = name

    def required(self, required: Any, path: str, properties: dict[str, Any]) -> None:
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            self.error(path, '"required" must be a list of field names.')
            return
        if len(set(required)) != len(required):
            self.error(path, '"required" lists a field twice.')
        for i, name in enumerate(required):
            if name not in properties:
                self.error(f"{path}.{i}", f"{_describe(name)} is not a property of this object.")

    def array(self, node: dict[str, Any], path: str, *, level: int) -> None:
        items_path = _join(path, "items")
        items = node.get("items")
        if items is None:
            self.error(items_path, 'An array needs "items" (an object or a scalar type).')
            return
        if not isinstance(items, dict):
            self.error(items_path, '"items" must be one schema (a JSON object).')
            return
        types = self.types(items, items_path)
        if types is None:
            self.unknown_keywords(items, items_path)
            return
        kind = next(t for t in types if t != "null")
        if kind == "array":
            self.error(_join(items_path, "type"), "Arrays of arrays are not supported.")
            return
        self.keywords(items, items_path, kind)
        self.annotations(items, items_path)
        if kind == "object":
            # The items' properties sit one level below the array field itself.
            self.object(items, items_path, level=level)
        else:
            self.scalar(items, items_path, kind, nullable="null" in types)
            self.leaves += 1

    # --- leaves ----------------------------------------------------------------------------
    def scalar(self, node: dict[str, Any], path: str, kind: str, *, nullable: bool) -> None:
        if "format" in node:
            fmt = node["format"]
            if fmt not in FORMATS:
                self.error(
                    _join(path, "format"),
                    f'Unsupported format {_describe(fmt)}; only "date" is supported.',
                )
        if "pattern" in node:
            # Compiled by RE2, as every match runs (bounded time): a pattern it cannot
            # express is refused here, with the reason, rather than ignored later.
            problem = patterns.pattern_problem(node["pattern"])
            if problem is not None:
                self.error(_join(path, "pattern"), f'"pattern" is not usable: {problem}')
        if "enum" in node:
            self.enum(node["enum"], _join(path, "enum"), kind, nullable=nullable)
        self.bounds(node, path)

    def bounds(self, node: dict[str, Any], path: str) -> None:
        for key in ("minimum", "maximum"):
            if key in node and not _is_number(node[key]):
                self.error(_join(path, key), f'"{key}" must be a number.')
        low, high = node.get("minimum"), node.get("maximum")
        if _is_number(low) and _is_number(high) and low > high:
            self.error(_join(path, "maximum"), f'"maximum" ({high}) is below "minimum" ({low}).')

    def enum(self, values: Any, path: str, kind: str, *, nullable: bool) -> None:
        if not isinstance(values, list) or not values:
            self.error(path, "An enum needs a non-empty list of values.")
            return
        if len(values) > MAX_ENUM_VALUES:
            self.error(path, f"At most {MAX_ENUM_VALUES} enum values.")
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value is None:
                if not nullable:
                    self.error(f"{path}.{i}", 'null is only allowed when "type" includes "null".')
                continue
            if not _matches(value, kind):
                self.error(f"{path}.{i}", f"{_describe(value)} is not a {kind}.")
                continue
            key = json.dumps(value)
            if key in seen:
                self.error(f"{path}.{i}", f"{_describe(value)} is listed twice.")
            seen.add(key)
            if isinstance(value, str) and not value.strip():
                self.error(f"{path}.{i}", "An enum value cannot be blank.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "boolean":
        return isinstance(value, bool)
    return False


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if _is_number(value):
        return "a number"
    return "an object"
