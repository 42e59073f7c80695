"""The review form: generated from the schema version a document ran with, filled with its
output, its confidences and citations; and the posted form turned back into an output.

Field paths follow the engine's citation keys (``total``, ``vendor.name``, ``lines[2].amount``,
``[0].total`` for list targets), so a field finds its confidence and its box by its path.
Inputs are named ``f:<path>``. Only shaping happens here: the output is validated and the
edits recorded by ``extractions.services.review_document``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from config import json_input
from extractions.validation import is_iso_date

INPUT_PREFIX = "f:"


@dataclass
class Node:
    path: str
    name: str
    kind: str  # text number integer date boolean choice group table values json
    value: Any = None
    display: str = ""
    confidence: float | None = None
    low: bool = False
    missing: bool = False
    cited: bool = False
    source_text: str = ""
    description: str = ""
    required: bool = False
    choices: list[Any] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)  # group: fields; table: rows (groups)
    columns: list[Node] = field(default_factory=list)  # table: one template node per column
    error: str = ""
    failures: list[str] = field(default_factory=list)  # failing validation rules ("Rule: why")
    flagged: bool = False  # extractions.flags: low confidence, a failing rule, required and empty

    @property
    def input_name(self) -> str:
        return INPUT_PREFIX + self.path

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").strip().capitalize() if self.name else self.path

    @property
    def input_type(self) -> str:
        if self.kind in ("number", "integer"):
            return "number"
        if self.kind == "date" and (not self.display or is_iso_date(self.display)):
            return "date"
        return "text"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _type_of(spec: dict[str, Any]) -> str | None:
    t = spec.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and "properties" in spec:
        return "object"
    if t is None and "items" in spec:
        return "array"
    return t


def kind_of(spec: Any) -> str:
    if not isinstance(spec, dict):
        return "json"
    if "enum" in spec:
        return "choice"
    t = _type_of(spec)
    if t == "string":
        return "date" if spec.get("format") == "date" else "text"
    if t in ("number", "integer", "boolean"):
        return t
    if t == "object":
        return "group"
    if t == "array":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        if _type_of(items) == "object":
            flat = all(
                kind_of(s) not in ("group", "table", "values", "json")
                for s in (items.get("properties") or {}).values()
            )
            return "table" if flat else "json"
        return "values" if _type_of(items) in ("string", "number", "integer") else "json"
    return "text" if not spec else "json"


def _display(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "boolean":
        return "yes" if value is True else "no" if value is False else str(value)
    if kind == "values":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, indent=2)
    if isinstance(value, float) and value.is_integer() and kind in ("number", "integer"):
        return str(int(value))  # 12.0 reads as 12; saving it back keeps 12.0 (see _convert)
    return str(value)


@dataclass
class Evidence:
    confidence: dict[str, float]
    citations: dict[str, dict[str, Any]]
    threshold: float


def build_node(
    spec: Any, value: Any, path: str, name: str, evidence: Evidence, required: bool = False
) -> Node:
    kind = kind_of(spec)
    spec = spec if isinstance(spec, dict) else {}
    node = Node(
        path=path,
        name=name,
        kind=kind,
        value=value,
        description=str(spec.get("description") or ""),
        required=required,
    )
    if kind == "group":
        node.children = build_children(
            spec, value if isinstance(value, dict) else {}, path, evidence
        )
        return node
    if kind == "table":
        items = spec.get("items") or {}
        rows = value if isinstance(value, list) else []
        node.children = [
            build_node(items, row, f"{path}[{i}]", f"{i + 1}", evidence)
            for i, row in enumerate(rows)
        ]
        node.columns = build_children(items, {}, f"{path}[__i__]", evidence)
        return node
    if kind == "choice":
        node.choices = list(spec.get("enum") or [])
    node.display = _display(kind, value)
    citation = evidence.citations.get(path)
    node.cited = bool(citation)
    node.source_text = str((citation or {}).get("text") or "")
    confidence = evidence.confidence.get(path)
    node.confidence = float(confidence) if confidence is not None else None
    node.missing = value is None
    node.low = node.confidence is not None and node.confidence < evidence.threshold
    return node


def build_children(
    spec: dict[str, Any], value: dict[str, Any], prefix: str, evidence: Evidence
) -> list[Node]:
    required = set(spec.get("required") or [])
    return [
        build_node(sub, value.get(name), _join(prefix, name), name, evidence, name in required)
        for name, sub in (spec.get("properties") or {}).items()
    ]


def root_spec(schema: dict[str, Any], target: str) -> dict[str, Any]:
    """The schema of the whole output: an object, or a list of objects for list targets."""
    if target == "per_doc":
        return {**schema, "type": "object"}
    item = schema
    if target == "per_table_row" and _type_of(schema) == "array":
        item = schema.get("items") or {}
    return {"type": "array", "items": {**item, "type": "object"}}


def build_form(
    *, schema: dict[str, Any], target: str, output: Any, evidence: Evidence
) -> list[Node]:
    """Top-level nodes of the form."""
    spec = root_spec(schema or {}, target)
    if spec["type"] == "object":
        return build_children(spec, output if isinstance(output, dict) else {}, "", evidence)
    items = spec["items"]
    rows = output if isinstance(output, list) else []
    if kind_of(spec) == "table":
        table = build_node(spec, rows, "", "", evidence)
        table.kind = "table"
        return [table]
    return [
        build_node(items, row, f"[{i}]", f"Item {i + 1}", evidence) for i, row in enumerate(rows)
    ]


def flatten(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        if node.kind in ("group", "table"):
            out.extend(flatten(node.children))
        else:
            out.append(node)
    return out


def walk(nodes: list[Node]) -> list[Node]:
    """Every node, groups and tables too, in form order."""
    out: list[Node] = []
    for node in nodes:
        out.append(node)
        out.extend(walk(node.children))
    return out


# --- Posted form → output ---------------------------------------------------------------------


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _same_number(value: Any, current: Any) -> bool:
    numeric = (int, float)
    return (
        isinstance(value, numeric)
        and isinstance(current, numeric)
        and not isinstance(value, bool)
        and not isinstance(current, bool)
        and float(value) == float(current)
    )


def _convert(
    kind: str,
    raw: str,
    spec: dict[str, Any],
    path: str,
    errors: dict[str, str],
    current: Any = None,
) -> Any:
    """The posted text as a JSON value of the field's kind. A value equal to the current one
    comes back as the current one (12 typed over 12.0 is not an edit)."""
    value = _parse_text(kind, raw, spec, path, errors)
    if _same_number(value, current):
        return current
    if isinstance(value, str) and isinstance(current, str) and value.strip() == current.strip():
        return current
    return value


def _parse_text(
    kind: str, raw: str, spec: dict[str, Any], path: str, errors: dict[str, str]
) -> Any:
    text = raw.strip()
    if kind == "json":
        if not text:
            return None
        try:
            return json_input.loads(text)
        except ValueError:
            errors[path] = "Not valid JSON."
            return None
    if text == "":
        return None
    if kind in ("number", "integer"):
        cleaned = text.replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            number = float(cleaned)
        except ValueError:
            errors[path] = "Enter a number, like 1234.50."
            return None
        if kind == "integer":
            if not number.is_integer():
                errors[path] = "Enter a whole number."
                return None
            return int(number)
        return int(number) if number.is_integer() and "." not in cleaned else number
    if kind == "boolean":
        if text in ("yes", "true"):
            return True
        if text in ("no", "false"):
            return False
        errors[path] = "Choose yes or no."
        return None
    if kind == "choice":
        for option in spec.get("enum") or []:
            if str(option) == text:
                return option
        errors[path] = "Choose one of the listed values."
        return None
    return raw if kind == "text" else text


def _row_indices(post: Any, prefix: str) -> list[int]:
    pattern = re.compile(re.escape(INPUT_PREFIX + prefix) + r"\[(\d+)\]")
    found = {int(m.group(1)) for key in post for m in [pattern.match(key)] if m}
    return sorted(found)


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None or value == "" or value == []


def _at(current: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return current[key] if isinstance(current, list) and 0 <= key < len(current) else None
    return current.get(key) if isinstance(current, dict) else None


def parse_node(spec: Any, path: str, post: Any, errors: dict[str, str], current: Any = None) -> Any:
    kind = kind_of(spec)
    spec = spec if isinstance(spec, dict) else {}
    if kind == "group":
        return {
            name: parse_node(sub, _join(path, name), post, errors, _at(current, name))
            for name, sub in (spec.get("properties") or {}).items()
        }
    if kind == "table":
        items = spec.get("items") or {}
        # Rows keep the index they were rendered with (removed rows leave gaps, added rows
        # take the next free index), so an existing row still lines up with its current value.
        rows = [
            parse_node(items, f"{path}[{i}]", post, errors, _at(current, i))
            for i in _row_indices(post, path)
        ]
        return [row for row in rows if not _empty(row)]
    raw = post.get(INPUT_PREFIX + path)
    if raw is None:
        return None
    if kind == "values":
        items = spec.get("items") or {}
        item_kind = kind_of(items)
        lines = [line for line in raw.splitlines() if line.strip()]
        return [
            _convert(item_kind, line, items, path, errors, _at(current, i))
            for i, line in enumerate(lines)
        ]
    return _convert(kind, raw, spec, path, errors, current)


def parse_form(*, schema: dict[str, Any], target: str, post: Any, current: Any = None) -> Any:
    """The output the posted form describes; raises FormErrors for values of the wrong kind.
    ``current`` (the output shown) keeps unchanged numbers and texts exactly as they were."""
    spec = root_spec(schema or {}, target)
    errors: dict[str, str] = {}
    if spec["type"] == "object":
        output = parse_node(spec | {"type": "object"}, "", post, errors, current)
    else:
        items = spec["items"]
        output = [
            parse_node(items, f"[{i}]", post, errors, _at(current, i))
            for i in _row_indices(post, "")
        ]
    if errors:
        raise FormErrors(errors)
    return output
