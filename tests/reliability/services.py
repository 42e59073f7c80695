"""Real services for the fault tests: the PostgreSQL / Redis check, private servers that a
test may stop and start again (tests/servers.py), killing a database's connections, and
polling helpers.

The fault tests need PostgreSQL and Redis (what production runs). Locally, without them, they
skip with the reason; in CI (``CI`` set) a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q

from billing.models import CreditAccount, CreditLedgerEntry
from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document
from tests.servers import PostgresServer, RedisServer, ServerUnavailable, free_port

__all__ = ["PostgresServer", "RedisServer", "free_port"]  # used by the fault tests


def require_real_services(*, redis: bool = True) -> None:
    """Skip (fail in CI) unless the tests run on PostgreSQL and a Redis broker."""
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL is not PostgreSQL")
    if redis and not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        missing.append("CELERY_BROKER_URL is not Redis")
    if not missing:
        return
    reason = "Fault tests run against real PostgreSQL + Redis: " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide both).")
    pytest.skip(f"{reason} (DATABASE_URL=postgres://…, CELERY_BROKER_URL=redis://…).")


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = ""
) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value, fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)


def all_terminal(document_ids: list[int]) -> bool:
    return not (
        Document.objects.filter(pk__in=document_ids)
        .exclude(status__in=TERMINAL_DOCUMENT_STATUSES)
        .exists()
    )


def submit_document(
    client: Any, parser: Any, name: str, data: bytes, content_type: str = "application/pdf"
) -> Document:
    """POST one file to /v1/extractions (202 asserted); its Document."""
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    response = client.post(
        "/v1/extractions", {"parser_id": parser.public_id, "files": [upload]}, format="multipart"
    )
    assert response.status_code == 202, response.content
    return Document.objects.get(
        public_id=response.json()["extraction"]["documents"][0]["document_id"]
    )


def ledger_invariant(organization: Any) -> tuple[int, int]:
    """(cached balance, sum of entries); equal when the ledger invariant holds."""
    entries = list(CreditLedgerEntry.objects.filter(organization=organization))
    balance = CreditAccount.objects.get(organization=organization).balance
    assert all(e.balance_after >= 0 for e in entries)
    return balance, sum(e.delta for e in entries)


def ledger_kinds(organization: Any, extraction_id: int) -> dict[str, int]:
    """Sum of deltas per kind of the entries caused by one extraction (or its documents)."""
    sums: dict[str, int] = {}
    for kind, delta in CreditLedgerEntry.objects.filter(
        Q(extraction_id=extraction_id) | Q(document__extraction_id=extraction_id),
        organization=organization,
    ).values_list("kind", "delta"):
        sums[kind] = sums.get(kind, 0) + delta
    return sums


def private_server(factory: Callable[[], Any]) -> Any:
    """A private server of tests/servers.py, or a skip (a failure in CI) without its binaries."""
    try:
        return factory()
    except ServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc} (CI needs it for the fault tests).")
        pytest.skip(str(exc))


def terminate_backends(*, exclude_own: bool = True) -> int:
    """What a PostgreSQL restart looks like to its clients: every connection to the test
    database is terminated (except this test's own). Returns how many were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND (NOT %s OR pid <> pg_backend_pid())",
            [exclude_own],
        )
        return int(cursor.fetchone()[0])
