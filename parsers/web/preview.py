""" "Try it" in the schema designer: run the engine on a sample with an unsaved schema.

Nothing is persisted (no extraction, no document, no stored file): the schema may not even be
saved yet. The pages read are charged like an extraction (1 page = 1 credit × the parser's
tier multiplier) *before* the work, so a balance that cannot pay answers 402 without reading
anything, and the charge is refunded once (by cause key) if the engine then fails — the same
rule as ``parsers.suggest`` for schema suggestions.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings

from accounts.models import Organization
from billing.services import charge_credits, refund_credits
from config.errors import APIError
from parsers.schema import ensure_valid_schema

PREVIEW_MAX_PAGES = 3
PREVIEW_IMAGE_SIDE = 1100

_ENGINE_ERRORS = {
    "unsupported_input": (400, "UNSUPPORTED_FILE_TYPE"),
    "document_too_large": (413, "DOCUMENT_TOO_LARGE"),
    "page_limit_exceeded": (400, "PAGE_LIMIT_EXCEEDED"),
    "encrypted_document": (400, "ENCRYPTED_DOCUMENT"),
}


@dataclass(frozen=True, slots=True)
class PreviewPage:
    number: int
    image_data_uri: str


@dataclass(frozen=True, slots=True)
class Preview:
    data: Any
    citations: dict[str, dict[str, Any]]
    confidence: dict[str, float]
    pages: list[PreviewPage]
    page_count: int  # pages of the document
    credits_used: int
    filename: str
    fields: list[dict[str, Any]] = field(default_factory=list)  # flattened, for display


def _engine_error(exc: Any, filename: str) -> APIError:
    status, code = _ENGINE_ERRORS.get(getattr(exc, "code", ""), (400, "EXTRACTION_FAILED"))
    message = getattr(exc, "message", "") or str(exc)
    return APIError(
        code, f"{filename}: {message}", status_code=status, details={"filename": filename}
    )


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for key, value in data.items():
            out.extend(_leaves(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        out = []
        for i, value in enumerate(data):
            out.extend(_leaves(value, f"{prefix}[{i}]"))
        return out
    return [(prefix, data)]


def preview_extraction(
    *,
    organization: Organization,
    file: IO[bytes],
    filename: str,
    schema: Any,
    target: str = "per_doc",
    multiplier: int = 1,
) -> Preview:
    """Charge, extract the first ``PREVIEW_MAX_PAGES`` pages with ``schema``, render them.

    Raises 400 INVALID_SCHEMA / UNSUPPORTED_FILE_TYPE / PAGE_COUNT_FAILED, 402
    INSUFFICIENT_CREDITS, 413 DOCUMENT_TOO_LARGE."""
    from extractions.engine import (
        EngineError,
        ExtractionOptions,
        extract,
        inspect_document,
        render_page_png,
    )

    ensure_valid_schema(schema)
    with tempfile.NamedTemporaryFile(suffix=".sample") as tmp:
        file.seek(0)
        shutil.copyfileobj(file, tmp, 1024 * 1024)
        tmp.flush()
        path = tmp.name
        try:
            info = inspect_document(
                path,
                max_bytes=settings.PP_MAX_FILE_BYTES,
                max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
            )
        except EngineError as exc:
            if exc.code in _ENGINE_ERRORS:
                raise _engine_error(exc, filename) from None
            raise APIError(
                "PAGE_COUNT_FAILED", f"The pages of {filename} cannot be counted: {exc.message}"
            ) from None
        if info.encrypted:
            raise APIError(
                "ENCRYPTED_DOCUMENT", f"{filename} is password-protected; use an unprotected copy."
            )
        selected = list(range(1, min(info.page_count, PREVIEW_MAX_PAGES) + 1))
        credits = len(selected) * max(1, multiplier)
        cause = uuid.uuid4().hex
        charge_credits(
            organization=organization,
            credits=credits,
            cause_key=f"preview:{cause}",
            reason=f"Schema designer preview of {filename[:100]} ({len(selected)} page(s))",
        )
        try:
            result = extract(
                path,
                schema,
                ExtractionOptions(
                    pages=",".join(str(n) for n in selected),
                    target=target
                    if target in ("per_doc", "per_page", "per_table_row")
                    else "per_doc",
                    max_bytes=settings.PP_MAX_FILE_BYTES,
                    max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
                ),
            )
            rotations = {p.number: p.rotation for p in result.pages}
            pages = [
                PreviewPage(
                    number=n,
                    image_data_uri="data:image/png;base64,"
                    + base64.b64encode(
                        render_page_png(
                            path, n, max_side=PREVIEW_IMAGE_SIDE, rotation=rotations.get(n, 0)
                        )
                    ).decode(),
                )
                for n in selected
            ]
        except Exception as exc:
            refund_credits(
                organization=organization,
                credits=credits,
                cause_key=f"refund:preview:{cause}",
                reason=f"Schema designer preview of {filename[:100]} failed",
            )
            if isinstance(exc, EngineError):
                raise _engine_error(exc, filename) from None
            raise
    citations = {path: c.as_dict() for path, c in result.citations.items()}
    confidence = {path: round(float(v), 4) for path, v in result.confidence.items()}
    fields = [
        {
            "path": leaf_path,
            "value": value,
            "confidence": confidence.get(leaf_path),
            "citation": citations.get(leaf_path),
        }
        for leaf_path, value in _leaves(result.data)
    ]
    return Preview(
        data=result.data,
        citations=citations,
        confidence=confidence,
        pages=pages,
        page_count=info.page_count,
        credits_used=credits,
        filename=filename,
        fields=fields,
    )
