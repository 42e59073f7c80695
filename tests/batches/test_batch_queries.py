"""A batch of thousands of staged files submits in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.services import get_balance, grant_credits
from extractions.files.services import staged_expiry
from extractions.models import Document, StoredFile
from tests.parsers.helpers import create_parser

pytestmark = pytest.mark.django_db


def stage_rows(organization, n: int, tag: str) -> list[str]:
    """Staged, checked files (rows only: submission never reads the bytes of checked files)."""
    rows = StoredFile.objects.bulk_create(
        [
            StoredFile(
                organization=organization,
                kind=StoredFile.Kind.STAGED,
                upload_status=StoredFile.UploadStatus.UPLOADED,
                storage_key=f"orgs/{organization.public_id}/files/{tag}-{i}.pdf",
                filename=f"{tag}-{i}.pdf",
                size=1000,
                media_type="application/pdf",
                page_count=1,
                expires_at=staged_expiry(),
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    return [row.public_id for row in rows]


def submit(client, parser_id: str, file_ids: list[str], capture):
    # Broker publication happens after commit; it is not what is measured here.
    with capture(execute=False):
        return client.post(
            "/v1/extractions", {"parser_id": parser_id, "file_ids": file_ids}, format="json"
        )


def test_2000_file_batch_submits_in_bounded_queries(
    client_a, org_a, django_capture_on_commit_callbacks
):
    org = org_a.organization
    grant_credits(organization=org, credits=5000, reason="big batch")
    parser_id = create_parser(client_a)["id"]
    small = stage_rows(org, 20, "small")
    big = stage_rows(org, 2000, "big")

    with CaptureQueriesContext(connection) as small_queries:
        response = submit(client_a, parser_id, small, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.json()

    balance = get_balance(organization=org)
    started = timezone.now()
    with CaptureQueriesContext(connection) as big_queries:
        response = submit(client_a, parser_id, big, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.json()
    body = response.json()["extraction"]
    assert body["file_count"] == 2000 and body["page_count"] == 2000
    assert body["credits_used"] == 2000
    assert get_balance(organization=org) == balance - 2000
    assert Document.objects.filter(extraction__public_id=body["extraction_id"]).count() == 2000
    assert StoredFile.objects.filter(public_id__in=big, used_at__gte=started).count() == 2000

    small_other, _ = split(small_queries)
    big_other, big_inserts = split(big_queries)
    # No per-file query: apart from bulk inserts, 100 times the files costs the same queries.
    assert len(big_other) <= len(small_other) + 2
    if connection.vendor == "postgresql":
        assert len(big_queries) <= 60
    # Bulk inserts: thousands of rows per statement on PostgreSQL; SQLite caps the variables
    # of one statement (999), so there it takes one statement per 999 // (document columns)
    # rows, and a few more statements (extraction, ledger, ...).
    per_statement = connection.ops.bulk_batch_size(Document._meta.concrete_fields, [None] * 2000)
    assert len(big_inserts) <= (
        8 if connection.vendor == "postgresql" else -(-2000 // per_statement) + 5
    )


def split(captured: CaptureQueriesContext) -> tuple[list[str], list[str]]:
    sqls = [q["sql"] for q in captured.captured_queries]
    inserts = [s for s in sqls if s.lstrip().upper().startswith("INSERT")]
    return [s for s in sqls if s not in inserts], inserts
