"""A parser's validation rules run on a document's output: one result per rule and value.

The rules come from the schema version the document ran with (``parsers.schema`` /
``parsers.rules``): per field ``required`` (not null, not empty), ``format``, ``pattern``,
``enum``, ``minimum``, ``maximum``; across fields the checks of ``x-validation``, which are the
engine's own self-checks (``extractions.engine.values.checks``: one implementation each).

Results are ``{field, rule, ok, message, fields}``: ``field`` is the value the rule is about (a
path like the citations': ``total``, ``lines[2].amount``, ``[0].total`` for list targets),
``fields`` every value it compares (a failing cross-field rule flags all of them). Only rules
that apply are listed: a value that is null has no pattern to match, a check with a missing
value is not applicable.

On the initial output a failure flags the value for review (``extractions.flags``). On a
saved review these rules are soft: the failures are shown and stored with the review, the
reviewer may save anyway. Types, formats, patterns and enums are also checked hard there
(``services.review.validate_output``: 400), as they always were.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from extractions.engine.values import checks, patterns
from parsers import rules as schema_rules

# Stored per document: a 1,000-row table has a few thousand results; failures are kept first.
MAX_RESULTS = 2000
REQUIRED = "required"
# What each rule is called where people read it (the review page, the queue, the admin).
RULE_LABELS = {
    REQUIRED: "Required",
    "format": "Format",
    "pattern": "Pattern",
    "enum": "Choices",
    "minimum": "Minimum",
    "maximum": "Maximum",
    checks.NET_PLUS_TAX_EQUALS_GROSS: "Net + tax = gross",
    checks.LINES_SUM_TO_TOTAL: "Line amounts add up to the total",
    checks.QUANTITY_TIMES_UNIT_PRICE: "Quantity × unit price = amount",
    checks.DATE_WITHIN_RANGE: "Date near the document date",
}


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class RuleResult:
    field: str
    rule: str
    ok: bool
    message: str
    fields: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "rule": self.rule,
            "ok": self.ok,
            "message": self.message,
            "fields": list(self.fields),
        }


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_empty(value: Any) -> bool:
    """What ``required`` refuses: null, a blank text, an empty list, a group with no value."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False


