"""The S3 lane end to end, against a local S3-compatible server (moto, see s3server.py):
presigned PUT straight to the bucket, batch submission by file id, extraction, result read,
retention purge of the object."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone

from docgen import blank_pdf, build_pdf
from extractions.files.services import StagedFileError, resolve_staged_upload
from extractions.models import Document, StoredFile
from extractions.retention import purge_expired
from tests.batches.s3server import BUCKET, object_keys
from tests.parsers.helpers import create_parser

pytestmark = pytest.mark.django_db


def presign(client, *, filename="invoice.pdf", size=1000, content_type="application/pdf"):
    response = client.post(
        "/v1/files",
        {"filename": filename, "size": size, "content_type": content_type},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def put(body: dict, data: bytes) -> requests.Response:
    return requests.put(body["upload_url"], data=data, headers=body["upload_headers"], timeout=10)


def test_presigned_upload_goes_to_the_bucket_and_is_checked_on_use(client_a, s3_storage):
    data = blank_pdf(2)
    body = presign(client_a, size=len(data))
    assert body["file_id"].startswith("file_")
    assert body["upload_status"] == "pending"
    assert body["upload_method"] == "PUT"
    assert body["page_count"] is None
    assert urlsplit(body["upload_url"]).path.startswith(f"/{BUCKET}/")
    stored = StoredFile.objects.get(public_id=body["file_id"])
    assert object_keys(s3_storage) == []  # nothing until the customer PUTs

    assert put(body, data).status_code == 200
    assert object_keys(s3_storage) == [stored.storage_key]

    resolved = resolve_staged_upload(stored_file=stored)
    assert resolved.upload_status == StoredFile.UploadStatus.UPLOADED
    assert (resolved.media_type, resolved.page_count, resolved.size) == (
        "application/pdf",
        2,
        len(data),
    )
    assert len(resolved.sha256) == 64
    got = client_a.get(f"/v1/files/{body['file_id']}").json()
    assert got["upload_status"] == "uploaded" and got["page_count"] == 2


def test_presigned_upload_never_made_is_upload_missing(client_a, s3_storage):
    body = presign(client_a)
    stored = StoredFile.objects.get(public_id=body["file_id"])
    with pytest.raises(StagedFileError) as excinfo:
        resolve_staged_upload(stored_file=stored)
    assert excinfo.value.code == "upload_missing"


def test_presigned_upload_of_unsupported_bytes_fails_on_use(client_a, s3_storage):
    body = presign(client_a, content_type="application/pdf")
    assert put(body, b"<html>not a pdf</html>").status_code == 200
    stored = StoredFile.objects.get(public_id=body["file_id"])
    with pytest.raises(Exception) as excinfo:
        resolve_staged_upload(stored_file=stored)
    assert excinfo.value.code == "unsupported_input"


def test_presigned_request_is_validated(client_a, s3_storage, settings):
    settings.PP_MAX_FILE_BYTES = 10_000
    too_big = client_a.post(
        "/v1/files",
        {"filename": "a.pdf", "size": 10_001, "content_type": "application/pdf"},
        format="json",
    )
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "DOCUMENT_TOO_LARGE"
    no_size = client_a.post("/v1/files", {"filename": "a.pdf"}, format="json")
    assert no_size.status_code == 400
    assert StoredFile.objects.count() == 0


def test_multipart_upload_also_works_on_s3(client_a, s3_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = blank_pdf(1)
    response = client_a.post(
        "/v1/files", {"file": SimpleUploadedFile("a.pdf", data)}, format="multipart"
    )
    assert response.status_code == 201
    key = StoredFile.objects.get(public_id=response.json()["file_id"]).storage_key
    assert object_keys(s3_storage) == [key]
    assert client_a.delete(f"/v1/files/{response.json()['file_id']}").status_code == 204
    assert object_keys(s3_storage) == []


def test_batch_of_presigned_uploads_end_to_end(
    client_a, org_a, s3_storage, django_capture_on_commit_callbacks
):
    from extractions.services.runner import run_document

    parser = create_parser(client_a)
    invoice = build_pdf([[(72, 72, "Invoice number: INV-2041", 12), (72, 100, "Total: 99.50", 12)]])
    uploaded = presign(client_a, filename="inv.pdf", size=len(invoice))
    assert put(uploaded, invoice).status_code == 200
    never_uploaded = presign(client_a, filename="ghost.pdf")

    # Submission only queues; the broker publication is left out (run in-process below).
    with django_capture_on_commit_callbacks(execute=False):
        response = client_a.post(
            "/v1/extractions",
            {
                "parser_id": parser["id"],
                "file_ids": [uploaded["file_id"], never_uploaded["file_id"]],
            },
            format="json",
        )
    assert response.status_code == 202, response.json()
    body = response.json()["extraction"]
    assert body["file_count"] == 2
    docs = {d["filename"]: d for d in body["documents"]}
    assert set(docs) == {"inv.pdf", "ghost.pdf"}

    with django_capture_on_commit_callbacks(execute=False):
        for doc in Document.objects.filter(extraction__public_id=body["extraction_id"]):
            run_document(document_id=doc.pk, hostname="test", task_id=f"t-{doc.pk}")

    ok = Document.objects.get(public_id=docs["inv.pdf"]["document_id"])
    ghost = Document.objects.get(public_id=docs["ghost.pdf"]["document_id"])
    assert ok.status == "completed", (ok.error_code, ok.error_message)
    assert ok.page_count == 1
    assert (ghost.status, ghost.error_code) == ("failed", "upload_missing")

    result = client_a.get(f"/v1/extractions/{body['extraction_id']}/documents/{ok.public_id}")
    assert result.status_code == 200, result.json()
    assert result.json()["data"]["invoice_number"] == "INV-2041"

    # Retention: an hour of retention, two hours later the object and the results are gone.
    org = org_a.organization
    org.retention_hours = 1
    org.save(update_fields=["retention_hours"])
    report = purge_expired(now=timezone.now() + timedelta(hours=2))
    assert report.documents == 2 and report.stored_files >= 1
    assert object_keys(s3_storage) == []
    expired = client_a.get(f"/v1/extractions/{body['extraction_id']}/documents/{ok.public_id}")
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "RESULT_EXPIRED"
