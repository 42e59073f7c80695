"""Retention with a frozen clock (time-machine): what goes, what stays, who is spared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import CreditLedgerEntry
from billing.services import get_balance
from docgen import blank_pdf, build_pdf
from extractions.models import Document, DocumentEdit, Extraction, StoredFile
from extractions.retention import purge_expired
from extractions.retention_tasks import purge_expired_data
from tests.parsers.helpers import create_parser

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def submit_and_run(client, capture) -> tuple[str, str]:
    """A real multipart submission, run in-process; (extraction_id, document_id)."""
    from extractions.services.runner import run_document

    parser = create_parser(client)
    pdf = build_pdf([[(72, 72, "Invoice number: INV-7", 12), (72, 100, "Total: 12.00", 12)]])
    with capture(execute=False):
        response = client.post(
            "/v1/extractions",
            {"parser_id": parser["id"], "files": [SimpleUploadedFile("inv.pdf", pdf)]},
            format="multipart",
        )
        assert response.status_code == 202, response.json()
        body = response.json()["extraction"]
        for doc in Document.objects.filter(extraction__public_id=body["extraction_id"]):
            run_document(document_id=doc.pk, hostname="test", task_id=f"t{doc.pk}")
    return body["extraction_id"], body["documents"][0]["document_id"]


def test_results_and_files_go_metadata_and_ledger_stay(
    client_a, org_a, django_capture_on_commit_callbacks
):
    org = org_a.organization
    with time_machine.travel(T0, tick=False) as clock:
        ext_id, doc_id = submit_and_run(client_a, django_capture_on_commit_callbacks)
        document = Document.objects.get(public_id=doc_id)
        assert document.status == "completed" and document.initial_output
        # A review (as the review service records it): reviewed output, history, one edit.
        document.reviewed_output = {**document.initial_output, "invoice_number": "INV-7-FIXED"}
        document.reviewed = True
        document.save()
        DocumentEdit.objects.create(
            organization=org,
            document=document,
            path="invoice_number",
            before=document.initial_output.get("invoice_number"),
            after="INV-7-FIXED",
        )
        assert document.history.filter(reviewed_output__isnull=False).exists()
        assert DocumentEdit.objects.filter(document=document).exists()
        stored = document.stored_file
        assert default_storage.exists(stored.storage_key)
        ledger = list(CreditLedgerEntry.objects.filter(organization=org).values())
        balance = get_balance(organization=org)

        clock.move_to(T0 + timedelta(days=30) - timedelta(minutes=1))
        assert purge_expired().total == 0
        assert client_a.get(f"/v1/extractions/{ext_id}/documents/{doc_id}").status_code == 200

        clock.move_to(T0 + timedelta(days=30, minutes=1))
        report = purge_expired()
        assert (report.documents, report.stored_files) == (1, 1)

        document.refresh_from_db()
        assert document.results_purged_at == T0 + timedelta(days=30, minutes=1)
        for name in (
            "content",
            "pages",
            "images",
            "initial_output",
            "reviewed_output",
            "citations",
            "confidence",
            "classifier_result",
        ):
            assert getattr(document, name) is None, name
        # Metadata, counts and status remain.
        assert (document.status, document.filename, document.page_count) == (
            "completed",
            "inv.pdf",
            1,
        )
        assert document.credits_used == 1 and document.sha256
        # Edits keep who/what/when, not the values; history loses the reviewed values too.
        edits = DocumentEdit.objects.filter(document=document)
        assert edits.exists() and all(e.before is None and e.after is None for e in edits)
        assert all(h.reviewed_output is None for h in document.history.all())

        stored.refresh_from_db()
        assert stored.purged_at is not None
        assert not default_storage.exists(stored.storage_key)
        assert list(CreditLedgerEntry.objects.filter(organization=org).values()) == ledger
        assert get_balance(organization=org) == balance

        extraction = client_a.get(f"/v1/extractions/{ext_id}")
        assert extraction.status_code == 200
        assert extraction.json()["extraction"]["status"] == "completed"
        expired = client_a.get(f"/v1/extractions/{ext_id}/documents/{doc_id}")
        assert expired.status_code == 410
        assert expired.json()["error"]["code"] == "RESULT_EXPIRED"

        assert purge_expired().total == 0  # nothing left to do


def _finished_document(org, *, at: datetime, status: str = "completed", key: str = "") -> Document:
    extraction = Extraction.objects.create(organization=org, status=status)
    stored = None
    if key:
        key = default_storage.save(key, ContentFile(blank_pdf(1)))
        stored = StoredFile.objects.create(
            organization=org,
            kind=StoredFile.Kind.SUBMISSION,
            storage_key=key,
            filename="a.pdf",
            used_at=at,
        )
    return Document.objects.create(
        organization=org,
        extraction=extraction,
        stored_file=stored,
        filename="a.pdf",
        status=status,
        finished_at=at if status != "queued" else None,
        content=["text"],
        initial_output={"a": 1},
    )


def test_each_organization_has_its_own_retention(org_a, org_b):
    org_a.organization.retention_hours = 1
    org_a.organization.save(update_fields=["retention_hours"])
    with time_machine.travel(T0, tick=False) as clock:
        short = _finished_document(org_a.organization, at=T0, key="orgs/a/one.pdf")
        long = _finished_document(org_b.organization, at=T0, key="orgs/b/one.pdf")
        clock.move_to(T0 + timedelta(hours=2))
        report = purge_expired()
    assert (report.documents, report.stored_files) == (1, 1)
    short.refresh_from_db()
    long.refresh_from_db()
    assert short.results_purged_at is not None and short.content is None
    assert long.results_purged_at is None and long.content == ["text"]
    assert not default_storage.exists(short.stored_file.storage_key)
    assert default_storage.exists(long.stored_file.storage_key)


def test_running_documents_keep_their_file(org_a):
    org_a.organization.retention_hours = 1
    org_a.organization.save(update_fields=["retention_hours"])
    with time_machine.travel(T0, tick=False) as clock:
        queued = _finished_document(org_a.organization, at=T0, status="queued", key="orgs/a/q.pdf")
        clock.move_to(T0 + timedelta(hours=5))
        assert purge_expired().total == 0
    queued.refresh_from_db()
    assert queued.results_purged_at is None
    assert default_storage.exists(queued.stored_file.storage_key)


def test_stored_page_images_are_deleted(org_a):
    org_a.organization.retention_hours = 1
    org_a.organization.save(update_fields=["retention_hours"])
    with time_machine.travel(T0, tick=False) as clock:
        document = _finished_document(org_a.organization, at=T0)
        image_key = default_storage.save("orgs/a/images/p1.png", ContentFile(b"\x89PNG..."))
        Document.objects.filter(pk=document.pk).update(
            images=[{"page": 1, "storage_key": image_key}]
        )
        clock.move_to(T0 + timedelta(hours=2))
        assert purge_expired().documents == 1
    assert not default_storage.exists(image_key)


def test_work_is_batched_and_bounded(org_a, settings):
    org_a.organization.retention_hours = 1
    org_a.organization.save(update_fields=["retention_hours"])
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(7):
            _finished_document(org_a.organization, at=T0)
        clock.move_to(T0 + timedelta(hours=2))
        assert purge_expired(batch_size=3, max_batches=2).documents == 6
        assert purge_expired(batch_size=3, max_batches=2).documents == 1
        assert Document.objects.filter(results_purged_at__isnull=True).count() == 0


def test_staged_files_never_used_expire_after_24_hours(client_a, org_a):
    with time_machine.travel(T0, tick=False) as clock:
        unused = client_a.post(
            "/v1/files", {"file": SimpleUploadedFile("a.pdf", blank_pdf(1))}, format="multipart"
        ).json()
        used = client_a.post(
            "/v1/files", {"file": SimpleUploadedFile("b.pdf", blank_pdf(1))}, format="multipart"
        ).json()
        StoredFile.objects.filter(public_id=used["file_id"]).update(used_at=T0)
        unused_row = StoredFile.objects.get(public_id=unused["file_id"])

        clock.move_to(T0 + timedelta(hours=23, minutes=59))
        assert purge_expired().staged_files == 0
        assert client_a.get(f"/v1/files/{unused['file_id']}").status_code == 200

        clock.move_to(T0 + timedelta(hours=24, minutes=1))
        assert purge_expired_data() == {
            "documents": 0,
            "stored_files": 0,
            "staged_files": 1,
            "expired_refresh_tokens": 0,
        }
        unused_row.refresh_from_db()
        assert unused_row.purged_at == T0 + timedelta(hours=24, minutes=1)
        assert not default_storage.exists(unused_row.storage_key)
        assert client_a.get(f"/v1/files/{unused['file_id']}").status_code == 404
        # A file a batch used follows the organization's retention, not the 24 h.
        assert client_a.get(f"/v1/files/{used['file_id']}").status_code == 200
        assert default_storage.exists(StoredFile.objects.get(public_id=used["file_id"]).storage_key)
