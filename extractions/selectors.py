"""Reads of the extractions app: the one way views, dashboard pages and admin actions load
extractions and documents of an organization (404 for another organization's)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Organization
from accounts.tenancy import get_for_org
from config.errors import APIError
from extractions.models import Document, Extraction, ExtractionStatus

EXTRACTION_NOT_FOUND = "EXTRACTION_NOT_FOUND"
DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"
DEFAULT_DOCUMENT_PAGE = 100
MAX_DOCUMENT_PAGE = 1000


def extraction_queryset(*, organization: Organization) -> QuerySet[Extraction]:
    return Extraction.objects.for_org(organization).select_related(
        "parser", "parser_version", "classifier"
    )


def _parse_time(name: str, raw: str | None) -> dt.datetime | None:
    """``raw`` (an ISO 8601 date or date-time; UTC when it names no offset) in UTC, or 400
    INVALID_PAYLOAD.

    Converted to UTC here, not by the database: PostgreSQL refuses offsets of 16 hours or more
    that ISO 8601 and Python allow (``-21:19``: a DataError, a 500), and a value UTC cannot
    hold (``0001-01-01T00:00+05:00``) overflows in SQLite's adapter. ``parse_datetime`` raises
    ValueError for a well-formed impossible value (month 13, offset ``+99:00``).
    """
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            value = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time.min)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise APIError(
            "INVALID_PAYLOAD",
            f"{name}: not an ISO 8601 date or date-time within the years 1-9999 (UTC).",
            details={"fields": {name: ["Use e.g. 2026-06-01 or 2026-06-01T12:00:00Z."]}},
        ) from None


def list_extractions(
    *,
    organization: Organization,
    status: str | None = None,
    parser_id: str | None = None,
    classifier_id: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
) -> QuerySet[Extraction]:
    """Newest first; filters by status, parser / classifier public id and creation range."""
    qs = extraction_queryset(organization=organization)
    parser_id = _clean_filter("parser_id", parser_id)
    classifier_id = _clean_filter("classifier_id", classifier_id)
    created_after = _clean_filter("created_after", created_after)
    created_before = _clean_filter("created_before", created_before)
    if status:
        if status not in ExtractionStatus.values:
            raise APIError(
                "INVALID_PAYLOAD",
                f"status: one of {', '.join(ExtractionStatus.values)}.",
                details={"fields": {"status": ["Unknown status."]}},
            )
        qs = qs.filter(status=status)
    if parser_id:
        qs = qs.filter(parser__public_id=parser_id)
    if classifier_id:
        qs = qs.filter(classifier__public_id=classifier_id)
    after = _parse_time("created_after", created_after)
    before = _parse_time("created_before", created_before)
    if after is not None:
        qs = qs.filter(created_at__gte=after)
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    return qs.order_by("-created_at", "-id")


def has_nul(value: Any) -> bool:
    """NUL characters anywhere in a JSON-like value (PostgreSQL text and jsonb refuse them)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def _clean_filter(name: str, value: str | None) -> str | None:
    if value and "\x00" in value:
        raise APIError(
            "INVALID_PAYLOAD",
            f"{name}: invalid characters.",
            details={"fields": {name: ["Invalid characters."]}},
        )
    return value


def _clean_id(public_id: Any) -> Any:
    # An id nobody can have: answered like any other unknown id, not by a database error.
    return "" if isinstance(public_id, str) and "\x00" in public_id else public_id


def get_extraction(*, organization: Organization, extraction_id: str) -> Extraction:
    extraction_id = _clean_id(extraction_id)
    return get_for_org(
        extraction_queryset(organization=organization),
        organization,
        extraction_id,
        not_found_code=EXTRACTION_NOT_FOUND,
        label="Extraction",
    )


def get_document(
    *, organization: Organization, document_id: str, extraction: Extraction | None = None
) -> Document:
    """A document by public id (within ``extraction`` when given); 404 DOCUMENT_NOT_FOUND."""
    document_id = _clean_id(document_id)
    qs = Document.objects.for_org(organization).select_related(
        "extraction__classifier",
        "extraction__organization",
        "parser_version__parser",
        "stored_file",
        "organization",
        "reviewed_by",
        "duplicate_of__extraction",
    )
    if extraction is not None:
        qs = qs.filter(extraction=extraction)
    return get_for_org(
        qs, organization, document_id, not_found_code=DOCUMENT_NOT_FOUND, label="Document"
    )


# --------------------------------------------------------------------------- polling cursor


def encode_document_cursor(updated_at: dt.datetime, pk: int) -> str:
    raw = json.dumps([updated_at.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_document_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        when = dt.datetime.fromisoformat(stamp)
        if not isinstance(pk, int) or when.tzinfo is None:
            raise ValueError
        return when, pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise APIError(
            "INVALID_CURSOR", "The cursor is invalid; pass the next_cursor of a previous response."
        ) from None


def parse_limit(raw: Any, default: int = DEFAULT_DOCUMENT_PAGE) -> int:
    if raw in (None, ""):
        return default
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_DOCUMENT_PAGE:
        raise APIError(
            "INVALID_PAYLOAD",
            f"limit: must be an integer between 1 and {MAX_DOCUMENT_PAGE}.",
            details={"fields": {"limit": [f"Between 1 and {MAX_DOCUMENT_PAGE}."]}},
        )
    return limit


def documents_changed_since(
    *, extraction: Extraction, cursor: str | None, limit: int = DEFAULT_DOCUMENT_PAGE
) -> tuple[list[Document], str | None]:
    """Documents in (updated_at, id) order after ``cursor``, and the cursor to poll with next.

    ``updated_at`` is stamped before the writing transaction commits, so a document can
    become visible after a later-stamped one was already returned. The next cursor therefore
    never passes documents changed in the last PP_POLL_SETTLE_SECONDS: those are returned
    again by the next poll (at least once, never skipped; clients key on ``document_id``).
    When nothing changed it is the cursor given, so a client can keep polling with it.
    """
    qs = Document.objects.filter(extraction=extraction)
    if cursor:
        when, pk = decode_document_cursor(cursor)
        qs = qs.filter(Q(updated_at__gt=when) | Q(updated_at=when, id__gt=pk))
    documents = list(
        qs.order_by("updated_at", "id").only(
            "id",
            "public_id",
            "filename",
            "status",
            "step",
            "page_count",
            "credits_used",
            "error_code",
            "error_message",
            "reviewed",
            "review_source",
            "updated_at",
        )[:limit]
    )
    horizon = timezone.now() - dt.timedelta(seconds=settings.PP_POLL_SETTLE_SECONDS)
    settled = [d for d in documents if d.updated_at <= horizon]  # a prefix: same order
    if settled:
        last = settled[-1]
        return documents, encode_document_cursor(last.updated_at, last.pk)
    if documents and not cursor:
        # Only unsettled changes: a cursor before them, so that they come back next time.
        return documents, encode_document_cursor(horizon, 0)
    return documents, cursor or None
