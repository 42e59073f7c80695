"""The Celery application: ``celery -A config worker``."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("perfectparser")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Recovery and deliveries must not wait behind documents (an OCR document takes minutes).
HOUSEKEEPING_TASKS = frozenset(
    {
        "extractions.tasks.sweep_documents",
        "extractions.webhooks.tasks.deliver_webhook",
        "extractions.webhooks.tasks.deliver_due_webhooks",
        "extractions.retention_tasks.purge_expired_data",
    }
)


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> Any:
    """CELERY_TASK_ROUTES: housekeeping tasks to CELERY_HOUSEKEEPING_QUEUE (read when a task
    is sent, so that tests can point it at their own worker's queue)."""
    if name in HOUSEKEEPING_TASKS:
        from django.conf import settings

        return {"queue": settings.CELERY_HOUSEKEEPING_QUEUE}
    return None


@signals.task_prerun.connect
@signals.task_postrun.connect
def _django_connection_rules(task: Any = None, **_: Any) -> None:
    """Treat a task like a web request: close database connections that are broken or
    older than CONN_MAX_AGE (with CONN_HEALTH_CHECKS, a reused one is checked by its first
    query). Celery's own Django fixup closes every connection around every task instead
    (a new PostgreSQL connection, and a backend process, per document: more than a tiny
    document's whole engine time); CELERY_DB_REUSE_MAX in settings turns that down.
    Not in eager mode: the caller's transaction (a test's) must stay open."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
