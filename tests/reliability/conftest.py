"""The same fixtures as the extraction tests: files in a temporary folder, an invoice parser
per organization, and real-worker helpers."""

from __future__ import annotations

from tests.extractions.conftest import parser_a  # noqa: F401
from tests.media import _media_in_tmp  # noqa: F401
from tests.worker import eager_celery, live_worker, worker_factory, worker_queue  # noqa: F401
