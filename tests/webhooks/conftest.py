from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.extractions.conftest import parser_a  # noqa: F401  (submissions with a webhook_url)
from tests.media import _media_in_tmp  # noqa: F401
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run Celery tasks in-process (no broker, no worker) for the duration of a test."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fast_webhooks(settings) -> None:
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1
    settings.PP_WEBHOOK_RETRY_BASE_SECONDS = 0.3
    settings.PP_WEBHOOK_TIMEOUT_SECONDS = 2.0
