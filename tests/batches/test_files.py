"""POST/GET/DELETE /v1/files on local storage: checks, limits, tenancy."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from docgen import blank_pdf, png_bytes
from extractions.models import Document, Extraction, StoredFile

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "scan.pdf", content_type: str = "application/pdf"):
    return client.post(
        "/v1/files",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def test_upload_stages_a_checked_file(client_a, org_a):
    data = blank_pdf(3)
    before = timezone.now()
    response = upload(client_a, data, name="../../etc/invoice 7.pdf")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["file_id"].startswith("file_")
    assert body["filename"] == "invoice 7.pdf"
    assert body["size"] == len(data)
    assert body["media_type"] == "application/pdf"
    assert body["page_count"] == 3
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["upload_status"] == "uploaded"
    expires = parse_datetime(body["expires_at"])
    assert (
        before + timedelta(hours=23, minutes=59) < expires <= timezone.now() + timedelta(hours=24)
    )

    row = StoredFile.objects.get(public_id=body["file_id"])
    assert row.organization == org_a.organization
    assert row.kind == StoredFile.Kind.STAGED
    with default_storage.open(row.storage_key, "rb") as fh:
        assert fh.read() == data
    # The customer's file name never becomes part of a storage path.
    assert "invoice" not in row.storage_key and ".." not in row.storage_key


def test_image_is_one_page_and_typed_by_magic_bytes_not_name(client_a):
    response = upload(client_a, png_bytes(), name="photo.pdf", content_type="application/pdf")
    assert response.status_code == 201
    assert response.json()["media_type"] == "image/png"
    assert response.json()["page_count"] == 1


def test_unsupported_bytes_are_refused_and_nothing_is_stored(client_a, org_a):
    response = upload(client_a, b"MZ\x90\x00 this is an exe" * 20, name="invoice.pdf")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNSUPPORTED_FILE_TYPE"
    assert not StoredFile.objects.for_org(org_a.organization).exists()


def test_page_limit(client_a, settings):
    settings.PP_MAX_PAGES_PER_DOCUMENT = 2
    response = upload(client_a, blank_pdf(3))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PAGE_LIMIT_EXCEEDED"


def test_size_limit_is_enforced_while_streaming(client_a, org_a, settings):
    settings.PP_MAX_FILE_BYTES = 64 * 1024
    # Under the limit by Content-Length (multipart overhead allowance), over it in bytes:
    # refused by the byte count as the chunks arrive.
    data = blank_pdf(1) + b"\n%" + b"x" * (70 * 1024)
    response = upload(client_a, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "DOCUMENT_TOO_LARGE"
    assert not StoredFile.objects.for_org(org_a.organization).exists()


def test_size_limit_refuses_on_content_length_before_reading(client_a, settings):
    from extractions.files.uploads import MULTIPART_OVERHEAD_BYTES, LimitedUploadHandler

    settings.PP_MAX_FILE_BYTES = 1024 * 1024
    handler = LimitedUploadHandler(max_bytes=settings.PP_MAX_FILE_BYTES)

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body must not be read")

    with pytest.raises(Exception) as excinfo:
        handler.handle_raw_input(
            Unreadable(), {}, settings.PP_MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES + 1, b"x"
        )
    assert excinfo.value.code == "DOCUMENT_TOO_LARGE"
    assert excinfo.value.status_code == 413


def test_big_upload_is_spooled_to_disk_not_memory(client_a, settings, monkeypatch):
    """Uploads go through our handler only: chunks to a temporary file, never a memory buffer."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    def no_memory(*args, **kwargs):
        raise AssertionError("the in-memory upload handler must not be used")

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", no_memory)
    data = blank_pdf(1) + b"\n%" + b"y" * (3 * 1024 * 1024)
    response = upload(client_a, data)
    assert response.status_code == 201
    assert response.json()["size"] == len(data)


def test_missing_file_field(client_a):
    response = client_a.post(
        "/v1/files",
        {"document": SimpleUploadedFile("a.pdf", blank_pdf(1))},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_presigned_request_needs_s3_storage(client_a):
    response = client_a.post(
        "/v1/files",
        {"filename": "a.pdf", "size": 100, "content_type": "application/pdf"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_get_and_delete(client_a, org_a):
    file_id = upload(client_a, blank_pdf(2)).json()["file_id"]
    got = client_a.get(f"/v1/files/{file_id}")
    assert got.status_code == 200 and got.json()["page_count"] == 2
    key = StoredFile.objects.get(public_id=file_id).storage_key
    assert default_storage.exists(key)

    assert client_a.delete(f"/v1/files/{file_id}").status_code == 204
    assert not default_storage.exists(key)
    assert StoredFile.objects.get(public_id=file_id).purged_at is not None
    missing = client_a.get(f"/v1/files/{file_id}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "FILE_NOT_FOUND"


def test_file_read_by_a_running_document_cannot_be_deleted(client_a, org_a):
    file_id = upload(client_a, blank_pdf(1)).json()["file_id"]
    stored = StoredFile.objects.get(public_id=file_id)
    extraction = Extraction.objects.create(organization=org_a.organization)
    Document.objects.create(
        organization=org_a.organization, extraction=extraction, stored_file=stored, filename="x"
    )
    response = client_a.delete(f"/v1/files/{file_id}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "FILE_IN_USE"
    assert default_storage.exists(stored.storage_key)


def test_expired_unused_file_is_not_found(client_a):
    file_id = upload(client_a, blank_pdf(1)).json()["file_id"]
    StoredFile.objects.filter(public_id=file_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client_a.get(f"/v1/files/{file_id}").json()["error"]["code"] == "FILE_NOT_FOUND"


def test_list_is_paginated_and_scoped(client_a, client_b):
    ids = [upload(client_a, blank_pdf(1)).json()["file_id"] for _ in range(3)]
    first = client_a.get("/v1/files", {"limit": 2}).json()
    second = client_a.get("/v1/files", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [f["file_id"] for f in first["data"] + second["data"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert client_b.get("/v1/files").json()["data"] == []


def test_outsider_gets_404_and_nothing_changes(client_a, client_b):
    file_id = upload(client_a, blank_pdf(1)).json()["file_id"]
    key = StoredFile.objects.get(public_id=file_id).storage_key
    for response in (client_b.get(f"/v1/files/{file_id}"), client_b.delete(f"/v1/files/{file_id}")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "FILE_NOT_FOUND"
    assert default_storage.exists(key)
    assert StoredFile.objects.get(public_id=file_id).purged_at is None
    assert client_a.get(f"/v1/files/{file_id}").status_code == 200


def test_anonymous_is_401(anon_client):
    assert anon_client.post("/v1/files", {}).status_code == 401
