"""Receiving one multipart upload without ever holding it whole in memory.

``LimitedUploadHandler`` replaces Django's default upload handlers for ``POST /v1/files``:
every chunk goes straight to a temporary file on disk and into a running SHA-256, and the
upload is refused (413) as soon as the Content-Length header, or the bytes actually received,
pass the size limit, without reading the rest of the body.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from config.errors import APIError

# Multipart framing (boundaries, part headers, small form fields) on top of the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
UPLOAD_FIELD = "file"


def too_large(max_bytes: int) -> APIError:
    return APIError(
        "DOCUMENT_TOO_LARGE",
        f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.",
        status_code=413,
        details={"max_bytes": max_bytes},
    )


class LimitedUploadHandler(FileUploadHandler):
    """Spools the ``file`` part to disk, hashing it and enforcing ``max_bytes`` as it arrives."""

    def __init__(self, request: Any = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        # ``file`` exists only while a spool is open: Django closes ``handler.file`` of every
        # handler that has one when parsing fails.
        self.received = 0
        self.sha256 = hashlib.sha256()
        self.file_count = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        # Refuse before reading a single byte of the body when the client says it is too big.
        if content_length and content_length > self.max_bytes + MULTIPART_OVERHEAD_BYTES:
            raise too_large(self.max_bytes)

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != UPLOAD_FIELD:
            raise SkipFile()
        self.file_count += 1
        if self.file_count > 1:
            raise APIError("INVALID_PAYLOAD", "Send exactly one file, in the `file` field.")
        self.file = TemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.upload_interrupted()
            raise too_large(self.max_bytes)
        self.sha256.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> TemporaryUploadedFile | None:
        if not hasattr(self, "file"):
            return None
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        spool = self.__dict__.pop("file", None)
        if spool is not None:
            spool.close()  # a NamedTemporaryFile: closing removes it
