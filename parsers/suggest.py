"""A proposed schema from a sample document (``POST /v1/schemas/suggest``).

The engine reads at most ``SUGGEST_MAX_PAGES`` pages and proposes the fields a person would
name: the label/value pairs and tables it finds, junk labels dropped, near-duplicates merged,
the best 25 by evidence (extractions/engine/parsing/ranking.py). The pages are charged like an extraction (1 page = 1 credit, standard
tier) *before* the work, so a balance that cannot pay answers 402 without reading anything; if
the engine then fails, the charge is refunded (once, by cause key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings

from accounts.models import Organization
from config.errors import APIError
from parsers.sample_runs import charged_sample_run, inspect_sample, sample_on_disk
from parsers.schema import SchemaError, validate_schema

SUGGEST_MAX_PAGES = 5


@dataclass(frozen=True, slots=True)
class Suggestion:
    schema: dict[str, Any]
    page_count: int  # pages read (and charged)
    document_page_count: int
    credits_used: int
    errors: list[SchemaError] = field(default_factory=list)  # validate_schema of the proposal


def _read_and_suggest(path: str, options: Any) -> dict[str, Any]:
    """The engine's part, run in a memory- and time-limited child (extractions.sandbox)."""
    from extractions.engine import read_pages, suggest_schema

    return suggest_schema(read_pages(path, options))


def suggest_schema_from_file(
    *,
    organization: Organization,
    file: IO[bytes],
    filename: str = "",
    pages: str | None = None,
) -> Suggestion:
    """Charge, read the first pages (or the selected ones, at most ``SUGGEST_MAX_PAGES``) and
    propose a schema. Raises 400 UNSUPPORTED_FILE_TYPE (by magic bytes) / PAGE_COUNT_FAILED /
    INVALID_PAYLOAD (bad ``pages``), 402 INSUFFICIENT_CREDITS, 413 DOCUMENT_TOO_LARGE."""
    from extractions.engine import ExtractionOptions, PageSelectionError, parse_page_selection
    from extractions.sandbox import run_limited

    with sample_on_disk(file) as path:
        info = inspect_sample(path, filename=filename)
        try:
            selected = parse_page_selection(pages, info.page_count, max_pages=SUGGEST_MAX_PAGES)
        except PageSelectionError as exc:
            raise APIError(
                "INVALID_PAYLOAD",
                f"pages: {exc.message}",
                details={"fields": {"pages": [exc.message]}},
            ) from None

        credits = len(selected)
        with charged_sample_run(
            organization=organization, credits=credits, purpose="suggest", label=filename
        ):
            schema = run_limited(
                _read_and_suggest,
                path,
                ExtractionOptions(
                    pages=",".join(str(n) for n in selected),
                    max_bytes=settings.PP_MAX_FILE_BYTES,
                    max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
                ),
                memory_mb=settings.PP_WEB_ENGINE_MEMORY_LIMIT_MB,
                timeout_seconds=settings.PP_WEB_ENGINE_TIMEOUT_SECONDS,
                what=filename or "The sample document",
            )
    return Suggestion(
        schema=schema,
        page_count=credits,
        document_page_count=info.page_count,
        credits_used=credits,
        errors=validate_schema(schema),
    )
