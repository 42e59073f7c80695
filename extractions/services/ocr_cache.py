"""The engine's OCR cache for runs of an organization's documents: ``OcrPageCache`` rows.

The runner gives the engine one ``OrganizationOcrCache`` per run: lookups see the run's
organization's rows only (the same page image sent by another organization is read again),
and what the run reads is stored under its document, so that retention deletes it with that
document's results. The engine builds the keys and checks every payload it reads back.

A store that fails (the database restarting) is a miss, or nothing stored: the cache only
saves work, the run goes on without it. Each statement runs in its own savepoint, so a
failed one cannot break a transaction the run happens to be in (eager tasks, tests).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, transaction

from extractions.models import OcrPageCache

logger = logging.getLogger(__name__)


class OrganizationOcrCache:
    """``extractions.engine.types.OcrCache`` on the database, for one document's run."""

    def __init__(self, *, organization_id: int, document_id: int) -> None:
        self.organization_id = organization_id
        self.document_id = document_id

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            with transaction.atomic():
                payload = (
                    OcrPageCache.objects.filter(organization_id=self.organization_id, key=key)
                    .values_list("payload", flat=True)
                    .first()
                )
        except DatabaseError:
            logger.warning("OCR cache lookup failed; reading the page", exc_info=True)
            return None
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, payload: dict[str, Any]) -> None:
        # INSERT ... ON CONFLICT DO NOTHING: two runs of the same page (a duplicate submitted
        # twice, run by two workers) both insert, one row stays, neither fails
        row = OcrPageCache(
            organization_id=self.organization_id,
            document_id=self.document_id,
            key=key,
            payload=payload,
        )
        try:
            with transaction.atomic():
                OcrPageCache.objects.bulk_create([row], ignore_conflicts=True)
        except DatabaseError:
            logger.warning(
                "OCR cache store failed; the page is read again next time", exc_info=True
            )
