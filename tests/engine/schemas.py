"""Schemas several engine tests share."""

from __future__ import annotations

from typing import Any

# The dev corpus' invoice schema, written out here: nullable types as lists.
CORPUS_INVOICE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "issuer": {"type": ["string", "null"], "description": "Name of the party issuing the invoice (seller / vendor)."},
        "invoice_number": {"type": ["string", "null"], "description": "Invoice (document) number as printed."},
        "date": {"type": ["string", "null"], "description": "Invoice issue date."},
        "date_due": {"type": ["string", "null"], "description": "Payment due date."},
        "amount": {"type": ["number", "null"], "description": "Grand total including tax."},
        "amount_untaxed": {"type": ["number", "null"], "description": "Total before tax (net)."},
        "amount_tax": {"type": ["number", "null"], "description": "Total tax amount."},
        "currency": {"type": ["string", "null"], "pattern": "^[A-Z]{3}$", "description": "ISO 4217 currency code."},
        "lines": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "description": {"type": ["string", "null"]},
                    "quantity": {"type": ["number", "null"]},
                    "unit_price": {"type": ["number", "null"]},
                    "amount": {"type": ["number", "null"]},
                },
            },
        },
    },
}  # fmt: skip
