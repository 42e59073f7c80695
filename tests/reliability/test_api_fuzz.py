"""schemathesis over every operation of ``/v1/schema``, with a valid API key, against the
Django WSGI application in this process: no 5xx, and every answer conforms to the document:
a status code it declares for the operation, its content type, its headers (``Retry-After``
on 429s) and its body (errors: the envelope, with a code the operation declares).

The rate limits are on, raised far above what the run sends, so that requests go through the
throttles as in production and still reach the code. File fields get real documents in turn
(a PDF, a PNG, a JPEG) as well as schemathesis' own bytes, so that uploads reach the engine.
Request bodies are what the schema allows (schemathesis' defaults): the hostile-body cases of
issue #19 (JSON nested thousands of levels deep, bodies over 20 MB) are the request-parsing
hardening's own tests, not this run's.

Bounded so that it runs in CI in about a minute: PP_API_FUZZ_EXAMPLES examples per operation
(15 by default), derandomized (the same cases every run), no deadline. A deeper local run:
``PP_API_FUZZ_EXAMPLES=200 pytest tests/reliability/test_api_fuzz.py``.

Left out: the Stripe webhook (its signature cannot be generated) and checkout (calls Stripe).
"""

from __future__ import annotations

import json
import os
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from docgen import simple_invoice_pdf
from tests.reliability.mutants import image_bytes

EXAMPLES = int(os.environ.get("PP_API_FUZZ_EXAMPLES", "15"))
EXCLUDED_PATHS = ("/v1/billing/stripe/webhook", "/v1/billing/checkout")


@pytest.fixture
def _keep_test_connection():
    """The WSGI app closes the database connection after each request, as in production;
    the test's transaction lives on that connection (Django's test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _api_state(db, org_a, settings, tmp_path, _keep_test_connection):
    from docgen import SIMPLE_INVOICE_SCHEMA
    from parsers.services import create_parser

    settings.PP_SYNC_EXTRACT_TIMEOUT = 1  # POST /v1/extract must not wait for a worker
    # Through the throttles, as in production, but never refused by them.
    settings.PP_RATE_LIMIT_ENABLED = True
    settings.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 1_000_000
    settings.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = 1_000_000
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    create_parser(organization=org_a.organization, name="Invoices", schema=SIMPLE_INVOICE_SCHEMA)


def _load_schema():
    """The served document, read through the WSGI app (anonymous: no database needed)."""
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/v1/schema?format=json", application).exclude(
        path=list(EXCLUDED_PATHS)
    )


schema = _load_schema()


def error_envelope(ctx, response, case) -> bool | None:
    """Every 4xx answer is ``{"error": {"code", "message", "details"?}}``; JWT auth errors keep
    simplejwt's shape (``detail`` + ``code``), as DESIGN.md says."""
    if response.status_code < 400:
        return None
    body = json.loads(response.content or b"null")
    if isinstance(body, dict) and "detail" in body and "code" in body and "error" not in body:
        assert response.status_code == 401, f"simplejwt shape on a {response.status_code}"
        return None
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the envelope: {body!r}"
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"].isupper(), error
    assert isinstance(error.get("message"), str) and error["message"], error
    assert isinstance(error.get("details", {}), dict), error
    return None


SAMPLES = (
    simple_invoice_pdf(),
    image_bytes("PNG", (400, 120), "Invoice number: INV-7  Total: 12.50"),
    image_bytes("JPEG", (400, 120), "Invoice number: INV-7  Total: 12.50"),
    None,  # schemathesis' own bytes
)


def _with_real_documents(case) -> None:
    """Put a real document in file fields, one in turn (chosen from the case itself, so the
    same cases get the same files every run)."""
    if not (case.media_type == "multipart/form-data" and isinstance(case.body, dict)):
        return
    for name in ("files", "file"):
        if name not in case.body:
            continue
        sample = SAMPLES[zlib.crc32(repr(sorted(case.body.items())).encode()) % len(SAMPLES)]
        if sample is not None or not case.body[name]:
            sample = sample or simple_invoice_pdf()
            case.body[name] = [sample] if name == "files" else sample


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation(case, org_a):
    _with_real_documents(case)
    case.call_and_validate(
        headers={"X-API-Key": org_a.api_key_secret},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            error_envelope,
        ],
    )
