"""Staged files: uploads for batches, presigned S3 uploads, and their checks.

Storage calls (saving, HEAD, downloading, deleting) never run inside a database transaction.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from config.errors import APIError
from config.ids import new_file_id
from extractions.engine.types import (
    DOCUMENT_TOO_LARGE,
    ENCRYPTED_DOCUMENT,
    EngineError,
)
from extractions.files import s3
from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document, StoredFile
from extractions.storage import storage_key

UPLOAD_MISSING = "upload_missing"
_COPY_CHUNK = 1024 * 1024

# Engine intake codes → the API error a synchronous upload answers with.
_UPLOAD_ERRORS = {
    "unsupported_input": (
        400,
        "UNSUPPORTED_FILE_TYPE",
    ),
    "document_too_large": (413, "DOCUMENT_TOO_LARGE"),
    "page_limit_exceeded": (400, "PAGE_LIMIT_EXCEEDED"),
    "encrypted_document": (400, "ENCRYPTED_DOCUMENT"),
}


class StagedFileError(EngineError):
    """A staged file that cannot be used; ``code`` is a document failure code such as
    ``upload_missing``, so a batch item fails with it like with any engine error."""


def staged_file_key(*, organization: Organization, file_id: str, media_type: str = "") -> str:
    return storage_key(
        organization_public_id=organization.public_id, file_public_id=file_id, media_type=media_type
    )


def clean_filename(name: str | None) -> str:
    """The name as the customer knows it: no directories, no control characters, ≤ 255."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:255] or "upload"


def staged_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(hours=settings.PP_STAGED_FILE_TTL_HOURS)


def _inspect(path: str) -> object:
    from extractions.engine import inspect_document

    return inspect_document(
        path,
        max_bytes=settings.PP_MAX_FILE_BYTES,
        max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
    )


def stage_uploaded_file(
    *, organization: Organization, upload: UploadedFile, sha256: str
) -> StoredFile:
    """Check an uploaded file (magic bytes, size, pages), store it, and record it as staged."""
    path = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else None
    try:
        info = _inspect(path) if path else _inspect_fileobj(upload)
    except EngineError as exc:
        status, code = _UPLOAD_ERRORS.get(exc.code, (400, "PAGE_COUNT_FAILED"))
        raise APIError(code, exc.message, status_code=status) from None
    if info.encrypted:
        status, code = _UPLOAD_ERRORS[ENCRYPTED_DOCUMENT]
        raise APIError(
            code, "The PDF is password-protected; upload an unprotected copy.", status_code=status
        )
    file_id = new_file_id()
    upload.seek(0)
    key = default_storage.save(
        staged_file_key(organization=organization, file_id=file_id, media_type=info.media_type),
        upload,
    )
    return StoredFile.objects.create(
        public_id=file_id,
        organization=organization,
        kind=StoredFile.Kind.STAGED,
        upload_status=StoredFile.UploadStatus.UPLOADED,
        storage_key=key,
        filename=clean_filename(upload.name),
        size=upload.size,
        sha256=sha256,
        media_type=info.media_type,
        page_count=info.page_count,
        expires_at=staged_expiry(),
    )


def _inspect_fileobj(upload: UploadedFile) -> object:
    with tempfile.NamedTemporaryFile(suffix=".upload") as tmp:
        upload.seek(0)
        shutil.copyfileobj(upload, tmp, _COPY_CHUNK)
        tmp.flush()
        return _inspect(tmp.name)


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    stored_file: StoredFile
    url: str
    headers: dict[str, str]
    url_expires_at: datetime


_CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


def create_presigned_upload(
    *, organization: Organization, filename: str, size: int, content_type: str
) -> PresignedUpload:
    """Reserve a staged file and a presigned PUT URL; the bytes go straight to the bucket.

    Nothing is checked but the announced size here: magic bytes, real size and pages are
    checked by ``resolve_staged_upload`` when a batch uses the file.
    """
    if not s3.is_s3():
        raise APIError(
            "INVALID_PAYLOAD",
            "Presigned uploads need S3 storage; send the file as multipart/form-data instead.",
        )
    if size > settings.PP_MAX_FILE_BYTES:
        raise APIError(
            "DOCUMENT_TOO_LARGE",
            f"The file is larger than the {settings.PP_MAX_FILE_BYTES // (1024 * 1024)} MB limit.",
            status_code=413,
            details={"max_bytes": settings.PP_MAX_FILE_BYTES},
        )
    content_type = (content_type or "application/octet-stream").strip()
    if not _CONTENT_TYPE.match(content_type):
        raise APIError(
            "INVALID_PAYLOAD", "content_type must be a media type such as application/pdf."
        )
    file_id = new_file_id()
    key = staged_file_key(organization=organization, file_id=file_id)
    expires_in = settings.PP_PRESIGNED_UPLOAD_EXPIRES_SECONDS
    url = s3.presigned_put_url(name=key, content_type=content_type, expires_in=expires_in)
    now = timezone.now()
    stored_file = StoredFile.objects.create(
        public_id=file_id,
        organization=organization,
        kind=StoredFile.Kind.STAGED,
        upload_status=StoredFile.UploadStatus.PENDING,
        storage_key=key,
        filename=clean_filename(filename),
        size=size,
        media_type="",  # unknown until the bytes are sniffed; content_type is only a claim
        page_count=None,
        expires_at=staged_expiry(now),
    )
    return PresignedUpload(
        stored_file=stored_file,
        url=url,
        headers={"Content-Type": content_type},
        url_expires_at=now + timedelta(seconds=expires_in),
    )


