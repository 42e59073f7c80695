"""The broker down at submission time, on PostgreSQL with a real worker.

The test runs a redis-server of its own (never the shared one, which colleagues' tests use),
points this process's Celery app, its cache (rate-limit counters, switched on) and a real
worker at it, and kills it around a submission:
the API still answers 202, the extraction is stored and charged, its documents wait in
``queued`` (not marked as handed to the broker). Once Redis is back, the periodic sweeper
dispatches them and the worker, reconnected by itself, runs them: nothing is lost between the
database commit and the enqueue, and nothing is charged twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu import pools

from docgen import simple_invoice_pdf
from extractions.models import Document, DocumentStatus, Extraction
from extractions.services.sweeper import sweep_documents
from tests.reliability.services import (
    RedisServer,
    all_terminal,
    ledger_invariant,
    ledger_kinds,
    private_server,
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (drop its pooled connections). Celery reads
    the CELERY_BROKER_URL environment variable before its configuration."""
    from config.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps process-wide producer/connection pools keyed by connection; without a
    # reset they keep handing out the closed ones and every later publish in this test
    # process fails with "Acquire on closed pool".
    pools.reset()


@pytest.fixture
def private_redis(settings, tmp_path, worker_queue, monkeypatch) -> Iterator[RedisServer]:
    require_real_services()
    server = private_server(lambda: RedisServer(tmp_path).start())
    previous = settings.CELERY_BROKER_URL
    monkeypatch.setenv("CELERY_BROKER_URL", previous)  # restored at teardown
    settings.CELERY_BROKER_URL = server.url()
    _use_broker(server.url())
    try:
        yield server
    finally:
        server.stop()
        _use_broker(previous)


def test_submission_while_the_broker_is_down_runs_once_it_is_back(
    private_redis, worker_factory, client_a, parser_a, org_a, settings, caplog
):
    worker = worker_factory(concurrency=2, extra_env={"CELERY_BROKER_URL": private_redis.url()})
    # One Redis for the broker and the cache, as many deployments run it: the rate-limit
    # counters (switched on here) go down with the broker and must fail open.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url().replace("/0", "/1"),
        }
    }
    settings.PP_RATE_LIMIT_ENABLED = True
    private_redis.stop()

    files = [
        SimpleUploadedFile(
            f"inv-{n}.pdf", simple_invoice_pdf(f"INV-{n}"), content_type="application/pdf"
        )
        for n in (1, 2)
    ]
    started = time.monotonic()
    response = client_a.post(
        "/v1/extractions", {"parser_id": parser_a.public_id, "files": files}, format="multipart"
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 202, response.content
    assert elapsed < 15, f"the API hung {elapsed:.1f}s on the dead broker"
    assert "Rate-limit counter unavailable; allowing the request" in caplog.text
    body = response.json()["extraction"]
    assert body["status"] == "queued" and body["credits_used"] == 2
    extraction = Extraction.objects.get(public_id=body["extraction_id"])
    documents = list(Document.objects.filter(extraction=extraction))
    assert len(documents) == 2
    # Stored and charged, waiting for a dispatch (not counted as handed to the broker).
    assert all(d.status == DocumentStatus.QUEUED and d.enqueued_at is None for d in documents)
    assert ledger_kinds(org_a.organization, extraction.pk) == {"charge": -2}

    # While the broker is still down the sweeper tries, fails, and keeps them waiting.
    assert sweep_documents()["dispatched"] == 2
    assert all(d.enqueued_at is None for d in Document.objects.filter(extraction=extraction)), (
        "a failed publish must put the documents back to waiting"
    )

    private_redis.start()  # same port: the worker reconnects by itself
    assert sweep_documents()["dispatched"] == 2  # what Celery beat runs every minute
    ids = [d.pk for d in documents]
    wait_for(lambda: all_terminal(ids), timeout=120, what="the documents to run")
    for document in Document.objects.filter(pk__in=ids):
        assert document.status == DocumentStatus.COMPLETED, document.error_message
        assert document.attempts == 1
    extraction.refresh_from_db()
    assert extraction.status == "completed"
    assert ledger_kinds(org_a.organization, extraction.pk) == {"charge": -2}
    balance, total = ledger_invariant(org_a.organization)
    assert balance == total == 998
    assert "Connection to broker lost" in worker.log() or "Cannot connect" in worker.log()
