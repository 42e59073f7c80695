"""Reading the selected pages of a document: the text layer of each PDF page (with its drawn
rulings and embedded images when asked), OCR where a page has no usable text layer and for
image inputs.

Pages are read as a stream: one pdfium page (or image frame) is open at a time, rendered
bitmaps are dropped as soon as OCR has read them, and only words are kept. The time of each
step (intake, text, ocr) is added to the caller's ``StepTimer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium

from ..gc_pause import GcPause
from ..types import (
    EXTRACTION_FAILED,
    EngineError,
    ExtractionOptions,
    ImageInfo,
    PageContent,
    StepTimer,
    Word,
)
from . import intake, pdf_guard
from .intake import DocumentSource, Source
from .render import render_pdf_page

if TYPE_CHECKING:
    from . import pdf_text

# PDF pages are rendered for OCR at 200 dpi, the longest side capped at 2000 px
# (~170 dpi on A4): what the detector and recogniser work best at; RapidOCR
# scales anything larger down anyway.
OCR_RENDER_DPI = 200
OCR_RENDER_SIDE = 2000


@dataclass(slots=True)
class ReadDocument:
    media_type: str
    page_count: int
    pages: list[PageContent] = field(default_factory=list)
    selected: list[int] = field(default_factory=list)


def _intake(
    src: DocumentSource, options: ExtractionOptions
) -> tuple[intake.OpenDocument, list[int]]:
    opened = intake.open_document(
        src, max_bytes=options.max_bytes, max_page_count=options.max_page_count
    )
    try:
        if opened.pdf is not None:  # before PDFium loads any page
            pdf_guard.check_pdf(src.pdfium_input())
        selected = intake.parse_page_selection(
            options.pages, opened.info.page_count, max_pages=options.max_pages
        )
    except EngineError:
        opened.close()
        raise
    return opened, selected


def _read_stream(
    opened: intake.OpenDocument,
    selected: list[int],
    options: ExtractionOptions,
    steps: StepTimer,
    rulings: bool | Callable[[list[Word]], bool],
    pause: GcPause | None = None,
) -> Iterator[PageContent]:
    if opened.pdf is not None:
        yield from _read_pdf(opened.pdf, selected, options, steps, rulings, pause)
    else:
        assert opened.image is not None
        if pause is not None:
            pause.exit()  # every image page is OCR: seconds each, the collector runs
        yield from _read_image(opened.image, opened.info.media_type, selected, options, steps)


def _read_pdf(
    doc: Any,
    selected: list[int],
    options: ExtractionOptions,
    steps: StepTimer,
    rulings: bool | Callable[[list[Word]], bool],
    pause: GcPause | None = None,
) -> Iterator[PageContent]:
    # pdfium's text and object walks cost the web process (which imports the pipeline but
    # reads no page) 17 ms and 2 MB at start-up: imported on first use
    from . import pdf_text

    lock = intake.PDFIUM_LOCK
    for number in selected:
        image = None
        with lock:
            steps.start("text")
            t0 = time.perf_counter()
            try:
                page = doc[number - 1]
            except Exception as exc:
                raise EngineError(
                    EXTRACTION_FAILED, f"Page {number} of the PDF cannot be read ({exc})."
                ) from exc
            try:
                content = None
                if options.ocr == "always":
                    want_ocr = True
                else:
                    content, layer = read_pdf_page(
                        page, number, rulings=rulings, images=options.include_images
                    )
                    want_ocr = options.ocr == "auto" and pdf_text.page_needs_ocr(page, layer)
                steps.add("text", time.perf_counter() - t0)
                if want_ocr:
                    if pause is not None:
                        pause.exit()  # OCR takes seconds: no reason to hold the collector
                    width, height = page.get_size()
                    side = min(OCR_RENDER_SIDE, max(width, height) * OCR_RENDER_DPI / 72)
                    with steps.timed("ocr"):
                        image = render_pdf_page(page, max_side=round(side))
            finally:
                page.close()
        if image is not None:
            # OCR runs without the pdfium lock and with the page already closed.
            collected = content.images if content is not None else None
            with steps.timed("ocr"):
                content = _ocr_page(image, number, width, height, options)
            content.images = collected  # the page's embedded images are what they were
            del image
            if pause is not None:
                pause.enter()
        assert content is not None
        yield content


def _read_image(
    img: Any,
    media_type: str,
    selected: list[int],
    options: ExtractionOptions,
    steps: StepTimer,
) -> Iterator[PageContent]:
    steps.start("text")  # images have no text layer: the step is empty
    from .ocr import MAX_SIDE  # numpy and RapidOCR: loaded on first use, not by the web process

    frames = intake.iter_image_pages(img, media_type, selected, max_side=MAX_SIDE)
    while True:
        with steps.timed("ocr"):
            try:
                number, frame, (width, height) = next(frames)
            except StopIteration:
                break
            if options.ocr == "never":
                content = PageContent(number=number, width=width, height=height, source="empty")
            else:
                content = _ocr_page(frame, number, width, height, options)
            del frame
        yield content


def _ocr_page(
    image: Any, number: int, width: float, height: float, options: ExtractionOptions
) -> PageContent:
    # numpy and RapidOCR: loaded on first use, not by the web process
    from .ocr_cache import read_page

    result = read_page(
        image,
        number,
        cache=options.ocr_cache,
        threads=options.ocr_threads,
        backend=options.ocr_backend,
        alphabet=options.ocr_alphabet,
    )
    if result.rotation in (90, 270):
        width, height = height, width
    return PageContent(
        number=number,
        width=float(width),
        height=float(height),
        words=result.words,
        source="ocr" if result.words else "empty",
        rotation=result.rotation,
    )


def read_document(
    source: Source | DocumentSource,
    options: ExtractionOptions,
    steps: StepTimer,
    *,
    rulings: bool | Callable[[list[Word]], bool],
    pause: GcPause | None = None,
) -> tuple[DocumentSource, ReadDocument]:
    """Intake, then the selected pages one at a time: the text layer of PDF pages, OCR of
    images and of PDF pages without a usable one (``options.ocr``). ``pause`` (the cyclic GC
    pause of the parsing to come) is left around OCR pages."""
    with steps.timed("intake"):
        src = intake.as_source(source)
        opened, selected = _intake(src, options)
    info = opened.info
    doc = ReadDocument(media_type=info.media_type, page_count=info.page_count, selected=selected)
    try:
        steps.start("text")
        for content in _read_stream(opened, selected, options, steps, rulings, pause):
            doc.pages.append(content)
        steps.start("ocr")
    finally:
        opened.close()
    return src, doc


def read_pdf_page(
    page: pdfium.PdfPage,
    number: int,
    *,
    rulings: bool | Callable[[list[Word]], bool] = False,
    images: bool = False,
) -> tuple[PageContent, pdf_text.TextLayer]:
    """Words (and rulings and embedded images when asked) of one PDF page; the caller decides
    on OCR.

    ``rulings`` may be a test on the page's words: rulings are then read only where it
    holds (pages that could carry a table header). Images are collected in the same walk
    over the page's objects, while the page is loaded, instead of loading it again."""
    from .images import content_images  # pdfium walks: see _read_pdf
    from .pdf_text import PageFrame, page_objects, read_words  # the same

    frame = PageFrame.of(page)
    textpage = page.get_textpage()
    try:
        layer = read_words(textpage, frame, number)
    finally:
        textpage.close()
    content = PageContent(
        number=number,
        width=frame.width,
        height=frame.height,
        words=layer.words,
        source="text" if layer.words else "empty",
        rotation=0,
    )
    want_rulings = bool(layer.words) and (rulings(layer.words) if callable(rulings) else rulings)
    if want_rulings or images:
        objs = page_objects(page, frame, number, rulings=want_rulings, images=images)
        content.rulings = objs.rulings
        if images:
            content.images = content_images(objs.images, number)
    return content, layer


def document_images(src: DocumentSource, doc: ReadDocument) -> list[ImageInfo]:
    """The embedded images of the read pages (an image input is one image per page)."""
    from .images import pdf_page_images, whole_page_image  # pdfium walks: see _read_pdf

    if doc.media_type != intake.PDF:
        out = []
        for p in doc.pages:
            # OCR turned sideways scans upright; the page size is already swapped.
            out.append(whole_page_image(p.number, int(p.width), int(p.height)))
        return out
    # Pages read from their text layer had their images collected in the same walk; only
    # the others (OCR forced) are opened again.
    missing = [p.number for p in doc.pages if p.images is None]
    walked: dict[int, list[ImageInfo]] = {}
    if missing:
        with intake.PDFIUM_LOCK:
            pdf = intake.open_pdf(src)
            try:
                for number in missing:
                    page = pdf[number - 1]
                    try:
                        walked[number] = pdf_page_images(page, number)
                    finally:
                        page.close()
            finally:
                pdf.close()
    return [
        image
        for p in doc.pages
        for image in (p.images if p.images is not None else walked[p.number])
    ]
