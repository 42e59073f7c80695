"""Small helpers shared by the extractions tests."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import CreditAccount, CreditLedgerEntry
from docgen import simple_invoice_pdf
from extractions.models import Document
from extractions.services.runner import run_document


def pdf_upload(name: str = "invoice-1.pdf", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, simple_invoice_pdf(**kwargs), content_type="application/pdf")


def submit(client: Any, parser: Any, *uploads: SimpleUploadedFile, **fields: Any) -> Any:
    response = client.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": list(uploads) or [pdf_upload()], **fields},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    return response.json()["extraction"]


def run(document: Document | str, task_id: str = "task-1") -> str:
    """Run one document in this process, as the Celery task would."""
    if isinstance(document, str):
        document = Document.objects.get(public_id=document)
    return run_document(document_id=document.pk, hostname="test-host", task_id=task_id)


def extract_invoice(
    client: Any, parser: Any, *, seed: int = 5, ruled: bool = True, name: str = "inv.pdf"
) -> Document:
    """docgen's realistic invoice (3 lines), submitted and run in this process."""
    from docgen import invoice_pdf

    pdf, _ = invoice_pdf(1, seed=seed, rows_per_page=3, ruled=ruled)
    ext = submit(client, parser, SimpleUploadedFile(name, pdf, content_type="application/pdf"))
    doc_id = ext["documents"][0]["document_id"]
    assert run(doc_id) == "completed"
    return Document.objects.get(public_id=doc_id)


def ledger_is_consistent(organization: Any) -> bool:
    entries = CreditLedgerEntry.objects.for_org(organization)
    total = sum(e.delta for e in entries)
    balance = CreditAccount.objects.get(organization=organization).balance
    return total == balance and balance >= 0 and all(e.balance_after >= 0 for e in entries)


def refunds(document_public_id: str) -> list[int]:
    return list(
        CreditLedgerEntry.objects.filter(kind="refund", document__public_id=document_public_id)
        .order_by("id")
        .values_list("delta", flat=True)
    )
