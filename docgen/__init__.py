"""Documents generated for the engine's tests and benchmarks (no corpus files needed).

PDFs with a real text layer come from fpdf2 (a dev dependency), placed at exact
coordinates so tests can assert word boxes; images are drawn with Pillow's
default (FreeType) font at a large size so OCR reads them reliably.

Coordinates given to these helpers are PDF points from the *top-left* corner of
the page, ``y`` being the text baseline, which is also how the engine reports
boxes (normalised by page size).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw, ImageFont

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)

# A text item: (x, baseline y, text) or (x, baseline y, text, font size).
TextItem = tuple[float, float, str] | tuple[float, float, str, float]
# A ruling: (x0, y0, x1, y1) in points from the top-left.
Line = tuple[float, float, float, float]


@dataclass
class PageSpec:
    texts: list[TextItem] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, w, h
    images: list[tuple[Image.Image, float, float, float, float]] = field(default_factory=list)


def _new_pdf(page_size: tuple[float, float]) -> FPDF:
    pdf = FPDF(unit="pt", format=page_size)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_compression(True)
    pdf.set_creator("perfectparser tests")
    return pdf


def build_pdf(
    pages: Sequence[PageSpec | Sequence[TextItem]],
    *,
    page_size: tuple[float, float] = A4,
    font_size: float = 12,
    font: str = "helvetica",
    user_password: str | None = None,
) -> bytes:
    """A PDF whose pages carry the given texts (a text layer), lines, rectangles and images."""
    pdf = _new_pdf(page_size)
    for spec in pages:
        page = spec if isinstance(spec, PageSpec) else PageSpec(texts=list(spec))
        pdf.add_page()
        for item in page.texts:
            size = item[3] if len(item) > 3 else font_size  # type: ignore[misc]
            pdf.set_font(font, size=size)
            pdf.text(item[0], item[1], item[2])
        pdf.set_line_width(0.75)
        for x0, y0, x1, y1 in page.lines:
            pdf.line(x0, y0, x1, y1)
        for x, y, w, h in page.rects:
            pdf.rect(x, y, w, h)
        for img, x, y, w, h in page.images:
            pdf.image(img, x=x, y=y, w=w, h=h)
    if user_password is not None:
        pdf.set_encryption(
            owner_password="owner-" + user_password,
            user_password=user_password,
            encryption_method=EncryptionMethod.RC4,
        )
    return bytes(pdf.output())


def string_width(text: str, size: float = 12, font: str = "helvetica") -> float:
    """Advance width (points) of ``text`` in a standard font, as fpdf2 lays it out."""
    pdf = _new_pdf(A4)
    pdf.add_page()
    pdf.set_font(font, size=size)
    return float(pdf.get_string_width(text))


def transform_pdf(
    data: bytes,
    *,
    rotation: dict[int, int] | None = None,
    cropbox: dict[int, tuple[float, float, float, float]] | None = None,
) -> bytes:
    """Set /Rotate (degrees clockwise) and/or the crop box (PDF units l, b, r, t) of pages (1-based)."""
    doc = pdfium.PdfDocument(data)
    try:
        for number, degrees in (rotation or {}).items():
            page = doc[number - 1]
            page.set_rotation(degrees)
            page.close()
        for number, box in (cropbox or {}).items():
            page = doc[number - 1]
            page.set_cropbox(*box)
            page.close()
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()
    finally:
        doc.close()


def scanned_pdf(images: Iterable[Image.Image], *, dpi: float = 150) -> bytes:
    """A PDF of image-only pages (a scan without a text layer), one image per page."""
    imgs = list(images)
    first = imgs[0]
    pdf = _new_pdf((first.width * 72 / dpi, first.height * 72 / dpi))
    for img in imgs:
        w, h = img.width * 72 / dpi, img.height * 72 / dpi
        pdf.add_page(format=(w, h))
        pdf.image(img.convert("RGB"), x=0, y=0, w=w, h=h)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- images


@dataclass
class TextImage:
    image: Image.Image
    lines: list[tuple[str, tuple[int, int, int, int]]]  # text, pixel box (x0, y0, x1, y1)


def text_image(
    lines: Sequence[str],
    *,
    font_size: int = 48,
    margin: int = 60,
    line_gap: float = 0.8,
    size: tuple[int, int] | None = None,
) -> TextImage:
    """Black text on white, drawn with Pillow's default font at ``font_size`` px."""
    font = ImageFont.load_default(size=font_size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    step = int(font_size * (1 + line_gap))
    width = size[0] if size else margin * 2 + max(b[2] for b in boxes)
    height = size[1] if size else margin * 2 + step * (len(lines) - 1) + font_size + font_size // 3
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    placed = []
    for i, line in enumerate(lines):
        x, y = margin, margin + i * step
        draw.text((x, y), line, fill="black", font=font)
        placed.append((line, tuple(int(v) for v in draw.textbbox((x, y), line, font=font))))
    return TextImage(img, placed)  # type: ignore[arg-type]


def encode_image(img: Image.Image, fmt: str, *, exif_orientation: int | None = None) -> bytes:
    """Encode as PNG/JPEG/WEBP/BMP/GIF/TIFF, optionally with an EXIF orientation tag."""
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    if fmt.upper() in ("JPEG", "JPG"):
        kwargs["quality"] = 92
    img.save(buf, format=fmt.upper().replace("JPG", "JPEG"), **kwargs)
    return buf.getvalue()


def with_exif_rotation(img: Image.Image, orientation: int = 6) -> bytes:
    """A JPEG stored sideways whose EXIF tag says how to turn it upright (as phones do)."""
    stored = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,  # stored turned left; viewers turn it right (clockwise)
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    return encode_image(img.transpose(stored), "JPEG", exif_orientation=orientation)


def multipage_tiff(images: Sequence[Image.Image]) -> bytes:
    buf = io.BytesIO()
    first, *rest = [i.convert("RGB") for i in images]
    first.save(buf, format="TIFF", save_all=True, append_images=rest, compression="tiff_deflate")
    return buf.getvalue()


# --------------------------------------------------------------------------- invoices

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
        "lines": {
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


# --------------------------------------------------------------------------- bad inputs


def encrypted_pdf(password: str = "secret") -> bytes:
    """A PDF that needs a user password to open (RC4, as many older tools write)."""
    return build_pdf([[(72, 72, "Confidential")]], user_password=password)


def corrupted_pdf() -> bytes:
    """Starts like a PDF but has no readable objects, xref or trailer."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(
        random.Random(7).randrange(256) for _ in range(2048)
    )


def truncated_pdf(data: bytes) -> bytes:
    """The first 200 bytes of a real PDF: a transfer cut short."""
    return data[:200]


def fake_exe() -> bytes:
    """A Windows executable (MZ header) — what a renamed ``.exe`` posing as a PDF contains."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
    )
