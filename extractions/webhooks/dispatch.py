"""Entry points the extraction lifecycle calls when something worth a webhook happens.

Call them from ``transaction.on_commit`` so an event is only raised for committed state.
"""

from __future__ import annotations


def emit_document_event(*, document_id: int, event: str) -> None:
    """``event`` is "document.completed" or "document.failed"."""


def emit_extraction_event(*, extraction_id: int, event: str) -> None:
    """``event`` is "extraction.completed" / ".partially_failed" / ".failed" / ".cancelled"."""
