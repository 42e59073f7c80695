"""Arithmetic self-checks between extracted amounts, each named and saying which values it
involves.

The engine uses them to choose between candidate readings (the amount triple whose net + tax
equals its gross; the column reading in which quantity × unit price gives the line amount)
and to lower its confidence when nothing balances. The product exposes the same checks as
cross-field validation rules of a parser, so there is one implementation of each rule (with
one more that only the rules use so far: a date within a range of the document date).

A check whose values are missing is not applicable (``ok`` is None), never failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

NET_PLUS_TAX_EQUALS_GROSS = "net_plus_tax_equals_gross"
LINES_SUM_TO_TOTAL = "lines_sum_to_total"
QUANTITY_TIMES_UNIT_PRICE = "quantity_times_unit_price"
DATE_WITHIN_RANGE = "date_within_range"
CHECK_NAMES = (
    NET_PLUS_TAX_EQUALS_GROSS,
    LINES_SUM_TO_TOTAL,
    QUANTITY_TIMES_UNIT_PRICE,
    DATE_WITHIN_RANGE,
)

# Printed amounts are rounded to the cent; a product or sum of rounded values may be off by
# a little more than a cent per term, never by a share of the total.
CENT = 0.01


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool | None  # None: not applicable (a value is missing)
    involves: tuple[str, ...]  # the roles of the values it compares, e.g. ("net", "tax", "gross")
    expected: float | None = None  # what the others add up to
    actual: float | None = None  # what was read
    message: str = ""


def _num(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _close(a: float, b: float, terms: int) -> bool:
    return abs(a - b) <= CENT * max(1, terms) + 1e-9


def net_plus_tax_equals_gross(*, net: object, tax: object, gross: object) -> CheckResult:
    """net + tax = gross (to the cent)."""
    roles = ("net", "tax", "gross")
    n, t, g = _num(net), _num(tax), _num(gross)
    if n is None or t is None or g is None:
        return CheckResult(NET_PLUS_TAX_EQUALS_GROSS, None, roles)
    want = round(n + t, 2)
    ok = _close(want, g, 1)
    msg = "" if ok else f"net {n:.2f} + tax {t:.2f} = {want:.2f}, but the gross total is {g:.2f}"
    return CheckResult(NET_PLUS_TAX_EQUALS_GROSS, ok, roles, want, g, msg)


def lines_sum_to_total(*, line_amounts: Sequence[object], total: object) -> CheckResult:
    """The line amounts add up to the total they are compared with (net or gross)."""
    roles = ("lines", "total")
    amounts = [_num(a) for a in line_amounts]
    t = _num(total)
    if t is None or not amounts or any(a is None for a in amounts):
        return CheckResult(LINES_SUM_TO_TOTAL, None, roles)
    want = round(sum(a for a in amounts if a is not None), 2)
    ok = _close(want, t, 1)
    msg = "" if ok else f"the {len(amounts)} line amounts add up to {want:.2f}, not {t:.2f}"
    return CheckResult(LINES_SUM_TO_TOTAL, ok, roles, want, t, msg)


def quantity_times_unit_price(
    *, quantity: object, unit_price: object, amount: object
) -> CheckResult:
    """quantity × unit price = line amount (to the cent, or to a cent per unit when the unit
    price itself was rounded)."""
    roles = ("quantity", "unit_price", "amount")
    q, p, a = _num(quantity), _num(unit_price), _num(amount)
    if q is None or p is None or a is None:
        return CheckResult(QUANTITY_TIMES_UNIT_PRICE, None, roles)
    want = round(q * p, 2)
    ok = _close(want, a, 1) or _close(q * p, a, int(min(abs(q), 1000)))
    msg = "" if ok else f"{q:g} × {p:.2f} = {want:.2f}, but the line amount is {a:.2f}"
    return CheckResult(QUANTITY_TIMES_UNIT_PRICE, ok, roles, want, a, msg)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10]) if len(value) >= 10 else None
        except ValueError:
            return None
    return None


def date_within_range(
    *, date: object, document_date: object, days_before: int, days_after: int
) -> CheckResult:
    """``date`` (a due date, a delivery date) lies between ``days_before`` days before and
    ``days_after`` days after the document date (ISO dates, both ends included)."""
    roles = ("date", "document_date")
    d, ref = _date(date), _date(document_date)
    if d is None or ref is None:
        return CheckResult(DATE_WITHIN_RANGE, None, roles)
    offset = (d - ref).days
    ok = -days_before <= offset <= days_after
    if ok:
        msg = ""
    elif offset < 0:
        msg = (
            f"{d.isoformat()} is {-offset} days before the document date {ref.isoformat()} "
            f"(at most {days_before} allowed)"
        )
    else:
        msg = (
            f"{d.isoformat()} is {offset} days after the document date {ref.isoformat()} "
            f"(at most {days_after} allowed)"
        )
    # actual: the offset in days (negative: before the document date)
    return CheckResult(DATE_WITHIN_RANGE, ok, roles, None, float(offset), msg)


def balancing_reading(
    readings: Sequence[Mapping[str, object]], check: Callable[..., CheckResult]
) -> tuple[int, CheckResult] | None:
    """The first of several candidate readings (keyword arguments of ``check``, e.g. amount
    triples ``{"net": .., "tax": .., "gross": ..}`` or column readings of a row) that the
    check accepts, with its result; None when none balances (the caller then lowers its
    confidence). The order of ``readings`` is the caller's preference."""
    for i, reading in enumerate(readings):
        res = check(**reading)
        if res.ok is True:
            return i, res
    return None


def balanced_share(results: Sequence[CheckResult]) -> float | None:
    """The share of applicable check results that passed (None when none applied): how well
    a whole reading (every row of a table, say) balances."""
    applicable = [r for r in results if r.ok is not None]
    if not applicable:
        return None
    return sum(1 for r in applicable if r.ok) / len(applicable)
