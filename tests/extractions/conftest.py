from __future__ import annotations

import pytest

from docgen import SIMPLE_INVOICE_SCHEMA
from parsers.services import create_parser
from tests.media import _media_in_tmp  # noqa: F401
from tests.worker import eager_celery, live_worker, worker_factory, worker_queue  # noqa: F401


@pytest.fixture
def parser_a(org_a):
    return create_parser(
        organization=org_a.organization, name="Invoices", schema=SIMPLE_INVOICE_SCHEMA
    )


@pytest.fixture
def parser_b(org_b):
    return create_parser(
        organization=org_b.organization, name="B invoices", schema=SIMPLE_INVOICE_SCHEMA
    )


@pytest.fixture
def auto_parser(org_a):
    """Invoices with the automation policy on and no sample; threshold 0: no value is flagged
    for its confidence (these tests are about the policy, not about what the calibrated
    engine thinks of a generated invoice)."""
    from docgen import INVOICE_SCHEMA

    return create_parser(
        organization=org_a.organization,
        name="Invoices",
        schema=INVOICE_SCHEMA,
        review_confidence_threshold=0.0,
        auto_accept=True,
        auto_accept_sample_share=0.0,
    )
