"""PDFs for the parsers tests: Helvetica text at given positions, a real text layer (written
by the engine tests' generator)."""

from __future__ import annotations

from docgen import A4, build_pdf

# (x, baseline y from the top of the page, text, font size)
Text = tuple[float, float, str, float]


def text_pdf(pages: list[list[Text]], *, size: tuple[float, float] = A4) -> bytes:
    """A PDF with one page per list of texts."""
    return build_pdf(pages, page_size=size)


def invoice_pdf(*, extra_pages: int = 0) -> bytes:
    """A one-page invoice (plus blank-ish extra pages) with labelled header fields, a line-item
    table and totals."""
    page = [
        (50, 60, "ACME Supplies Ltd", 18),
        (50, 80, "12 Harbour Road, Bristol BS1 4QA", 10),
        (400, 60, "INVOICE", 20),
        (50, 130, "Invoice Number:", 11),
        (160, 130, "INV-2024-0042", 11),
        (50, 148, "Invoice Date:", 11),
        (160, 148, "15/03/2024", 11),
        (50, 166, "Due Date:", 11),
        (160, 166, "14/04/2024", 11),
        (50, 184, "Customer:", 11),
        (160, 184, "Globex Corporation", 11),
        (50, 240, "Description", 11),
        (300, 240, "Qty", 11),
        (370, 240, "Unit Price", 11),
        (470, 240, "Amount", 11),
        (50, 262, "Steel brackets", 11),
        (300, 262, "10", 11),
        (370, 262, "50.00", 11),
        (470, 262, "500.00", 11),
        (50, 280, "Hex bolts (box)", 11),
        (300, 280, "20", 11),
        (370, 280, "35.00", 11),
        (470, 280, "700.00", 11),
        (370, 330, "Subtotal:", 11),
        (470, 330, "1,200.00", 11),
        (370, 348, "VAT 20%:", 11),
        (470, 348, "240.00", 11),
        (370, 366, "Total:", 11),
        (470, 366, "1,440.00", 11),
    ]
    extra = [[(50, 60, f"Terms and conditions, page {i + 2}", 11)] for i in range(extra_pages)]
    return text_pdf([page, *extra])
