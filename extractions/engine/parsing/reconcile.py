"""Choosing a document's net, tax and gross amounts together, by the arithmetic they obey.

Each of the three is first picked on its own (its label, its place, the field ranker). When
the three picks do not add up (net + tax != gross) but other candidates of the same fields
do, the combination that balances and changes the fewest picks replaces them: a tax read
from the rate's base, or a net read from the wrong column of a tax summary, is corrected
by the two others. A pick that is missing is filled only with a candidate that makes the
sum balance. Nothing changes when no combination balances (the confidence model then sees
a failed check), so this can only trade an unbalanced reading for a balanced one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..types import Found
from ..values.checks import net_plus_tax_equals_gross

# concept -> role in the net + tax = gross check
ROLES = {"subtotal": "net", "tax": "tax", "total": "gross"}
# candidates kept per field: a handful of labelled amounts, enough for the arithmetic
MAX_OPTIONS = 6


@dataclass(slots=True)
class AmountOptions:
    """One field's pick and the other candidate amounts for it, best first."""

    path: str
    role: str
    picked: Found | None
    others: list[Found] = field(default_factory=list)

    def values(self) -> list[Found | None]:
        out: list[Found | None] = [self.picked]
        seen = {self.picked.value} if self.picked is not None else set()
        for f in self.others:
            if f.value in seen or not isinstance(f.value, int | float):
                continue
            seen.add(f.value)
            out.append(f)
            if len(out) > MAX_OPTIONS:
                break
        return out


def balanced_choice(options: list[AmountOptions]) -> dict[str, Found] | None:
    """The paths whose pick should change, and to what, so that net + tax = gross; None when
    the picks already balance, a role is missing or repeated, or nothing balances."""
    by_role: dict[str, AmountOptions] = {}
    for o in options:
        if o.role in by_role:
            return None  # two fields of one role (net of goods, net of services): ambiguous
        by_role[o.role] = o
    if set(by_role) != {"net", "tax", "gross"}:
        return None
    picked = {r: o.picked for r, o in by_role.items()}
    if sum(1 for f in picked.values() if f is None) > 1:
        return None
    if all(f is not None for f in picked.values()) and _balances(picked):
        return None
    choices = {r: o.values() for r, o in by_role.items()}
    best: tuple[tuple[int, int], dict[str, Found | None]] | None = None
    roles = ("net", "tax", "gross")
    for idx in itertools.product(*(range(len(choices[r])) for r in roles)):
        reading = {r: choices[r][i] for r, i in zip(roles, idx, strict=True)}
        if any(f is None for f in reading.values()) or not _balances(reading):
            continue
        changed = sum(1 for i in idx if i)
        # a zero tax balances any net equal to the gross: evidence only for the tax itself
        # (net and gross as read agree), never a reason to move them
        tax = reading["tax"]
        if tax is not None and not tax.value and (idx[0] or idx[2]):
            continue
        # at least one of the three picks must stand: three new values are a new reading,
        # not a correction
        if changed >= 3:
            continue
        key = (changed, sum(idx))
        if best is None or key < best[0]:
            best = (key, reading)
    if best is None:
        return None
    return {
        by_role[r].path: f
        for r, f in best[1].items()
        if f is not None and f is not by_role[r].picked
    }


def _balances(reading: dict[str, Found | None]) -> bool:
    n, t, g = reading["net"], reading["tax"], reading["gross"]
    if n is None or t is None or g is None:
        return False
    if not g.value or not n.value:
        return False
    return bool(net_plus_tax_equals_gross(net=n.value, tax=t.value, gross=g.value).ok)
