"""schemathesis over every operation of ``/v1/schema``, with a valid API key, against the
Django WSGI application in this process: no 5xx, every error in the envelope, responses
conform to the schema (status codes the schema documents, their bodies and content types).

Bounded so that it runs in CI in about a minute: PP_API_FUZZ_EXAMPLES examples per operation
(15 by default), derandomized (the same cases every run), no deadline. A deeper local run:
``PP_API_FUZZ_EXAMPLES=200 pytest tests/reliability/test_api_fuzz.py``.

Left out: the Stripe webhook (its signature cannot be generated) and checkout (calls Stripe).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from docgen import simple_invoice_pdf

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


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation(case, org_a):
    if (
        case.body is not None
        and case.media_type == "multipart/form-data"
        and isinstance(case.body, dict)
    ):
        for name in ("files", "file"):
            if name in case.body and not case.body[name]:
                case.body[name] = simple_invoice_pdf()
    case.call_and_validate(
        headers={"X-API-Key": org_a.api_key_secret},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            error_envelope,
        ],
    )
