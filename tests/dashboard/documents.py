"""Documents the dashboard tests generate themselves (fpdf2, a text layer: no OCR needed)."""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF

INVOICE_LINES = [
    ("Steel bolts M8", "12", "2.50", "30.00"),
    ("Copper wire 2mm", "3", "45.00", "135.00"),
    ("Safety gloves", "10", "6.00", "60.00"),
]

# What the dashboard's designer produces for an invoice with line items.
INVOICE_SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string", "description": "The invoice number"},
        "invoice_date": {"type": "string", "format": "date"},
        "total": {"type": "number", "description": "Total amount due"},
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "quantity": {"type": "number"},
                    "unit_price": {"type": "number"},
                    "amount": {"type": "number"},
                },
            },
        },
    },
    "required": [],
}


def invoice_pdf(number: str = "INV-2024-0042", *, pages: int = 1) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.text(20, 25, "Acme Supplies Ltd")
    pdf.set_font("Helvetica", "", 11)
    pdf.text(20, 33, "12 Harbour Road, Bristol")
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(140, 25, "INVOICE")
    pdf.set_font("Helvetica", "", 11)
    pdf.text(120, 40, f"Invoice number: {number}")
    pdf.text(120, 48, "Invoice date: 2026-03-14")
    pdf.text(20, 60, "Bill to: Umbrella Retail")
    y = 80
    for x, text in zip(
        (20, 110, 140, 170), ("Description", "Qty", "Unit price", "Amount"), strict=True
    ):
        pdf.text(x, y, text)
    pdf.line(18, y + 2, 195, y + 2)
    for desc, qty, price, amount in INVOICE_LINES:
        y += 9
        for x, text in zip((20, 110, 140, 170), (desc, qty, price, amount), strict=True):
            pdf.text(x, y, text)
    pdf.line(18, y + 3, 195, y + 3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.text(120, y + 15, "Total due:")
    pdf.text(170, y + 15, "225.00")
    for n in range(2, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 11)
        pdf.text(20, 20, f"Page {n}: terms and conditions.")
    return bytes(pdf.output())


def not_a_document() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 200
