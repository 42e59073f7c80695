from __future__ import annotations

import pytest

from parsers.services import create_parser
from tests.extractions.docs import INVOICE_SCHEMA
from tests.worker import eager_celery, live_worker, worker_factory, worker_queue  # noqa: F401


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Local storage under a temporary folder (workers started by a test get the same one)."""
    settings.STORAGE_BACKEND = "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def parser_a(org_a):
    return create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE_SCHEMA)
