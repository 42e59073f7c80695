"""The extraction pipeline: intake -> text -> ocr -> classification -> images -> parsing -> location.

``read.pages`` reads the selected pages as a stream (intake, text, OCR); ``classify`` picks the
classifier label and its schema; ``parsing.fill`` fills the schema; ``location`` cites every
value. Each step is timed; ``options.on_step(name)`` is called as it starts. Every failure
leaves as an ``EngineError`` with a failure code.
"""

from __future__ import annotations

# The web process imports this module (through the worker's runner) but extracts nothing:
# the parsing side (layout, lexicon, fields, tables, forms, prose: ~100 ms and 4 MB of
# regular expressions and word tables) is imported on first use, in _extract and _run.
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .classify import classify
from .gc_pause import GcPause, cyclic_gc_paused
from .location import locate
from .parsing.schema import main_type
from .read.intake import DocumentSource, Source
from .read.pages import document_images, read_document
from .types import (
    CLASSIFICATION_FAILED,
    DOCUMENT_TOO_LARGE,
    EXTRACTION_FAILED,
    EXTRACTION_TARGETS,
    INTERNAL_ERROR,
    OCR_ERROR,
    ClassificationResult,
    EngineError,
    ExtractionOptions,
    ExtractionResult,
    ImageInfo,
    PageContent,
    PageInfo,
    StepTimer,
    Word,
)


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
    whether drawn rulings are worth reading (see tables.headers.page_may_hold_table)."""
    out: list[dict[str, Any]] = []
    if not isinstance(schema, dict):
        return out
    if target == "per_table_row":
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
    steps = StepTimer(options.on_step)
    with _as_engine_errors():
        _, doc = read_document(source, options, steps, rulings=rulings)
    return doc.pages


# --------------------------------------------------------------------------- extract


def extract(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    options: ExtractionOptions | None = None,
) -> ExtractionResult:
    """Run the whole pipeline on one document. Raises ``EngineError`` with a failure code."""
    options = options or ExtractionOptions()
    steps = StepTimer(options.on_step)
    with _as_engine_errors():
        return _extract(source, schema, options, steps)


def _extract(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    options: ExtractionOptions,
    steps: StepTimer,
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
        from .tables.headers import page_may_hold_table  # first use: see the top

        # rulings only on pages whose words could make a header of one of these tables
        rulings = functools.partial(page_may_hold_table, item_schemas=items)
    with cyclic_gc_paused() as pause:
        return _run(source, schema, labels, options, steps, rulings, pause)


def _run(
    source: Source | DocumentSource,
    schema: dict[str, Any] | None,
    labels: list[Any],
    options: ExtractionOptions,
    steps: StepTimer,
    rulings: bool | Callable[[list[Word]], bool],
    pause: GcPause,
) -> ExtractionResult:
    src, doc = read_document(source, options, steps, rulings=rulings, pause=pause)
    pages = doc.pages

    classification: ClassificationResult | None = None
    with steps.timed("classification"):
        if labels:
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
            images = document_images(src, doc)

    pause.enter()  # back on after OCR pages
    with steps.timed("parsing"):
        from .parsing.fill import fill_schema  # first use: see the top

        filled = fill_schema(pages, schema, options.target)

    with steps.timed("location"):
        from .confidence.calibrate import calibrate  # first use: see the top
        from .layout.lines import page_text, release_layouts  # first use: see the top

        citations, confidence = locate(filled, pages)
        confidence = calibrate(
            schema=schema,
            filled=filled,
            citations=citations,
            confidence=confidence,
            pages=pages,
        )
        content = [page_text(p) for p in pages]
    release_layouts(pages)

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
        if "onnxruntime" in module or "openvino" in module or "rapidocr" in module:
            raise EngineError(OCR_ERROR, f"OCR failed ({exc}).") from exc
        raise EngineError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}") from exc
