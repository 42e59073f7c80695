"""Idempotency-Key: replay, 409 on another payload, 24 h window, concurrent retries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from billing.models import CreditLedgerEntry
from billing.services import get_balance
from extractions.models import Extraction
from tests.conftest import api_client_for_key
from tests.extractions.helpers import pdf_upload


def submit(client, parser, key, **pdf):
    return client.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": [pdf_upload(**pdf)]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def charges(org):
    return CreditLedgerEntry.objects.for_org(org).filter(kind="charge").count()


@pytest.mark.django_db
def test_same_key_same_payload_replays_the_original(client_a, parser_a, org_a):
    first = submit(client_a, parser_a, "batch-june")
    assert first.status_code == 202
    assert "Idempotent-Replayed" not in first
    second = submit(client_a, parser_a, "batch-june")
    assert second.status_code == 202
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Extraction.objects.for_org(org_a.organization).count() == 1
    assert charges(org_a.organization) == 1
    assert get_balance(organization=org_a.organization) == 999


@pytest.mark.django_db
def test_same_key_other_payload_is_409(client_a, parser_a, org_a):
    assert submit(client_a, parser_a, "k1").status_code == 202
    other = submit(client_a, parser_a, "k1", number="INV-2")  # other file bytes
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Extraction.objects.for_org(org_a.organization).count() == 1
    assert charges(org_a.organization) == 1


@pytest.mark.django_db
def test_keys_are_per_organization(client_a, client_b, parser_a, parser_b):
    a = submit(client_a, parser_a, "shared-key")
    b = submit(client_b, parser_b, "shared-key")
    assert a.status_code == b.status_code == 202
    assert "Idempotent-Replayed" not in b
    assert a.json()["extraction"]["extraction_id"] != b.json()["extraction"]["extraction_id"]


@pytest.mark.django_db
def test_a_key_may_be_reused_after_24_hours(client_a, parser_a, org_a):
    first = submit(client_a, parser_a, "daily")
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        again = submit(client_a, parser_a, "daily", number="INV-NEW")
    assert again.status_code == 202
    assert "Idempotent-Replayed" not in again
    assert (
        again.json()["extraction"]["extraction_id"] != first.json()["extraction"]["extraction_id"]
    )
    old = Extraction.objects.get(public_id=first.json()["extraction"]["extraction_id"])
    assert old.idempotency_key is None  # released in the transaction that took it over
    assert charges(org_a.organization) == 2


@pytest.mark.django_db
def test_402_does_not_burn_the_key(client_a, parser_a, org_a):
    from billing.services import charge_credits, grant_credits

    charge_credits(organization=org_a.organization, credits=1000, cause_key="test:drain")
    assert submit(client_a, parser_a, "retry-me").status_code == 402
    grant_credits(organization=org_a.organization, credits=5, reason="top-up")
    retry = submit(client_a, parser_a, "retry-me")
    assert retry.status_code == 202
    assert "Idempotent-Replayed" not in retry


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_extraction(org_a, parser_a, worker_queue):
    threads = 6
    barrier = threading.Barrier(threads)
    results: list[tuple[int, str, bool]] = []
    lock = threading.Lock()
    pdf = {"number": "INV-RACE"}

    def run() -> None:
        client = api_client_for_key(org_a.api_key_secret)
        try:
            barrier.wait()
            response = submit(client, parser_a, "race-key", **pdf)
            with lock:
                results.append(
                    (
                        response.status_code,
                        response.json().get("extraction", {}).get("extraction_id", ""),
                        response.get("Idempotent-Replayed") == "true",
                    )
                )
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert [r[0] for r in results] == [202] * threads
    assert len({r[1] for r in results}) == 1
    assert sum(1 for r in results if not r[2]) == 1  # exactly one original, the rest replays
    assert Extraction.objects.for_org(org_a.organization).count() == 1
    assert charges(org_a.organization) == 1
    assert get_balance(organization=org_a.organization) == 999
