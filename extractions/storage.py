"""Document bytes in the configured storage (local files or S3 through django-storages).

Everything here streams in chunks: an upload is hashed and written chunk by chunk, a stored
file is read back to a local temporary file chunk by chunk (the engine wants a path it can
seek in), and downloads are streamed to the client. No function holds a whole file in memory.

Keys are ``orgs/<org public id>/files/<file public id><ext>``: the customer's file name never
becomes part of a path, and the extension comes from the sniffed media type.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadhandler import FileUploadHandler

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/tiff": ".tiff",
    "image/bmp": ".bmp",
    "image/gif": ".gif",
}
# What a stored file may be served as; anything else is served as opaque bytes, so no
# upload is ever rendered by a browser as HTML or script.
SAFE_CONTENT_TYPES = frozenset(_EXTENSIONS)


class UploadedFileLike(Protocol):
    """What the services accept as an upload: Django's UploadedFile, or File(open(...))."""

    name: str | None

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...

    def seek(self, offset: int, whence: int = 0) -> int: ...

    def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Digest:
    sha256: str
    size: int


def file_storage() -> Storage:
    return storages["default"]


def storage_key(*, organization_public_id: str, file_public_id: str, media_type: str) -> str:
    return f"orgs/{organization_public_id}/files/{file_public_id}{_EXTENSIONS.get(media_type, '')}"


def safe_content_type(media_type: str) -> str:
    return media_type if media_type in SAFE_CONTENT_TYPES else "application/octet-stream"


def digest(fileobj: UploadedFileLike | IO[bytes]) -> Digest:
    """SHA-256 and size, reading in chunks; leaves the file at position 0."""
    h = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    while True:
        chunk = fileobj.read(CHUNK_SIZE)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return Digest(h.hexdigest(), size)


def local_path_of(upload: Any) -> str | None:
    """The path of an upload Django spooled to disk (TemporaryUploadedFile), if any."""
    getter = getattr(upload, "temporary_file_path", None)
    if callable(getter):
        try:
            return str(getter())
        except (AttributeError, OSError):
            return None
    return None


def save(key: str, fileobj: UploadedFileLike | IO[bytes]) -> str:
    """Write ``fileobj`` under ``key`` (streamed: FileSystemStorage copies chunk by chunk,
    S3Storage does a multipart upload) and return the key actually used."""
    fileobj.seek(0)
    wrapped = fileobj if isinstance(fileobj, File) else File(fileobj)
    name = file_storage().save(key, wrapped)
    fileobj.seek(0)
    return name


def delete_quietly(keys: Iterable[str]) -> None:
    """Best-effort removal (cleaning up after a failed submission)."""
    storage = file_storage()
    for key in keys:
        if not key:
            continue
        try:
            storage.delete(key)
        except Exception:
            logger.warning("Could not delete stored file %s", key, exc_info=True)


def exists(key: str) -> bool:
    return bool(key) and file_storage().exists(key)


def open_stored(key: str) -> IO[bytes]:
    return file_storage().open(key, "rb")


def iter_stored(key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    with open_stored(key) as fh:
        while True:
            chunk = fh.read(chunk_size)
            if not chunk:
                return
            yield chunk


@contextlib.contextmanager
def local_copy(key: str) -> Iterator[str]:
    """A local path with the stored bytes: the file itself on local storage, else a
    temporary copy streamed from the bucket and deleted afterwards."""
    storage = file_storage()
    try:
        path = storage.path(key)
    except NotImplementedError:
        path = None
    if path is not None:
        if not os.path.exists(path):
            raise FileNotFoundError(key)
        yield path
        return
    fd, tmp = tempfile.mkstemp(prefix="pp-doc-")
    try:
        with os.fdopen(fd, "wb") as out, storage.open(key, "rb") as src:
            while True:
                chunk = src.read(CHUNK_SIZE)
                if not chunk:
                    break
                out.write(chunk)
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# --------------------------------------------------------------------------- receiving uploads

# Multipart framing (boundaries, part headers, form fields) on top of the files themselves.
MULTIPART_OVERHEAD_BYTES = 256 * 1024


def file_too_large(*, filename: str, index: int | None, max_bytes: int) -> Any:
    from config.errors import APIError

    return APIError(
        "DOCUMENT_TOO_LARGE",
        f"{filename or 'A file'} is larger than the {max_bytes // (1024 * 1024)} MB limit.",
        status_code=413,
        details={"filename": filename, "index": index, "max_bytes": max_bytes},
    )


class UploadLimitHandler(FileUploadHandler):
    """First of a request's upload handlers: refuses a body or a file over the limits while
    it arrives (before the rest is read), then passes every chunk on to Django's own
    handlers (memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, a temporary file beyond)."""

    def __init__(self, request: Any = None, *, max_bytes: int, max_files: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.index = -1
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        ceiling = self.max_bytes * self.max_files + MULTIPART_OVERHEAD_BYTES
        if content_length and content_length > ceiling:
            raise file_too_large(filename="", index=None, max_bytes=self.max_bytes)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.index += 1
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            raise file_too_large(
                filename=self.file_name or "", index=self.index, max_bytes=self.max_bytes
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def limit_uploads(request: Any, *, max_files: int) -> None:
    """Put UploadLimitHandler in front of the request's upload handlers (call before the
    body is parsed)."""
    from django.conf import settings

    django_request = getattr(request, "_request", request)
    django_request.upload_handlers.insert(
        0,
        UploadLimitHandler(
            django_request, max_bytes=settings.PP_MAX_FILE_BYTES, max_files=max_files
        ),
    )
