"""A minimal PDF writer for the parsers tests: Helvetica text at given positions, a real text
layer, no dependency beyond the standard library."""

from __future__ import annotations

A4 = (595.0, 842.0)

# (x, y from the top of the page, text, font size)
Text = tuple[float, float, str, float]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: list[list[Text]], *, size: tuple[float, float] = A4) -> bytes:
    """A PDF with one page per list of texts."""
    width, height = size
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the pages object number is known
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for texts in pages:
        ops = []
        for x, y, text, font_size in texts:
            ops.append(f"BT /F1 {font_size:g} Tf {x:g} {height - y:g} Td ({_escape(text)}) Tj ET")
        stream = "\n".join(ops).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                (
                    f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width:g} {height:g}] "
                    f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
                ).encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


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
