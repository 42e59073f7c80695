"""Cross-field validation rules of a parser schema (the root keyword ``x-validation``) and the
roles fields play (issuer, document number, totals, document date).

Per-field rules are plain JSON Schema keywords (``pattern``, ``minimum``, ``maximum``,
``enum``, ``format``, an object's ``required``): ``parsers.schema`` checks them. Rules that
compare fields need to know which field plays which part; the schema says so at its root::

    "x-validation": {
      "roles": {"issuer": "vendor", "document_number": "invoice_number",
                "document_date": "invoice_date", "net": "subtotal", "tax": "vat",
                "gross": "total"},
      "line_items": {"field": "lines", "quantity": "qty", "unit_price": "price",
                     "amount": "amount", "sum_to": "gross"},
      "date_range": {"fields": ["due_date"], "days_before": 0, "days_after": 90}
    }

Every part is optional. A field is named by its path from the root, dots between an object and
its fields (``totals.gross``); line-item columns are named inside their list. A check runs when
the fields it compares are named (the checks themselves are the engine's, in
``extractions.engine.values.checks``):

- ``net_plus_tax_equals_gross``: roles net, tax and gross;
- ``lines_sum_to_total``: a line-item ``amount`` column and ``sum_to`` ("net" or "gross",
  that role being named);
- ``quantity_times_unit_price``: the ``quantity``, ``unit_price`` and ``amount`` columns;
- ``date_within_range``: role ``document_date`` and ``date_range.fields``.

Roles without a check (``issuer``, ``document_number``) tell duplicate detection what to
compare; where the customer named none, ``identity_fields`` guesses from field names and
descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractions.engine.values.text import name_tokens, tokens

KEYWORD = "x-validation"
AMOUNT_ROLES = ("net", "tax", "gross")
# role -> the field kinds that can play it
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "issuer": ("string",),
    "document_number": ("string", "integer"),
    "document_date": ("date",),
    "net": ("number", "integer"),
    "tax": ("number", "integer"),
    "gross": ("number", "integer"),
}
LINE_COLUMNS = ("quantity", "unit_price", "amount")
MAX_RANGE_DAYS = 3660
DEFAULT_DAYS_BEFORE = 0
DEFAULT_DAYS_AFTER = 365
_BLOCK_KEYS = ("roles", "line_items", "date_range")
_LINE_KEYS = ("field", *LINE_COLUMNS, "sum_to")
_RANGE_KEYS = ("fields", "days_before", "days_after")

Problem = tuple[str, str]  # (path in the schema, message)


# --------------------------------------------------------------------------- fields


def field_kind(node: Any) -> str | None:
    """string, date, number, integer, boolean, object or array (an enum's values decide)."""
    if not isinstance(node, dict):
        return None
    declared = node.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared is None:
        if "properties" in node:
            return "object"
        if "items" in node:
            return "array"
        values = node.get("enum")
        if isinstance(values, list) and values:
            if all(isinstance(v, bool) for v in values):
                return "boolean"
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                return "number"
        return "string" if "enum" in node else None
    if declared == "string" and node.get("format") == "date":
        return "date"
    return declared if isinstance(declared, str) else None


def field_at(schema: Any, path: str) -> dict[str, Any] | None:
    """The schema of the field at a dotted ``path`` through objects, or None."""
    node: Any = schema
    for name in path.split(".") if isinstance(path, str) and path else [None]:
        props = node.get("properties") if isinstance(node, dict) else None
        if name is None or not isinstance(props, dict) or name not in props:
            return None
        node = props[name]
    return node if isinstance(node, dict) else None


def line_item_columns(schema: Any, path: str) -> dict[str, Any]:
    """Column name -> schema of a list of groups (line items); {} when it is not one."""
    node = field_at(schema, path)
    if field_kind(node) != "array":
        return {}
    items = node.get("items") if node else None
    if field_kind(items) != "object":
        return {}
    props = items.get("properties")
    return props if isinstance(props, dict) else {}


# --------------------------------------------------------------------------- the block


@dataclass(frozen=True, slots=True)
class LineItems:
    field: str
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None
    sum_to: str | None = None  # "net" or "gross"


@dataclass(frozen=True, slots=True)
class DateRange:
    fields: tuple[str, ...]
    days_before: int = DEFAULT_DAYS_BEFORE
    days_after: int = DEFAULT_DAYS_AFTER


@dataclass(frozen=True, slots=True)
class CrossFieldRules:
    roles: dict[str, str]
    line_items: LineItems | None = None
    date_range: DateRange | None = None


def cross_field_rules(schema: Any) -> CrossFieldRules:
    """The ``x-validation`` block of a schema as saved (checked by ``problems`` then; parts
    that do not fit are left out rather than failing a document)."""
    block = schema.get(KEYWORD) if isinstance(schema, dict) else None
    if not isinstance(block, dict):
        return CrossFieldRules(roles={})
    raw_roles = block.get("roles") if isinstance(block.get("roles"), dict) else {}
    roles = {
        role: path
        for role, path in raw_roles.items()
        if role in ROLE_KINDS and isinstance(path, str) and field_at(schema, path) is not None
    }
    line_items = None
    raw_lines = block.get("line_items")
    if isinstance(raw_lines, dict) and isinstance(raw_lines.get("field"), str):
        columns = line_item_columns(schema, raw_lines["field"])
        if columns:

            def column(key: str) -> str | None:
                name = raw_lines.get(key)
                return name if isinstance(name, str) and name in columns else None

            sum_to = raw_lines.get("sum_to")
            line_items = LineItems(
                field=raw_lines["field"],
                quantity=column("quantity"),
                unit_price=column("unit_price"),
                amount=column("amount"),
                sum_to=sum_to if sum_to in ("net", "gross") and sum_to in roles else None,
            )
    date_range = None
    raw_range = block.get("date_range")
    if isinstance(raw_range, dict) and isinstance(raw_range.get("fields"), list):
        fields = tuple(
            p for p in raw_range["fields"] if isinstance(p, str) and field_at(schema, p) is not None
        )
        if fields:
            date_range = DateRange(
                fields=fields,
                days_before=_days(raw_range.get("days_before"), DEFAULT_DAYS_BEFORE),
                days_after=_days(raw_range.get("days_after"), DEFAULT_DAYS_AFTER),
            )
    return CrossFieldRules(roles=roles, line_items=line_items, date_range=date_range)


def _days(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def problems(schema: dict[str, Any]) -> list[Problem]:
    """Every problem of the schema's ``x-validation`` block (paths from the schema's root)."""
    block = schema.get(KEYWORD)
    if not isinstance(block, dict):
        return [(KEYWORD, f'"{KEYWORD}" must be a JSON object (roles, line_items, date_range).')]
    out = _unknown_keys(KEYWORD, block, _BLOCK_KEYS)
    roles = block.get("roles", {})
    if not isinstance(roles, dict):
        out.append((f"{KEYWORD}.roles", '"roles" must be an object: role -> field path.'))
        roles = {}
    out += _role_problems(schema, roles)
    if "line_items" in block:
        out += _line_problems(schema, block["line_items"], roles)
    if "date_range" in block:
        out += _range_problems(schema, block["date_range"], roles)
    return out


def _unknown_keys(where: str, raw: dict[str, Any], allowed: tuple[str, ...]) -> list[Problem]:
    return [
        (f"{where}.{key}", f'Unknown key "{key}": use {", ".join(allowed)}.')
        for key in raw
        if key not in allowed
    ]


def _describe_kinds(kinds: tuple[str, ...]) -> str:
    return " or ".join(f"a {k}" if k != "integer" else "an integer" for k in kinds)


def _path_problem(schema: Any, path: Any, kinds: tuple[str, ...]) -> str | None:
    if not isinstance(path, str) or not path:
        return 'Name a field by its path, e.g. "total" or "totals.gross".'
    node = field_at(schema, path)
    if node is None:
        return f'No field "{path}" (a list\'s columns are named under "line_items").'
    kind = field_kind(node)
    if kind not in kinds:
        return f'"{path}" is {("a " + kind) if kind else "not a plain field"}; this needs ' + (
            f"{_describe_kinds(kinds)} field."
        )
    return None


def _role_problems(schema: Any, roles: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for role, path in roles.items():
        where = f"{KEYWORD}.roles.{role}"
        if role not in ROLE_KINDS:
            out.append((where, f'Unknown role "{role}": use {", ".join(ROLE_KINDS)}.'))
            continue
        problem = _path_problem(schema, path, ROLE_KINDS[role])
        if problem:
            out.append((where, problem))
        elif path in seen:
            out.append((where, f'"{path}" already plays "{seen[path]}": one role per field.'))
        else:
            seen[path] = role
    return out


def _line_problems(schema: Any, raw: Any, roles: dict[str, Any]) -> list[Problem]:
    where = f"{KEYWORD}.line_items"
    if not isinstance(raw, dict):
        return [(where, '"line_items" must be an object: field, quantity, unit_price, amount.')]
    out = _unknown_keys(where, raw, _LINE_KEYS)
    path = raw.get("field")
    columns = line_item_columns(schema, path) if isinstance(path, str) else {}
    if not columns:
        out.append((f"{where}.field", 'Name a list of groups (line items), e.g. "lines".'))
        return out
    named: dict[str, str] = {}
    for key in LINE_COLUMNS:
        if key not in raw:
            continue
        name = raw[key]
        if not isinstance(name, str) or name not in columns:
            out.append((f"{where}.{key}", f'"{path}" has no column {_quote(name)}.'))
        elif field_kind(columns[name]) not in ("number", "integer"):
            out.append((f"{where}.{key}", f'Column "{name}" must be a number or an integer.'))
        elif name in named:
            out.append((f"{where}.{key}", f'Column "{name}" is already the {named[name]}.'))
        else:
            named[name] = key
    if "sum_to" in raw:
        sum_to = raw["sum_to"]
        if sum_to not in ("net", "gross"):
            out.append((f"{where}.sum_to", '"sum_to" is "net" or "gross".'))
        elif sum_to not in roles:
            out.append((f"{where}.sum_to", f'Name the "{sum_to}" field under "roles" first.'))
        elif "amount" not in raw:
            out.append((f"{where}.sum_to", 'Name the "amount" column the lines add up.'))
    return out


def _range_problems(schema: Any, raw: Any, roles: dict[str, Any]) -> list[Problem]:
    where = f"{KEYWORD}.date_range"
    if not isinstance(raw, dict):
        return [(where, '"date_range" must be an object: fields, days_before, days_after.')]
    out = _unknown_keys(where, raw, _RANGE_KEYS)
    if "document_date" not in roles:
        out.append((where, 'Name the "document_date" field under "roles" first.'))
    fields = raw.get("fields")
    if not isinstance(fields, list) or not fields:
        out.append((f"{where}.fields", 'List the date fields to check, e.g. ["due_date"].'))
        fields = []
    for i, path in enumerate(fields):
        problem = _path_problem(schema, path, ("date",))
        if problem:
            out.append((f"{where}.fields.{i}", problem))
        elif path == roles.get("document_date"):
            out.append((f"{where}.fields.{i}", "The document date is the reference itself."))
    for key in ("days_before", "days_after"):
        value = raw.get(key)
        if key in raw and not (
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_RANGE_DAYS
        ):
            out.append((f"{where}.{key}", f"A whole number of days from 0 to {MAX_RANGE_DAYS}."))
    return out


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


# --------------------------------------------------------------------------- identity


# What a field name / description says about the field (folded tokens), for the roles a
# customer did not name: issuer, document number, total.
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ISSUER_WORDS = _word_set(
    "issuer vendor supplier seller merchant company store shop biller payee "
    "fournisseur vendeur emetteur lieferant verkaufer handler haendler firma"
)
_NUMBER_DOCS = _word_set(
    "invoice receipt bill document doc facture rechnung beleg quittung credit note"
)
_NUMBER_WORDS = _word_set("number no nr num id numero nummer reference ref")
_TOTAL_WORDS = _word_set("total gross grand amount due payable ttc brutto gesamt sum")
# A field with one of these is something else: "customer_name", "order_number", "total_tax".
_NOT_ISSUER = _word_set(
    "customer client buyer recipient bill to ship address email phone tax vat iban id number "
    "no date"
)
_NOT_NUMBER = _word_set(
    "order purchase po customer client account vat tax phone iban page line item"
)
_NOT_TOTAL = _word_set(
    "sub subtotal net tax vat ht untaxed excl excluding before quantity qty count items item "
    "rate percent discount shipping paid tip change cash line"
)


def _words(name: str, node: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(name words, description / title / alias words) of a field."""
    own = set(name_tokens(name))
    about = " ".join(
        str(node.get(k) or "") for k in ("title", "description") if isinstance(node.get(k), str)
    )
    aliases = node.get("x-aliases") if isinstance(node.get("x-aliases"), list) else []
    return own, set(tokens(" ".join([about, *[a for a in aliases if isinstance(a, str)]])))


def _guess_score(role: str, name: str, node: dict[str, Any]) -> float:
    """How well a field's name (first) and description fit ``role``; 0 when they do not."""
    kind = field_kind(node)
    if kind not in ROLE_KINDS["gross" if role == "total" else role]:
        return 0.0
    own, about = _words(name, node)
    if role == "issuer":
        hit, avoid = _ISSUER_WORDS, _NOT_ISSUER
    elif role == "document_number":
        if not own & _NUMBER_WORDS and name.casefold() not in ("number", "no"):
            return 0.0
        hit, avoid = _NUMBER_DOCS | {"number"}, _NOT_NUMBER
    else:
        hit, avoid = _TOTAL_WORDS, _NOT_TOTAL
    if own & avoid:
        return 0.0
    if own & hit:
        return 1.0 + (0.5 if len(own) == 1 else 0.0)  # "total" beats "total_amount_due"
    if about & hit and not about & avoid:
        return 0.5
    return 0.0


def _top_level_fields(schema: Any, prefix: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    """(path, name, schema) of the fields outside lists, in schema order."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    out: list[tuple[str, str, dict[str, Any]]] = []
    for name, node in (props or {}).items():
        if not isinstance(node, dict):
            continue
        path = f"{prefix}{name}"
        if field_kind(node) == "object":
            out += _top_level_fields(node, f"{path}.")
        else:
            out.append((path, name, node))
    return out


def identity_fields(schema: Any) -> dict[str, str]:
    """The fields that identify a document: ``issuer``, ``document_number`` and ``total``
    (its gross total) -> their paths. From ``x-validation.roles`` where the customer named
    them, else the field whose name (or description) says so best."""
    named = cross_field_rules(schema).roles
    out: dict[str, str] = {}
    for role, source in (("issuer", "issuer"), ("document_number", "document_number")):
        if source in named:
            out[role] = named[source]
    if "gross" in named:
        out["total"] = named["gross"]
    fields = _top_level_fields(schema)
    taken = set(out.values())
    for role in ("issuer", "document_number", "total"):
        if role in out:
            continue
        scored = [
            (score, -i, path)
            for i, (path, name, node) in enumerate(fields)
            if path not in taken and (score := _guess_score(role, name, node)) > 0
        ]
        if scored:
            out[role] = max(scored)[2]
            taken.add(out[role])
    return out
