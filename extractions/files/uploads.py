"""Receiving one multipart upload without ever holding it whole in memory.

``LimitedUploadHandler`` replaces Django's default upload handlers for ``POST /v1/files``. The
limits are the submission handler's (``storage.UploadLimitHandler``: refused with 413 as soon
as the Content-Length header, or the bytes actually received, pass the size limit, without
reading the rest of the body); on top of them every chunk goes straight to a temporary file
on disk and into a running SHA-256.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import SkipFile

from config.errors import APIError
from extractions.storage import MULTIPART_OVERHEAD_BYTES, UploadLimitHandler

__all__ = ["MULTIPART_OVERHEAD_BYTES", "UPLOAD_FIELD", "LimitedUploadHandler"]

UPLOAD_FIELD = "file"


class LimitedUploadHandler(UploadLimitHandler):
    """Spools the ``file`` part to disk, hashing it and enforcing ``max_bytes`` as it arrives."""

    def __init__(self, request: Any = None, *, max_bytes: int) -> None:
        super().__init__(request, max_bytes=max_bytes, max_files=1)
        # ``file`` exists only while a spool is open: Django closes ``handler.file`` of every
        # handler that has one when parsing fails.
        self.sha256 = hashlib.sha256()
        self.file_count = 0

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

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:  # type: ignore[override]
        try:
            super().receive_data_chunk(raw_data, start)
        except APIError:
            self.upload_interrupted()
            raise
        self.sha256.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> TemporaryUploadedFile | None:  # type: ignore[override]
        if not hasattr(self, "file"):
            return None
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        spool = self.__dict__.pop("file", None)
        if spool is not None:
            spool.close()  # a NamedTemporaryFile: closing removes it
