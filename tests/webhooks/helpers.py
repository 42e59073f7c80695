from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from django.utils import timezone

from accounts.models import Organization
from extractions.models import Document, DocumentStatus, Extraction, ExtractionStatus

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def make_extraction(
    organization: Organization,
    *,
    webhook_url: str = "",
    status: str = ExtractionStatus.COMPLETED,
    completed_at: datetime | None = None,
    metadata: dict | None = None,
) -> Extraction:
    return Extraction.objects.create(
        organization=organization,
        status=status,
        webhook_url=webhook_url,
        completed_at=completed_at or timezone.now(),
        metadata=metadata or {"ref": "A-17"},
        file_count=1,
        page_count=2,
        credits_used=2,
    )


def make_document(
    extraction: Extraction,
    *,
    status: str = DocumentStatus.COMPLETED,
    finished_at: datetime | None = None,
    error_code: str = "",
) -> Document:
    return Document.objects.create(
        organization=extraction.organization,
        extraction=extraction,
        filename="invoice.pdf",
        status=status,
        page_count=2,
        credits_used=2,
        finished_at=finished_at or timezone.now(),
        error_code=error_code,
        error_message="boom" if error_code else "",
    )


def documented_verifier():
    """The verification function exactly as docs/webhooks.md shows it to customers."""
    text = DOCS.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace["verify_perfectparser_signature"]


def create_endpoint(client, url: str, **extra) -> dict:
    response = client.post("/v1/webhooks", {"url": url, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()
