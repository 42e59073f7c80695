"""State changes of the extractions app, shared by the API, the dashboard, the admin and the
Celery tasks. Import from here."""

from extractions.services.lifecycle import (
    cancel_extraction,
    derive_status,
    refund_document,
    rerun_document,
)
from extractions.services.results import document_result, document_summary
from extractions.services.review import review_document
from extractions.services.submission import SubmissionResult, submit_extraction

__all__ = [
    "SubmissionResult",
    "cancel_extraction",
    "derive_status",
    "document_result",
    "document_summary",
    "refund_document",
    "rerun_document",
    "review_document",
    "submit_extraction",
]
