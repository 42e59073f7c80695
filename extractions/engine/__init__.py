"""The extraction engine: documents in, schema-shaped JSON with citations and confidence out.

Plain Python (no Django). Entry points:

- ``extract(source, schema, options) -> ExtractionResult``: the whole pipeline.
- ``read_pages(source, options) -> list[PageContent]``: intake + text + OCR only.
- ``inspect_document(source) -> DocumentInfo``: type and page count, fast (submission time).
- ``parse_page_selection(spec, page_count) -> list[int]``: ``"1,3,5-7"``.
- ``render_page_png(source, page_number) -> bytes``: a page image for the UI.
- ``suggest_schema(pages) -> dict``: a JSON Schema proposed from a sample's pages.
- ``FORMATS``, ``supported_formats()``, ``file_input_accept()``: the file types accepted (one
  list for the API, the dashboard and the CLI).

``source`` is bytes, a filesystem path or a binary file object. Heavy modules
(pdfium, OCR, parsing) are imported on first use so that importing the package
stays cheap for the web process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .types import (
    EXTRACTION_TARGETS,
    STEP_NAMES,
    ClassificationResult,
    ClassifierLabelSpec,
    EngineError,
    ExtractionOptions,
    ExtractionResult,
    PageContent,
)

if TYPE_CHECKING:
    from .read.intake import DocumentInfo, PageSelectionError

__all__ = [
    "EXTRACTION_TARGETS",
    "FORMATS",
    "STEP_NAMES",
    "ClassificationResult",
    "ClassifierLabelSpec",
    "DocumentInfo",
    "EngineError",
    "ExtractionOptions",
    "ExtractionResult",
    "PageContent",
    "PageSelectionError",
    "extract",
    "file_input_accept",
    "inspect_document",
    "parse_page_selection",
    "read_pages",
    "render_page_png",
    "suggest_schema",
    "supported_formats",
]

_LAZY = {
    "extract": "pipeline",
    "read_pages": "pipeline",
    "inspect_document": "read.intake",
    "parse_page_selection": "read.intake",
    "DocumentInfo": "read.intake",
    "FORMATS": "read.intake",
    "file_input_accept": "read.intake",
    "supported_formats": "read.intake",
    "PageSelectionError": "read.intake",
    "render_page_png": "read.render",
    "suggest_schema": "parsing.suggest",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
