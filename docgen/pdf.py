"""PDFs with a real text layer (fpdf2), placed at exact coordinates, and scans of images.

Coordinates are PDF points from the *top-left* corner of the page, ``y`` being the text
baseline, which is also how the engine reports boxes (normalised by page size). Layouts
written in millimetres multiply by ``MM``. The same arguments always give the same bytes
(a fixed creation date), which idempotency tests rely on.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
MM = 72 / 25.4  # points per millimetre

# A text item: (x, baseline y, text), optionally followed by the font size and the style
# ("B" bold, "I" italic, "BI").
TextItem = (
    tuple[float, float, str]
    | tuple[float, float, str, float]
    | tuple[float, float, str, float, str]
)
# A ruling: (x0, y0, x1, y1) in points from the top-left.
Line = tuple[float, float, float, float]

CREATION_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass
class PageSpec:
    texts: list[TextItem] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, w, h
    images: list[tuple[Image.Image, float, float, float, float]] = field(default_factory=list)


def _new_pdf(page_size: tuple[float, float]) -> FPDF:
    pdf = FPDF(unit="pt", format=page_size)
    # the standard fonts are written with WinAnsiEncoding: cp1252 also draws "€", "–", "‰"
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_compression(True)
    pdf.set_creator("perfectparser docgen")
    pdf.set_creation_date(CREATION_DATE)  # same arguments, same bytes
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
            style = item[4] if len(item) > 4 else ""  # type: ignore[misc]
            pdf.set_font(font, style=style, size=size)
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


def text_pdf(*lines: str, size: float = 12) -> bytes:
    """A one-page A4 PDF with the given lines of text, one under the other from the top left."""
    return build_pdf([[(20 * MM, (30 + 10 * i) * MM, line, size) for i, line in enumerate(lines)]])


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


def blank_pdf(pages: int = 1, *, size: tuple[int, int] = (200, 260)) -> bytes:
    """``pages`` blank scanned pages of ``size`` points: a valid PDF of a known page count."""
    return scanned_pdf([Image.new("RGB", size, "white")] * pages, dpi=72)


def encrypted_pdf(password: str = "secret") -> bytes:
    """A PDF that needs a user password to open (RC4, as many older tools write)."""
    return build_pdf([[(72, 72, "Confidential")]], user_password=password)
