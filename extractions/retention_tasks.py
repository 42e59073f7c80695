"""The retention task (Celery beat runs it every ``PP_RETENTION_INTERVAL_SECONDS``)."""

from __future__ import annotations

from celery import shared_task

from accounts.tokens import flush_expired_tokens
from extractions import retention


@shared_task(ignore_result=True)
def purge_expired_data() -> dict[str, int]:
    report = retention.purge_expired()
    return {
        "documents": report.documents,
        "stored_files": report.stored_files,
        "staged_files": report.staged_files,
        "expired_refresh_tokens": flush_expired_tokens(),
    }