def resolve_staged_upload(*, stored_file: StoredFile) -> StoredFile:
    """Make sure a staged file's bytes are there and usable; fill in size, type and pages.

    For a presigned upload (``upload_status=pending``) this HEADs the object, downloads it to
    a temporary file (streamed, never whole in memory) and inspects it; a file already checked
    comes back as it is. Raises ``StagedFileError`` (an ``EngineError``) with code
    ``upload_missing`` when nothing was ever uploaded (or the file was purged), and the
    engine's ``EngineError`` (``unsupported_input``, ``document_too_large``,
    ``page_limit_exceeded``, ``encrypted_document``, ``extraction_failed``) when the bytes are
    not a document we can process. Call it outside any transaction (it talks to storage).
    """
    if stored_file.purged_at is not None:
        raise StagedFileError(UPLOAD_MISSING, f"The file {stored_file.public_id} has expired.")
    if stored_file.upload_status == StoredFile.UploadStatus.UPLOADED:
        return stored_file

    size = _stored_size(stored_file.storage_key)
    if size is None:
        raise StagedFileError(
            UPLOAD_MISSING, f"Nothing was uploaded to the presigned URL of {stored_file.public_id}."
        )
    if size > settings.PP_MAX_FILE_BYTES:
        raise EngineError(
            DOCUMENT_TOO_LARGE,
            f"The file is larger than the {settings.PP_MAX_FILE_BYTES // (1024 * 1024)} MB limit.",
        )
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=".staged") as tmp:
        with default_storage.open(stored_file.storage_key, "rb") as remote:
            while chunk := remote.read(_COPY_CHUNK):
                digest.update(chunk)
                tmp.write(chunk)
        tmp.flush()
        info = _inspect(tmp.name)
    if info.encrypted:
        raise EngineError(ENCRYPTED_DOCUMENT, "The PDF is password-protected.")
    StoredFile.objects.filter(pk=stored_file.pk).update(
        upload_status=StoredFile.UploadStatus.UPLOADED,
        size=info.size,
        sha256=digest.hexdigest(),
        media_type=info.media_type,
        page_count=info.page_count,
    )
    stored_file.refresh_from_db()
    return stored_file


def _stored_size(key: str) -> int | None:
    if s3.is_s3():
        head = s3.head_object(name=key)
        return None if head is None else head.size
    if not default_storage.exists(key):
        return None
    return default_storage.size(key)


def delete_staged_file(*, stored_file: StoredFile) -> StoredFile:
    """Delete the bytes now; the row stays (purged) so documents that used it keep their name."""
    in_use = (
        Document.objects.filter(stored_file=stored_file)
        .exclude(status__in=TERMINAL_DOCUMENT_STATUSES)
        .exists()
    )
    if in_use:
        raise APIError(
            "FILE_IN_USE",
            "A document of a running extraction still reads this file; cancel it or wait.",
            status_code=409,
        )
    delete_stored_objects(keys=[stored_file.storage_key])
    with transaction.atomic():
        StoredFile.objects.filter(pk=stored_file.pk, purged_at__isnull=True).update(
            purged_at=timezone.now()
        )
    stored_file.refresh_from_db()
    return stored_file


def delete_stored_objects(*, keys: list[str]) -> None:
    """Delete storage objects (missing ones are fine): one request per 1,000 keys on S3."""
    keys = [key for key in keys if key]
    if not keys:
        return
    if s3.is_s3():
        s3.delete_objects(names=keys)
        return
    for key in keys:
        default_storage.delete(key)


def visible_staged_files_q(now: datetime | None = None) -> Q:
    """Staged files a customer can still see and use: not purged, and used or not yet expired."""
    now = now or timezone.now()
    return Q(kind=StoredFile.Kind.STAGED, purged_at__isnull=True) & (
        Q(used_at__isnull=False) | Q(expires_at__gt=now)
    )