def is_iso_date(value: str) -> bool:
    """A date as the outputs write it: YYYY-MM-DD, a real day."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- one field


def _scalar_rules(node: dict[str, Any], value: Any, path: str) -> Iterator[RuleResult]:
    one = (path,)
    if isinstance(value, str) and node.get("format") == "date":
        ok = is_iso_date(value)
        yield RuleResult(path, "format", ok, "a date" if ok else "not a date (YYYY-MM-DD)", one)
    pattern = node.get("pattern")
    if isinstance(pattern, str) and isinstance(value, str):
        found = patterns.search(pattern, value)
        if found is not None:  # a pattern RE2 cannot run is no rule (parsers.schema refuses it)
            message = f"matches {pattern}" if found else f"does not match {pattern}"
            yield RuleResult(path, "pattern", found, message, one)
    enum = node.get("enum")
    if isinstance(enum, list):
        ok = value in enum
        yield RuleResult(
            path, "enum", ok, "one of the choices" if ok else "not one of the choices", one
        )
    if _is_number(value):
        low, high = node.get("minimum"), node.get("maximum")
        if _is_number(low):
            ok = value >= low
            message = f"at least {_number(low)}" if ok else f"{_number(value)} is below {low}"
            yield RuleResult(path, "minimum", ok, message, one)
        if _is_number(high):
            ok = value <= high
            message = f"at most {_number(high)}" if ok else f"{_number(value)} is above {high}"
            yield RuleResult(path, "maximum", ok, message, one)


def _field_rules(node: Any, value: Any, path: str) -> Iterator[RuleResult]:
    kind = schema_rules.field_kind(node)
    if kind == "object":
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        required = node.get("required") if isinstance(node.get("required"), list) else []
        values = value if isinstance(value, dict) else {}
        for name, sub in props.items():
            child = values.get(name)
            where = _join(path, name)
            if name in required:
                ok = not is_empty(child)
                yield RuleResult(where, REQUIRED, ok, "has a value" if ok else "required", (where,))
            yield from _field_rules(sub, child, where)
    elif kind == "array":
        items = node.get("items")
        for i, item in enumerate(value if isinstance(value, list) else []):
            yield from _field_rules(items, item, f"{path}[{i}]")
    elif isinstance(node, dict) and value is not None:
        yield from _scalar_rules(node, value, path)


# --------------------------------------------------------------------------- across fields


def _value_at(data: Any, path: str) -> Any:
    for name in path.split("."):
        data = data.get(name) if isinstance(data, dict) else None
    return data


def _result(check: checks.CheckResult, field: str, fields: tuple[str, ...]) -> RuleResult:
    return RuleResult(field, check.name, bool(check.ok), check.message or "balances", fields)


def _cross_rules(
    config: schema_rules.CrossFieldRules, data: Any, prefix: str
) -> Iterator[RuleResult]:
    roles = config.roles

    def at(path: str) -> str:
        return _join(prefix, path)

    if all(role in roles for role in schema_rules.AMOUNT_ROLES):
        net, tax, gross = (roles[r] for r in schema_rules.AMOUNT_ROLES)
        check = checks.net_plus_tax_equals_gross(
            net=_value_at(data, net), tax=_value_at(data, tax), gross=_value_at(data, gross)
        )
        if check.ok is not None:
            yield _result(check, at(gross), (at(net), at(tax), at(gross)))
    lines = config.line_items
    if lines is not None:
        rows = _value_at(data, lines.field)
        rows = [r if isinstance(r, dict) else {} for r in rows] if isinstance(rows, list) else []

        def cell(i: int, column: str) -> str:
            return at(f"{lines.field}[{i}].{column}")

        if lines.quantity and lines.unit_price and lines.amount:
            for i, row in enumerate(rows):
                check = checks.quantity_times_unit_price(
                    quantity=row.get(lines.quantity),
                    unit_price=row.get(lines.unit_price),
                    amount=row.get(lines.amount),
                )
                if check.ok is not None:
                    involved = (
                        cell(i, lines.quantity),
                        cell(i, lines.unit_price),
                        cell(i, lines.amount),
                    )
                    yield _result(check, involved[-1], involved)
        if lines.amount and lines.sum_to and rows:
            total_path = roles[lines.sum_to]
            check = checks.lines_sum_to_total(
                line_amounts=[row.get(lines.amount) for row in rows],
                total=_value_at(data, total_path),
            )
            if check.ok is not None:
                amounts = tuple(cell(i, lines.amount) for i in range(len(rows)))
                yield _result(check, at(total_path), (*amounts, at(total_path)))
    dates = config.date_range
    if dates is not None and "document_date" in roles:
        reference = roles["document_date"]
        for path in dates.fields:
            check = checks.date_within_range(
                date=_value_at(data, path),
                document_date=_value_at(data, reference),
                days_before=dates.days_before,
                days_after=dates.days_after,
            )
            if check.ok is not None:
                message = check.message or (
                    f"within {dates.days_before} days before and {dates.days_after} days after "
                    "the document date"
                )
                yield RuleResult(
                    at(path), check.name, bool(check.ok), message, (at(path), at(reference))
                )


# --------------------------------------------------------------------------- the output


def validate_values(*, schema: dict[str, Any], output: Any, target: str) -> list[RuleResult]:
    """Every applicable rule of ``schema`` on ``output`` (an object for ``per_doc``, a list of
    objects for ``per_page`` / ``per_table_row``, each checked like a whole document)."""
    if not isinstance(schema, dict):
        return []
    root = {**schema, "type": "object"}
    config = schema_rules.cross_field_rules(schema)
    if target == "per_doc":
        objects = [("", output)] if isinstance(output, dict) else []
    else:
        objects = [(f"[{i}]", row) for i, row in enumerate(output or []) if isinstance(row, dict)]
    results: list[RuleResult] = []
    for prefix, data in objects:
        results.extend(_field_rules(root, data, prefix))
        results.extend(_cross_rules(config, data, prefix))
    return results


def stored_results(results: list[RuleResult]) -> list[dict[str, Any]]:
    """The results as stored on a document and answered by the API: all of them, or past
    ``MAX_RESULTS`` every failure and the passes that still fit, in their order."""
    if len(results) > MAX_RESULTS:
        failing = [i for i, r in enumerate(results) if not r.ok][:MAX_RESULTS]
        passing = [i for i, r in enumerate(results) if r.ok][: MAX_RESULTS - len(failing)]
        results = [results[i] for i in sorted(failing + passing)]
    return [r.as_dict() for r in results]


def failures(results: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [r for r in results or [] if not r.get("ok")]


def failures_by_field(results: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    """Value path -> "Rule: message" of each failing rule it takes part in."""
    out: dict[str, list[str]] = {}
    for result in failures(results):
        text = f"{rule_label(result['rule'])}: {result['message']}"
        for path in result.get("fields") or [result["field"]]:
            out.setdefault(path, []).append(text)
    return out
