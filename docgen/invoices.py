"""Invoice layouts, each with the schema of what it prints.

``invoice_pdf``: a realistic generated invoice (seeded), a header on page 1, line items over
any number of pages with ruled or unruled tables, totals last; it returns the expected values
too. ``simple_invoice_pdf``: one page of labelled header fields and a total, plus pages of
terms (the API tests' document). ``line_item_invoice_pdf``: header fields, a three-row
line-item table and a total (the dashboard's). Layouts are data; ``pdf.build_pdf`` draws them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .pdf import A4, MM, PageSpec, TextItem, build_pdf


def line_item_schema() -> dict[str, Any]:
    """The item schema of a line-item table: description, quantity, unit price, amount (a new
    dict each time: callers may change theirs)."""
    return {
        "type": "object",
        "properties": {
            "description": {"type": "string"},
            "quantity": {"type": "number"},
            "unit_price": {"type": "number"},
            "amount": {"type": "number"},
        },
    }


# What ``invoice_pdf`` prints, field by field.
INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "issuer": {"type": "string", "description": "Company that issued the invoice"},
        "invoice_number": {"type": "string"},
        "date": {"type": "string", "format": "date", "description": "Invoice date"},
        "due_date": {"type": "string", "format": "date"},
        "customer": {"type": "string", "description": "Billed customer name"},
        "currency": {"type": "string"},
        "subtotal": {"type": "number", "description": "Total before tax"},
        "tax": {"type": "number", "description": "VAT amount"},
        "total": {"type": "number", "description": "Total amount due including tax"},
        "lines": {"type": "array", "items": line_item_schema()},
    },
}

_PRODUCTS = (
    "Steel bolts M8",
    "Copper wire 2mm",
    "Safety gloves",
    "LED panel 60x60",
    "Cable ties 200",
    "Drill bit set",
    "Wood screws 4x40",
    "Paint roller",
    "Masking tape",
    "Extension cord 5m",
)
_COMPANIES = ("Acme Supplies Ltd", "Northwind Traders", "Globex Industrial", "Initech Parts")
_CUSTOMERS = ("Umbrella Retail", "Stark Workshop", "Wayne Facilities", "Tyrell Components")


def invoice_pdf(
    pages: int = 1,
    *,
    seed: int = 0,
    rows_per_page: int = 18,
    ruled: bool = True,
) -> tuple[bytes, dict[str, Any]]:
    """A realistic invoice: header on page 1, line items over ``pages`` pages, totals last.

    Returns the PDF and the expected values for ``INVOICE_SCHEMA``.
    """
    rng = random.Random(seed)
    issuer = rng.choice(_COMPANIES)
    customer = rng.choice(_CUSTOMERS)
    number = f"INV-{rng.randint(10000, 99999)}"
    issued = date(2024, 1, 1) + timedelta(days=rng.randint(0, 300))
    due = issued + timedelta(days=30)
    h = A4[1]
    specs: list[PageSpec] = []
    lines: list[dict[str, Any]] = []
    subtotal = 0.0
    cols = (50.0, 330.0, 410.0, 490.0)
    for p in range(pages):
        spec = PageSpec()
        spec.texts += [
            (50, 60, issuer, 16),
            (50, 78, "12 Harbour Road, Bristol BS1 4DJ", 9),
            (400, 60, "INVOICE", 18),
            (400, 85, f"Invoice No: {number}", 10),
            (400, 100, f"Date: {issued:%d %B %Y}", 10),
            (400, 115, f"Due date: {due:%d %B %Y}", 10),
            (50, 115, f"Bill to: {customer}", 10),
            (50, h - 30, f"Page {p + 1} of {pages}", 8),
        ]
        top = 160.0
        headers = ("Description", "Qty", "Unit price", "Amount")
        for x, text in zip(cols, headers, strict=True):
            spec.texts.append((x, top, text, 10))
        y = top + 18
        for _ in range(rows_per_page):
            desc = rng.choice(_PRODUCTS)
            qty = rng.randint(1, 20)
            price = round(rng.uniform(1, 200), 2)
            amount = round(qty * price, 2)
            subtotal = round(subtotal + amount, 2)
            lines.append(
                {"description": desc, "quantity": qty, "unit_price": price, "amount": amount}
            )
            spec.texts += [
                (cols[0], y, desc, 10),
                (cols[1], y, str(qty), 10),
                (cols[2], y, f"{price:,.2f}", 10),
                (cols[3], y, f"{amount:,.2f}", 10),
            ]
            if ruled:
                spec.lines.append((45, y + 5, 560, y + 5))
            y += 20
        if ruled:
            spec.lines.append((45, top - 14, 560, top - 14))
            spec.lines.append((45, top + 5, 560, top + 5))
            for x in (45, cols[1] - 5, cols[2] - 5, cols[3] - 5, 560):
                spec.lines.append((x, top - 14, x, y - 15))
        specs.append(spec)
    tax = round(subtotal * 0.2, 2)
    total = round(subtotal + tax, 2)
    last = specs[-1]
    y = 178 + rows_per_page * 20 + 20
    last.texts += [
        (400, y, "Subtotal", 10),
        (490, y, f"{subtotal:,.2f}", 10),
        (400, y + 16, "VAT 20%", 10),
        (490, y + 16, f"{tax:,.2f}", 10),
        (400, y + 34, "Total due (EUR)", 11),
        (490, y + 50, f"{total:,.2f}", 11),
    ]
    expected = {
        "issuer": issuer,
        "invoice_number": number,
        "date": issued.isoformat(),
        "due_date": due.isoformat(),
        "customer": customer,
        "currency": "EUR",
        "subtotal": subtotal,
        "tax": tax,
        "total": total,
        "lines": lines,
    }
    return build_pdf(specs), expected


# --------------------------------------------------------------------------- simple invoice


def _header_properties() -> dict[str, Any]:
    """Number, date and total: the fields both one-page invoices below print."""
    return {
        "invoice_number": {"type": "string", "description": "The invoice number"},
        "invoice_date": {"type": "string", "format": "date"},
        "total": {"type": "number", "description": "Total amount due"},
    }


SIMPLE_INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {**_header_properties(), "paid": {"type": "boolean"}},
}


def simple_invoice_pdf(
    number: str = "INV-1001",
    *,
    date: str = "2026-03-14",
    total: str = "1,234.50",
    vendor: str = "Acme Supplies Ltd",
    pages: int = 1,
) -> bytes:
    """An invoice on page 1 (vendor, number, date, one service line, total), plus
    ``pages - 1`` pages of terms and conditions. Same arguments, same bytes."""
    first: list[TextItem] = [
        (20 * MM, 25 * MM, vendor, 18, "B"),
        (20 * MM, 40 * MM, "12 Market Street, Springfield", 12),
        (20 * MM, 60 * MM, "INVOICE", 16, "B"),
        (20 * MM, 75 * MM, f"Invoice number: {number}", 12),
        (20 * MM, 85 * MM, f"Invoice date: {date}", 12),
        (20 * MM, 110 * MM, "Description", 12),
        (150 * MM, 110 * MM, "Amount", 12),
        (20 * MM, 120 * MM, "Consulting services", 12),
        (150 * MM, 120 * MM, total, 12),
        (20 * MM, 140 * MM, "Total due:", 12, "B"),
        (150 * MM, 140 * MM, f"{total} EUR", 12, "B"),
    ]
    terms = [
        [
            (20 * MM, (20 + 8 * i) * MM, f"Page {n}, terms and conditions line {i + 1}.", 11)
            for i in range(30)
        ]
        for n in range(2, pages + 1)
    ]
    return build_pdf([first, *terms])


# --------------------------------------------------------------------------- line items

LINE_ITEMS = [
    ("Steel bolts M8", "12", "2.50", "30.00"),
    ("Copper wire 2mm", "3", "45.00", "135.00"),
    ("Safety gloves", "10", "6.00", "60.00"),
]

# What the dashboard's designer produces for an invoice with line items.
LINE_ITEM_INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **_header_properties(),
        "line_items": {"type": "array", "items": line_item_schema()},
    },
    "required": [],
}


def line_item_invoice_pdf(number: str = "INV-2024-0042", *, pages: int = 1) -> bytes:
    """Header fields, the ``LINE_ITEMS`` table between two rules, "Total due: 225.00", plus
    ``pages - 1`` pages of terms."""
    spec = PageSpec(
        texts=[
            (20 * MM, 25 * MM, "Acme Supplies Ltd", 18, "B"),
            (20 * MM, 33 * MM, "12 Harbour Road, Bristol", 11),
            (140 * MM, 25 * MM, "INVOICE", 16, "B"),
            (120 * MM, 40 * MM, f"Invoice number: {number}", 11),
            (120 * MM, 48 * MM, "Invoice date: 2026-03-14", 11),
            (20 * MM, 60 * MM, "Bill to: Umbrella Retail", 11),
        ]
    )
    columns = (20, 110, 140, 170)
    y = 80
    header = ("Description", "Qty", "Unit price", "Amount")
    spec.texts += [(x * MM, y * MM, text, 11) for x, text in zip(columns, header, strict=True)]
    spec.lines.append((18 * MM, (y + 2) * MM, 195 * MM, (y + 2) * MM))
    for row in LINE_ITEMS:
        y += 9
        spec.texts += [(x * MM, y * MM, text, 11) for x, text in zip(columns, row, strict=True)]
    spec.lines.append((18 * MM, (y + 3) * MM, 195 * MM, (y + 3) * MM))
    spec.texts += [
        (120 * MM, (y + 15) * MM, "Total due:", 12, "B"),
        (170 * MM, (y + 15) * MM, "225.00", 12, "B"),
    ]
    terms = [
        [(20 * MM, 20 * MM, f"Page {n}: terms and conditions.", 11)] for n in range(2, pages + 1)
    ]
    return build_pdf([spec, *terms])
