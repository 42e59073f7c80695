"""Page images (PNG) for the API's page-image endpoint and the review UI.

The picture matches the coordinate frame of citations: PDF pages are rendered
with their /Rotate and crop box, images are EXIF-transposed, and ``rotation``
(``PageInfo.rotation`` of an extraction: the turn OCR applied to read a
sideways scan) is applied on top.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image

from ..types import EXTRACTION_FAILED, EngineError
from . import intake, pdf_guard
from .intake import Source

MAX_RENDER_PIXELS = 40_000_000


def render_page_image(
    source: Source | intake.DocumentSource,
    page_number: int,
    *,
    max_side: int = 1600,
    rotation: int = 0,
) -> Image.Image:
    """The page as an RGB Pillow image whose longer side is at most ``max_side`` px."""
    src = intake.as_source(source)
    media_type = intake.detect(src)
    if media_type == intake.PDF:
        with intake.PDFIUM_LOCK:
            return rotate_clockwise(_render_pdf(src, page_number, max_side), rotation)
    img = intake.open_image(src)
    try:
        count = intake.image_frame_count(img, media_type)
        if not 1 <= page_number <= count:
            raise EngineError(
                EXTRACTION_FAILED,
                f"Page {page_number} is out of range: the document has {count} pages.",
            )
        image = next(
            intake.iter_image_pages(img, media_type, [page_number], max_side=max_side)
        ).image
    finally:
        img.close()
    return rotate_clockwise(image, rotation)


def _render_pdf(src: intake.DocumentSource, page_number: int, max_side: int) -> Image.Image:
    pdf_guard.check_pdf(src.pdfium_input())
    doc = intake.open_pdf(src)
    try:
        if not 1 <= page_number <= len(doc):
            raise EngineError(
                EXTRACTION_FAILED,
                f"Page {page_number} is out of range: the document has {len(doc)} pages.",
            )
        try:
            page = doc[page_number - 1]
        except pdfium.PdfiumError as exc:  # a damaged page tree (counted, not loadable)
            raise EngineError(
                EXTRACTION_FAILED, f"Page {page_number} of the PDF cannot be read ({exc})."
            ) from exc
        try:
            return render_pdf_page(page, max_side=max_side)
        finally:
            page.close()
    finally:
        doc.close()


def render_page_png(
    source: Source | intake.DocumentSource,
    page_number: int,
    *,
    max_side: int = 1600,
    rotation: int = 0,
) -> bytes:
    image = render_page_image(source, page_number, max_side=max_side, rotation=rotation)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def render_pdf_page(page: pdfium.PdfPage, *, max_side: int) -> Image.Image:
    """Render one pdfium page to RGB so that its longer side is ``max_side`` px."""
    width, height = page.get_size()
    longest = max(width, height, 1.0)
    scale = max_side / longest
    # Guard absurd page sizes (a 200-inch poster): bound the pixel count, not just the side.
    if width * height * scale * scale > MAX_RENDER_PIXELS:
        scale = (MAX_RENDER_PIXELS / (width * height)) ** 0.5
    bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), rev_byteorder=True)
    try:
        image = bitmap.to_pil()
        return image.convert("RGB") if image.mode != "RGB" else image.copy()
    finally:
        bitmap.close()


def rotate_clockwise(image: Image.Image, degrees: int) -> Image.Image:
    degrees %= 360
    if degrees == 90:
        return image.transpose(Image.Transpose.ROTATE_270)
    if degrees == 180:
        return image.transpose(Image.Transpose.ROTATE_180)
    if degrees == 270:
        return image.transpose(Image.Transpose.ROTATE_90)
    return image
