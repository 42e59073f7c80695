"""The Celery application (``celery -A config worker``), and the command line that starts a
worker of it."""

import os
import sys
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


def worker_command(
    *,
    name: str,
    concurrency: int = 1,
    loglevel: str = "INFO",
    queue: str | None = None,
    heartbeat: bool = True,
) -> list[str]:
    """``python -m celery -A config worker`` in the prefork pool, named ``name@<host>``.

    Gossip and mingle are off: workers started together need not wait for each other. At
    ``loglevel`` INFO the worker prints "ready" when it takes tasks (what starters wait for).
    ``queue``: only that queue (a test's own); ``heartbeat=False``: no worker heartbeats
    (for workers that are killed outright). The benchmarks and the tests' live workers start
    their workers with this.
    """
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
    argv += [f"--concurrency={concurrency}", f"--loglevel={loglevel}"]
    if queue is not None:
        argv += ["-Q", queue]
    argv += ["-n", f"{name}@%h", "--without-gossip", "--without-mingle"]
    if not heartbeat:
        argv.append("--without-heartbeat")
    return argv


def beat_command(*, schedule: str, loglevel: str = "INFO") -> list[str]:
    """``python -m celery -A config beat`` keeping its schedule state in ``schedule``."""
    return [sys.executable, "-m", "celery", "-A", "config", "beat", f"--loglevel={loglevel}",
            "--schedule", schedule]  # fmt: skip


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
