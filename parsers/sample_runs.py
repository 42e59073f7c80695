"""What schema suggestion and the designer's "try it" share: reading a sample document's
pages count, and charging the pages before the engine runs with a refund if it then fails.

Both run the engine synchronously on a sample without storing an extraction; their pages are
charged like an extraction's (1 page = 1 credit × tier) *before* the work, so a balance that
cannot pay answers 402 without reading anything, and a failure gives the credits back once.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings

from accounts.models import Organization
from billing.services import charge_credits, credit_count, refund_credits
from config.errors import APIError

# Engine failure code → (HTTP status, API error code).
ENGINE_ERRORS = {
    "unsupported_input": (400, "UNSUPPORTED_FILE_TYPE"),
    "document_too_large": (413, "DOCUMENT_TOO_LARGE"),
    "page_limit_exceeded": (400, "PAGE_LIMIT_EXCEEDED"),
    "encrypted_document": (400, "ENCRYPTED_DOCUMENT"),
}


def engine_api_error(exc: Any, fallback_code: str, *, filename: str = "") -> APIError:
    status, code = ENGINE_ERRORS.get(getattr(exc, "code", ""), (400, fallback_code))
    message = str(getattr(exc, "message", "") or exc)
    if filename:
        return APIError(
            code, f"{filename}: {message}", status_code=status, details={"filename": filename}
        )
    return APIError(code, message, status_code=status)


@contextmanager
def sample_on_disk(file: IO[bytes]) -> Iterator[str]:
    """A temporary copy of an uploaded sample, read by path: given a file object, the engine's
    image reader closes it (Pillow closes the file it read), and the sandboxed child that runs
    the engine opens the path itself."""
    with tempfile.NamedTemporaryFile(suffix=".sample") as tmp:
        file.seek(0)
        shutil.copyfileobj(file, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


def inspect_sample(source: IO[bytes] | str, *, filename: str = "") -> Any:
    """The engine's fast look at a sample (type by magic bytes, page count), as API errors."""
    from extractions.engine import EngineError, inspect_document

    try:
        info = inspect_document(
            source,
            max_bytes=settings.PP_MAX_FILE_BYTES,
            max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
        )
    except EngineError as exc:
        raise engine_api_error(exc, "PAGE_COUNT_FAILED", filename=filename) from None
    if info.encrypted:
        raise APIError(
            "ENCRYPTED_DOCUMENT",
            f"{filename or 'The PDF'} is password-protected; send a copy without a password.",
        )
    return info


@contextmanager
def charged_sample_run(
    *, organization: Organization, credits: int, purpose: str, label: str
) -> Iterator[None]:
    """Charge ``credits`` now (402 if the balance cannot pay); refund them once if the body
    raises, translating engine errors into API errors."""
    from extractions.engine import EngineError

    cause = uuid.uuid4().hex
    label = (label or "a sample document")[:100]
    charge_credits(
        organization=organization,
        credits=credits,
        cause_key=f"{purpose}:{cause}",
        reason=f"{purpose.capitalize()} of {label} ({credit_count(credits)})",
    )
    try:
        yield
    except Exception as exc:
        refund_credits(
            organization=organization,
            credits=credits,
            cause_key=f"refund:{purpose}:{cause}",
            reason=f"{purpose.capitalize()} of {label} failed",
        )
        if isinstance(exc, EngineError):
            raise engine_api_error(exc, "EXTRACTION_FAILED") from None
        raise
