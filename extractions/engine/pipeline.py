"""The extraction pipeline: intake -> text -> ocr -> classification -> images -> parsing -> location.

Pages are read as a stream: one pdfium page (or image frame) is open at a time,
rendered bitmaps are dropped as soon as OCR has read them, and only words are
kept. Each step is timed; ``options.on_step(name)`` is called as it starts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import intake, pdf_guard
from .gc_pause import GcPause as _GcPause
from .gc_pause import cyclic_gc_paused as _cyclic_gc_paused
from .gc_pause import release_layouts as _release_layouts
from .intake import DocumentSource, Source
from .types import (
    CLASSIFICATION_FAILED,
    DOCUMENT_TOO_LARGE,
    EXTRACTION_FAILED,
    EXTRACTION_TARGETS,
    INTERNAL_ERROR,
    OCR_ERROR,
    STEP_NAMES,
    Citation,
    ClassificationResult,
    EngineError,
    ExtractionOptions,
    ExtractionResult,
    FillResult,
    ImageInfo,
    PageContent,
    PageInfo,
    StepTiming,
    Word,
)

# PDF pages are rendered for OCR at 200 dpi, the longest side capped at 2000 px
# (~170 dpi on A4): what the detector and recogniser work best at; RapidOCR
# scales anything larger down anyway.
OCR_RENDER_DPI = 200
OCR_RENDER_SIDE = 2000


class _Steps:
    """Accumulates time per step; steps can be entered more than once (text/ocr alternate)."""

    def __init__(self, on_step: Callable[[str], None] | None) -> None:
        self.on_step = on_step
        self.seconds: dict[str, float] = {}

    def start(self, name: str) -> None:
        if name not in self.seconds:
            self.seconds[name] = 0.0
            if self.on_step is not None:
                self.on_step(name)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        self.start(name)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - t0

    def add(self, name: str, seconds: float) -> None:
        self.start(name)
        self.seconds[name] += seconds

    def timings(self) -> list[StepTiming]:
        return [StepTiming(name, self.seconds.get(name, 0.0)) for name in STEP_NAMES]


@dataclass(slots=True)
class ReadDocument:
    media_type: str
    page_count: int
    pages: list[PageContent] = field(default_factory=list)
    selected: list[int] = field(default_factory=list)


def needs_rulings(schema: dict[str, Any] | None, target: str) -> bool:
    """Ruled-table lines only matter for arrays of objects (line items) and table-row targets.

    Reading them walks every object on the page, which costs as much as the text
    itself on PDFs drawn glyph by glyph, so other schemas skip it.
    """
    if target == "per_table_row":
        return True

    def walk(node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        items = node.get("items")
        if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
            return True
        if isinstance(items, dict) and walk(items):
            return True
        return any(walk(sub) for sub in (node.get("properties") or {}).values())

    return walk(schema)


def table_item_schemas(schema: dict[str, Any] | None, target: str) -> list[dict[str, Any]]:
    """The item schemas whose rows may be read from tables (arrays of objects anywhere in
    the schema, and the target's item for per_table_row): what decides, page by page,
    whether drawn rulings are worth reading (see tables.page_may_hold_table)."""
    out: list[dict[str, Any]] = []
    if not isinstance(schema, dict):
        return out
    if target == "per_table_row":
        from .parsing import main_type

        item = schema if main_type(schema) == "object" else (schema.get("items") or {})
        if isinstance(item, dict):
            out.append(item)

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        items = node.get("items")
        if isinstance(items, dict):
            if items.get("type") == "object" or "properties" in items:
                out.append(items)
            walk(items)
        for sub in (node.get("properties") or {}).values():
            walk(sub)

    walk(schema)
    return out


# --------------------------------------------------------------------------- reading


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
    steps: _Steps,
    rulings: bool | Callable[[list[Word]], bool],
    pause: _GcPause | None = None,
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
    steps: _Steps,
    rulings: bool | Callable[[list[Word]], bool],
    pause: _GcPause | None = None,
) -> Iterator[PageContent]:
    from . import pdf_text
    from .render import render_pdf_page

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
                    content, layer = pdf_text.read_pdf_page(
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
                content = _ocr_page(image, number, width, height)
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
    steps: _Steps,
) -> Iterator[PageContent]:
    steps.start("text")  # images have no text layer: the step is empty
    from .ocr import MAX_SIDE

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
                content = _ocr_page(frame, number, width, height)
            del frame
        yield content


def _ocr_page(image: Any, number: int, width: float, height: float) -> PageContent:
    from . import ocr

    result = ocr.ocr_image(image, number)
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


def _read(
    source: Source | DocumentSource,
    options: ExtractionOptions,
    steps: _Steps,
    *,
    rulings: bool | Callable[[list[Word]], bool],
    pause: _GcPause | None = None,
) -> tuple[DocumentSource, ReadDocument]:
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


def read_pages(
    source: Source | DocumentSource,
    options: ExtractionOptions | None = None,
    *,
    rulings: bool = True,
) -> list[PageContent]:
    """intake + text + OCR only: the words of the selected pages (for caching, benchmarks).

    ``rulings`` (drawn table lines) are read by default so cached pages serve any schema.
    """
    options = options or ExtractionOptions()
    steps = _Steps(options.on_step)
    with _as_engine_errors():
        _, doc = _read(source, options, steps, rulings=rulings)
    return doc.pages


# --------------------------------------------------------------------------- extract


def extract(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    options: ExtractionOptions | None = None,
) -> ExtractionResult:
    """Run the whole pipeline on one document. Raises ``EngineError`` with a failure code."""
    options = options or ExtractionOptions()
    steps = _Steps(options.on_step)
    with _as_engine_errors():
        return _extract(source, schema, options, steps)


def _extract(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    options: ExtractionOptions,
    steps: _Steps,
) -> ExtractionResult:
    labels = options.classifier_labels or []
    if schema is None and not labels:
        raise EngineError(EXTRACTION_FAILED, "No schema to extract: give a parser or a classifier.")
    if options.target not in EXTRACTION_TARGETS:
        raise EngineError(
            EXTRACTION_FAILED,
            f"Unknown extraction target {options.target!r}: use one of "
            f"{', '.join(EXTRACTION_TARGETS)}.",
        )
    items = table_item_schemas(schema, options.target)
    for lab in labels:
        items += table_item_schemas(lab.schema, options.target)
    rulings: bool | Callable[[list[Word]], bool] = False
    if items:
        from .tables import page_may_hold_table

        # rulings only on pages whose words could make a header of one of these tables
        rulings = functools.partial(page_may_hold_table, item_schemas=items)
    with _cyclic_gc_paused() as pause:
        return _run(source, schema, labels, options, steps, rulings, pause)


def _run(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    labels: list[Any],
    options: ExtractionOptions,
    steps: _Steps,
    rulings: bool | Callable[[list[Word]], bool],
    pause: _GcPause,
) -> ExtractionResult:
    src, doc = _read(source, options, steps, rulings=rulings, pause=pause)
    pages = doc.pages

    classification: ClassificationResult | None = None
    with steps.timed("classification"):
        if labels:
            from .classify import classify

            classification = classify(pages, labels, options.classification_threshold)
            if classification.label is None:
                raise EngineError(
                    CLASSIFICATION_FAILED,
                    "The document matches none of the classifier's labels "
                    f"(best score {classification.score:.2f}, threshold "
                    f"{options.classification_threshold:.2f}).",
                    details={"classification": classification.as_dict()},
                )
            chosen = next(lab for lab in labels if lab.name == classification.label)
            if chosen.schema is not None:
                schema = chosen.schema
    if schema is None:
        raise EngineError(EXTRACTION_FAILED, "No schema to extract: give a parser or a classifier.")

    images: list[ImageInfo] = []
    with steps.timed("images"):
        if options.include_images:
            images = _images(src, doc)

    pause.enter()  # back on after OCR pages
    with steps.timed("parsing"):
        from .parsing import fill_schema

        filled = fill_schema(pages, schema, options.target)

    with steps.timed("location"):
        from .layout import page_text

        citations, confidence = locate(filled, pages)
        content = [page_text(p) for p in pages]
    _release_layouts(pages)

    return ExtractionResult(
        data=filled.data,
        citations=citations,
        confidence=confidence,
        pages=[PageInfo(p.number, p.width, p.height, p.source, p.rotation) for p in pages],
        content=content,
        images=images,
        classification=classification,
        steps=steps.timings(),
        media_type=doc.media_type,
        page_count=doc.page_count,
    )


def _images(src: DocumentSource, doc: ReadDocument) -> list[ImageInfo]:
    from .images import pdf_page_images, whole_page_image

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


# --------------------------------------------------------------------------- location

# A value nobody could point at on the page is shown to reviewers as doubtful.
UNLOCATED_CONFIDENCE = 0.2
DEFAULT_CONFIDENCE = 0.5


def leaf_paths(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every non-null leaf, paths like ``a.b``, ``lines[2].amount``, ``[0].x``."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaf_paths(value, f"{prefix}[{i}]")
    elif data is not None:
        yield prefix, data


def _collect_leaves(data: Any, prefix: str, out: list[tuple[str, Any]]) -> None:
    """leaf_paths into a list: no generator chain per nesting level (tables have
    thousands of leaves)."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict, list)):
                _collect_leaves(value, path, out)
            elif value is not None:
                out.append((path, value))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            path = f"{prefix}[{i}]"
            if isinstance(value, (dict, list)):
                _collect_leaves(value, path, out)
            elif value is not None:
                out.append((path, value))
    elif data is not None:
        out.append((prefix, data))


def locate(
    filled: FillResult, pages: list[PageContent]
) -> tuple[dict[str, Citation], dict[str, float]]:
    """Citations and confidences for exactly the non-null leaves of ``filled.data``.

    fill_schema cites what it finds; a leaf it left uncited is searched for on the
    pages by its text, and if it cannot be found it is cited as the whole first
    page with a low confidence rather than left without evidence.
    """
    citations: dict[str, Citation] = {}
    confidence: dict[str, float] = {}
    index: _WordIndex | None = None
    leaves: list[tuple[str, Any]] = []
    _collect_leaves(filled.data, "", leaves)
    for path, value in leaves:
        cit = filled.citations.get(path)
        conf = filled.confidence.get(path)
        if cit is None:
            if index is None:
                index = _WordIndex(pages)
            cit = index.find(value)
            if cit is None:
                first = pages[0].number if pages else 1
                cit = Citation(page=first, bbox=(0.0, 0.0, 1.0, 1.0), text="")
                conf = min(conf if conf is not None else UNLOCATED_CONFIDENCE, UNLOCATED_CONFIDENCE)
        citations[path] = cit
        c = conf if conf is not None else DEFAULT_CONFIDENCE
        c = c if c > 0.0 else 0.0  # = min(1.0, max(0.0, c)), NaN included
        confidence[path] = float(c if c < 1.0 else 1.0)
    return citations, confidence


class _WordIndex:
    """Finds a value's printed text among the page words (case/punctuation-insensitive)."""

    def __init__(self, pages: list[PageContent]) -> None:
        self.pages = pages

    @staticmethod
    def _norm(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())

    def find(self, value: Any) -> Citation | None:
        if isinstance(value, bool):
            return None
        target = self._norm(str(value))
        if not target:
            return None
        for page in self.pages:
            words = page.words
            normed = [self._norm(w.text) for w in words]
            for i in range(len(words)):
                if not normed[i] or not target.startswith(normed[i]):
                    continue
                acc = ""
                for j in range(i, min(len(words), i + 30)):
                    acc += normed[j]
                    if acc == target:
                        span = words[i : j + 1]
                        return Citation(
                            page=page.number,
                            bbox=(
                                min(w.x0 for w in span),
                                min(w.y0 for w in span),
                                max(w.x1 for w in span),
                                max(w.y1 for w in span),
                            ),
                            text=" ".join(w.text for w in span),
                        )
                    if not target.startswith(acc):
                        break
        return None


# --------------------------------------------------------------------------- errors


@contextmanager
def _as_engine_errors() -> Iterator[None]:
    """Every failure leaves the engine as an EngineError with a failure code."""
    try:
        yield
    except EngineError:
        raise
    except MemoryError as exc:
        raise EngineError(
            DOCUMENT_TOO_LARGE, "The document needs more memory than is available."
        ) from exc
    except Exception as exc:
        module = getattr(exc, "__module__", "") or ""
        if "onnxruntime" in module or "rapidocr" in module:
            raise EngineError(OCR_ERROR, f"OCR failed ({exc}).") from exc
        raise EngineError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}") from exc
