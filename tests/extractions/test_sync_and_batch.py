"""POST /v1/extract (synchronous) and JSON batches of staged files."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from billing.models import CreditLedgerEntry
from billing.services import charge_credits, get_balance
from docgen import simple_invoice_pdf
from extractions import storage
from extractions.files.services import staged_expiry
from extractions.models import Document, Extraction, StoredFile
from tests.extractions.helpers import ledger_is_consistent, pdf_upload, refunds, run


@pytest.mark.django_db(transaction=True)
def test_sync_extract_returns_the_result(eager_celery, client_a, parser_a, org_a):
    response = client_a.post(
        "/v1/extract",
        {"parser_id": parser_a.public_id, "file": pdf_upload(number="SYNC-1")},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["status"] == "completed"
    assert result["data"]["invoice_number"] == "SYNC-1"
    assert result["citations"]["invoice_number"]["page"] == 1
    assert Extraction.objects.get().source == "sync"
    assert get_balance(organization=org_a.organization) == 999


@pytest.mark.django_db
def test_sync_extract_past_its_timeout_answers_202_with_ids(client_a, parser_a):
    # Under the db fixture nothing is published, so the document never finishes.
    response = client_a.post(
        "/v1/extract",
        {"parser_id": parser_a.public_id, "file": pdf_upload(), "timeout": "0.2"},
        format="multipart",
    )
    assert response.status_code == 202
    body = response.json()["extraction"]
    assert body["status"] == "queued" and body["documents"][0]["document_id"].startswith("doc_")


@pytest.mark.django_db
def test_sync_extract_validation(client_a, parser_a, settings):
    settings.PP_SYNC_EXTRACT_TIMEOUT = 30
    two = client_a.post(
        "/v1/extract",
        {"parser_id": parser_a.public_id, "files": [pdf_upload(), pdf_upload("b.pdf")]},
        format="multipart",
    )
    assert two.status_code == 400
    too_long = client_a.post(
        "/v1/extract",
        {"parser_id": parser_a.public_id, "file": pdf_upload(), "timeout": "31"},
        format="multipart",
    )
    assert too_long.status_code == 400
    assert Extraction.objects.count() == 0
    missing = client_a.post(
        "/v1/extract", {"parser_id": "prs_nope", "file": pdf_upload()}, format="multipart"
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PARSER_NOT_FOUND"


def stage(org, data: bytes | None, name: str, *, page_count: int | None = 1) -> StoredFile:
    """A staged file as POST /v1/files leaves it (page_count None and no bytes = a presigned
    upload never made)."""
    row = StoredFile(
        organization=org,
        kind=StoredFile.Kind.STAGED,
        upload_status=(
            StoredFile.UploadStatus.UPLOADED if page_count else StoredFile.UploadStatus.PENDING
        ),
        filename=name,
        media_type="application/pdf" if page_count else "",
        size=len(data or b""),
        page_count=page_count,
        expires_at=staged_expiry(),
    )
    row.storage_key = storage.storage_key(
        organization_public_id=org.public_id,
        file_public_id=row.public_id,
        media_type="application/pdf",
    )
    if data is not None:
        storage.save(row.storage_key, ContentFile(data))
    row.save()
    return row


@pytest.mark.django_db
def test_batch_of_staged_files(client_a, parser_a, org_a):
    org = org_a.organization
    ready = stage(org, simple_invoice_pdf(number="B-1", pages=2), "ready.pdf", page_count=2)
    presigned = stage(org, simple_invoice_pdf(number="B-2"), "late.pdf", page_count=None)
    ghost = stage(org, None, "ghost.pdf", page_count=None)
    response = client_a.post(
        "/v1/extractions",
        {
            "parser_id": parser_a.public_id,
            "file_ids": [ready.public_id, presigned.public_id, ghost.public_id],
            "metadata": {"batch": "june"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="june-batch",
    )
    assert response.status_code == 202, response.json()
    body = response.json()["extraction"]
    assert body["file_count"] == 3
    # Pages known now are charged now; a presigned upload is charged when it runs.
    assert [d["credits_used"] for d in body["documents"]] == [2, 0, 0]
    assert body["credits_used"] == 2 and get_balance(organization=org) == 998
    ext = Extraction.objects.get(public_id=body["extraction_id"])
    assert ext.source == "batch" and ext.metadata == {"batch": "june"}
    assert StoredFile.objects.filter(used_at__isnull=False).count() == 3

    replay = client_a.post(
        "/v1/extractions",
        {
            "parser_id": parser_a.public_id,
            "file_ids": [ready.public_id, presigned.public_id, ghost.public_id],
            "metadata": {"batch": "june"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="june-batch",
    )
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == response.json()

    docs = [Document.objects.get(public_id=d["document_id"]) for d in body["documents"]]
    assert [run(d, task_id=f"t{i}") for i, d in enumerate(docs)] == [
        "completed",
        "completed",
        "failed",
    ]
    for d in docs:
        d.refresh_from_db()
    assert docs[1].credits_used == 1 and docs[1].initial_output["invoice_number"] == "B-2"
    assert (docs[2].error_code, docs[2].credits_used, refunds(docs[2].public_id)) == (
        "upload_missing",
        0,
        [],
    )
    assert get_balance(organization=org) == 997
    ext.refresh_from_db()
    assert (ext.status, ext.credits_used, ext.page_count) == ("partially_failed", 3, 3)
    assert ledger_is_consistent(org)


@pytest.mark.django_db
def test_presigned_file_beyond_the_balance_fails_with_payment_required(client_a, parser_a, org_a):
    org = org_a.organization
    late = stage(org, simple_invoice_pdf(pages=3), "late.pdf", page_count=None)
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "file_ids": [late.public_id]},
        format="json",
    )
    assert response.status_code == 202
    charge_credits(organization=org, credits=998, cause_key="test:spend")
    doc = Document.objects.get()
    assert run(doc) == "failed"
    doc.refresh_from_db()
    assert doc.error_code == "payment_required" and doc.credits_used == 0
    assert get_balance(organization=org) == 2
    assert ledger_is_consistent(org)


@pytest.mark.django_db
def test_batch_validation(client_a, client_b, parser_a, org_a, org_b, settings):
    mine = stage(org_a.organization, simple_invoice_pdf(), "a.pdf")
    theirs = stage(org_b.organization, simple_invoice_pdf(), "b.pdf")
    expired = stage(org_a.organization, simple_invoice_pdf(), "old.pdf")
    StoredFile.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    def post(body):
        return client_a.post("/v1/extractions", body, format="json")

    for file_ids in ([theirs.public_id], [mine.public_id, "file_nope"], [expired.public_id]):
        response = post({"parser_id": parser_a.public_id, "file_ids": file_ids})
        assert response.status_code == 404, file_ids
        assert response.json()["error"]["code"] == "FILE_NOT_FOUND"
    assert post({"parser_id": parser_a.public_id, "file_ids": []}).status_code == 400
    assert post({"parser_id": parser_a.public_id, "file_ids": "file_x"}).status_code == 400
    assert post({"parser_id": parser_a.public_id}).status_code == 400
    assert (
        post(
            {"parser_id": parser_a.public_id, "file_ids": [mine.public_id], "metadata": [1]}
        ).status_code
        == 400
    )
    settings.PP_MAX_FILES_PER_BATCH = 1
    assert (
        post({"parser_id": parser_a.public_id, "file_ids": [mine.public_id] * 2}).status_code == 400
    )
    assert Extraction.objects.count() == 0
    # 402 for the whole batch.
    charge_credits(organization=org_a.organization, credits=1000, cause_key="test:spend")
    settings.PP_MAX_FILES_PER_BATCH = 10
    poor = post({"parser_id": parser_a.public_id, "file_ids": [mine.public_id]})
    assert poor.status_code == 402 and Extraction.objects.count() == 0


@pytest.mark.django_db
def test_cancelling_a_big_batch_refunds_each_document_in_bounded_queries(
    client_a, parser_a, org_a, django_assert_max_num_queries
):
    org = org_a.organization
    rows = StoredFile.objects.bulk_create(
        [
            StoredFile(
                organization=org,
                kind=StoredFile.Kind.STAGED,
                storage_key=f"nowhere/{i}.pdf",
                filename=f"{i}.pdf",
                media_type="application/pdf",
                page_count=2,
                expires_at=staged_expiry(),
            )
            for i in range(300)
        ]
    )
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "file_ids": [r.public_id for r in rows]},
        format="json",
    )
    assert response.status_code == 202
    assert get_balance(organization=org) == 400
    ext_id = response.json()["extraction"]["extraction_id"]
    with django_assert_max_num_queries(40):
        cancelled = client_a.post(f"/v1/extractions/{ext_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["extraction"]["status"] == "cancelled"
    assert get_balance(organization=org) == 1000
    entries = CreditLedgerEntry.objects.filter(kind="refund", extraction__public_id=ext_id)
    assert entries.count() == 300 and {e.delta for e in entries} == {2}
    assert sorted(e.balance_after for e in entries) == list(range(402, 1001, 2))
    assert ledger_is_consistent(org)
    # Once: cancelling again refunds nothing more.
    client_a.post(f"/v1/extractions/{ext_id}/cancel")
    assert CreditLedgerEntry.objects.filter(kind="refund").count() == 300
