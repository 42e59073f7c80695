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
