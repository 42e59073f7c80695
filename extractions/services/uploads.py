"""Submission-time checks of uploaded files: name, hash, type by magic bytes, page count.

Runs on the uploads as Django spooled them (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, else
in a temporary file on disk): nothing is stored before every file of the request has been
counted, so a 400 or 402 leaves no trace.

Error mapping (the docs' table, ../shared/reference/000):
- not a PDF or a supported image by its first bytes → 400 UNSUPPORTED_FILE_TYPE;
- damaged or password-protected (pages cannot be counted) → 400 PAGE_COUNT_FAILED;
- bigger than PP_MAX_FILE_BYTES → 413 DOCUMENT_TOO_LARGE (as POST /v1/files; refused while
  the body arrives, see storage.UploadLimitHandler); more pages than PP_MAX_PAGES_PER_DOCUMENT
  → 400 PAGE_LIMIT_EXCEEDED; a page selection that picks no page of a file → 400
  INVALID_PAYLOAD.
Each error's ``details`` names the file (``filename`` and its 0-based ``index``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from config.errors import APIError
from extractions import storage
from extractions.engine import EngineError, inspect_document, parse_page_selection
from extractions.engine.types import (
    DOCUMENT_TOO_LARGE,
    ENCRYPTED_DOCUMENT,
    PAGE_LIMIT_EXCEEDED,
    UNSUPPORTED_INPUT,
)

MAX_FILENAME_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(slots=True)
class CheckedUpload:
    index: int
    filename: str
    upload: Any
    size: int
    sha256: str
    media_type: str = ""
    page_count: int = 0
    pages_selected: list[int] = field(default_factory=list)
    credits: int = 0
    storage_key: str = ""


def clean_filename(name: str | None, index: int) -> str:
    """The base name only, without control characters, at most 255 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", _CONTROL.sub("", base)).strip()
    if not base:
        base = f"file-{index + 1}"
    if len(base) > MAX_FILENAME_LENGTH:
        stem, ext = os.path.splitext(base)
        ext = ext[:16]
        base = stem[: MAX_FILENAME_LENGTH - len(ext)] + ext
    return base


def describe_uploads(uploads: list[Any]) -> list[CheckedUpload]:
    """Name, size and SHA-256 of each upload (read once, in chunks); the size limit is
    enforced here so an oversized file is never parsed."""
    out: list[CheckedUpload] = []
    for index, upload in enumerate(uploads):
        filename = clean_filename(getattr(upload, "name", None), index)
        dig = storage.digest(upload)
        if dig.size > settings.PP_MAX_FILE_BYTES:
            raise storage.file_too_large(
                filename=filename, index=index, max_bytes=settings.PP_MAX_FILE_BYTES
            )
        if dig.size == 0:
            raise APIError(
                "UNSUPPORTED_FILE_TYPE",
                f"{filename} is empty.",
                details={"filename": filename, "index": index},
            )
        out.append(CheckedUpload(index, filename, upload, dig.size, dig.sha256))
    return out


def select_pages(spec: str | None, page_count: int) -> list[int]:
    """Pages of a ``page_count``-page file chosen by ``spec`` ("1,3,5-7"; empty = all).

    One selection applies to every file of a submission, so pages past the end of a shorter
    file are dropped rather than an error. Raises ValueError for bad syntax.
    """
    if not spec or not str(spec).strip():
        return list(range(1, page_count + 1))
    ceiling = max(page_count, settings.PP_MAX_PAGES_PER_DOCUMENT)
    return [p for p in parse_page_selection(spec, ceiling) if p <= page_count]


def validate_page_spec(spec: str | None) -> str:
    spec = (spec or "").strip()
    if spec:
        try:
            select_pages(spec, settings.PP_MAX_PAGES_PER_DOCUMENT)
        except ValueError as exc:
            raise APIError(
                "INVALID_PAYLOAD",
                f"pages: {exc}",
                details={"fields": {"pages": [str(exc)]}},
            ) from None
    return spec


# Uploads Django kept in memory are at most FILE_UPLOAD_MAX_MEMORY_SIZE; other file objects
# above this size are spooled to a temporary file rather than read into memory.
_IN_MEMORY_LIMIT = 16 * 1024 * 1024


@contextlib.contextmanager
def _local_source(item: CheckedUpload) -> Iterator[Any]:
    """A path or bytes the engine can read without closing the caller's file object."""
    path = storage.local_path_of(item.upload)
    if path is not None:
        yield path
        return
    item.upload.seek(0)
    if item.size <= _IN_MEMORY_LIMIT:
        yield item.upload.read()
        return
    with tempfile.NamedTemporaryFile(prefix="pp-upload-") as tmp:
        while chunk := item.upload.read(storage.CHUNK_SIZE):
            tmp.write(chunk)
        tmp.flush()
        yield tmp.name


def inspect_uploads(items: list[CheckedUpload], *, pages: str, multiplier: int) -> None:
    """Fill type, page count, selected pages and credits of each item, or raise the 400."""
    for item in items:
        details = {"filename": item.filename, "index": item.index}
        try:
            with _local_source(item) as source:
                info = inspect_document(
                    source,
                    max_bytes=settings.PP_MAX_FILE_BYTES,
                    max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
                )
        except EngineError as exc:
            if exc.code == UNSUPPORTED_INPUT:
                raise APIError(
                    "UNSUPPORTED_FILE_TYPE",
                    f"{item.filename} is not a supported file: {exc.message}",
                    details=details,
                ) from None
            if exc.code == DOCUMENT_TOO_LARGE:
                # Within the byte limit (checked above) but too many pixels: say so.
                raise APIError(
                    "DOCUMENT_TOO_LARGE",
                    f"{item.filename}: {exc.message}",
                    status_code=413,
                    details={**details, "max_bytes": settings.PP_MAX_FILE_BYTES},
                ) from None
            if exc.code == PAGE_LIMIT_EXCEEDED:
                raise APIError(
                    "PAGE_LIMIT_EXCEEDED",
                    f"{item.filename}: {exc.message}",
                    details={**details, "max_pages": settings.PP_MAX_PAGES_PER_DOCUMENT},
                ) from None
            raise APIError(
                "PAGE_COUNT_FAILED",
                f"The pages of {item.filename} cannot be counted: {exc.message}",
                details={**details, "reason": exc.code},
            ) from None
        finally:
            item.upload.seek(0)
        if info.encrypted:
            raise APIError(
                "PAGE_COUNT_FAILED",
                f"{item.filename} is password-protected; send it without a password.",
                details={**details, "reason": ENCRYPTED_DOCUMENT},
            )
        item.media_type = info.media_type
        item.page_count = info.page_count
        item.pages_selected = select_pages(pages, info.page_count)
        if not item.pages_selected:
            raise APIError(
                "INVALID_PAYLOAD",
                f"The page selection {pages!r} picks no page of {item.filename} "
                f"({info.page_count} pages).",
                details={**details, "fields": {"pages": ["Selects no page of this file."]}},
            )
        item.credits = len(item.pages_selected) * multiplier
