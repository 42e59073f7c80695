"""What identifies a business document across submissions: its issuer, its number and its
total, each in a normal form; the key duplicate detection compares.

``normalise_issuer`` is THE normal form of an issuer's name (a later vendor fingerprint
builds on it): case, accents, punctuation and spacing folded, a leading "the" and trailing
legal forms dropped ("ACME Supplies Ltd." and "Acme supplies limited" are one issuer).

Plain Python (no Django): the fields come from the parser's schema by their meaning
(``parsers.rules.identity_fields``: the customer's ``x-validation`` roles, else names).
"""

from __future__ import annotations

import hashlib
from typing import Any

from extractions.engine.values.amounts import parse_amount
from extractions.engine.values.text import tokens

# Legal forms and their pieces, dropped from the end of a name ("GmbH & Co. KG", "Sdn Bhd").
_LEGAL_FORMS = frozenset(
    [
        "ltd", "limited", "llc", "llp", "inc", "incorporated", "corp", "corporation", "co",
        "company", "plc", "gmbh", "ag", "kg", "ohg", "ug", "ev", "sa", "sas", "sarl", "sasu",
        "eurl", "sc", "snc", "bv", "nv", "vof", "srl", "spa", "sl", "sdn", "bhd", "pty", "pte",
        "oy", "ab", "as", "aps", "kk", "and",
    ]
)  # fmt: skip
_NUMBER_PREFIXES = frozenset(["no", "nr", "n", "num", "number", "nummer", "numero"])


def normalise_issuer(name: Any) -> str:
    """An issuer's name in one form for comparing: "" when there is no name."""
    if not isinstance(name, str):
        return ""
    words = tokens(name)
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    end = len(words)
    while end > 1 and words[end - 1] in _LEGAL_FORMS:
        end -= 1
    return " ".join(words[:end])


def normalise_number(value: Any) -> str:
    """A document number without case, separators or a "No." in front: "INV-1001",
    "inv 1001" and "No. INV/1001" are one number."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        value = f"{value:g}" if isinstance(value, float) else str(value)
    words = tokens(str(value))
    if len(words) > 1 and words[0] in _NUMBER_PREFIXES:
        words = words[1:]
    return "".join(words)


def normalise_total(value: Any) -> str:
    """A total to the cent ("1234.50"), from a number or a printed amount."""
    if isinstance(value, bool) or value is None:
        return ""
    amount = float(value) if isinstance(value, int | float) else parse_amount(str(value))
    return "" if amount is None else f"{round(amount, 2):.2f}"


def _value_at(data: Any, path: str) -> Any:
    for name in path.split("."):
        data = data.get(name) if isinstance(data, dict) else None
    return data


def content_key(output: Any, fields: dict[str, str]) -> str:
    """The key of a document's issuer + number + total (a hash), or "" when one of them is
    missing from its output. ``fields``: role -> path (``identity_fields``)."""
    if not isinstance(output, dict) or not {"issuer", "document_number", "total"} <= set(fields):
        return ""
    parts = (
        normalise_issuer(_value_at(output, fields["issuer"])),
        normalise_number(_value_at(output, fields["document_number"])),
        normalise_total(_value_at(output, fields["total"])),
    )
    if not all(parts):
        return ""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
