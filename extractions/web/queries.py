"""Read-only queries behind dashboard pages (overview, usage; the review queue is
``extractions.flags.review_queue``).

Every query is scoped with ``for_org``; nothing here changes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organization
from extractions import flags
from extractions.models import Document, DocumentStatus, Extraction
from parsers.models import Parser


def active_parsers(*, organization: Organization) -> QuerySet[Parser]:
    return Parser.objects.for_org(organization).filter(archived_at__isnull=True)


def recent_extractions(*, organization: Organization, limit: int = 8) -> QuerySet[Extraction]:
    return (
        Extraction.objects.for_org(organization)
        .select_related("parser", "classifier")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date
    pages: int
    documents: int


@dataclass(frozen=True, slots=True)
class ParserUsage:
    name: str
    public_id: str | None
    pages: int
    documents: int


def _usage_documents(organization: Organization, since: date) -> QuerySet[Document]:
    # Charged pages are what a customer pays for: cancelled-before-running documents are
    # refunded, so count documents that ran (completed or failed after processing).
    return (
        Document.objects.for_org(organization)
        .filter(
            created_at__date__gte=since,
        )
        .exclude(status=DocumentStatus.CANCELLED)
    )


def usage_by_day(*, organization: Organization, days: int = 30) -> list[DayUsage]:
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = (
        _usage_documents(organization, since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(pages=Sum("page_count"), documents=Count("id"))
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DayUsage(
            day=day,
            pages=int((by_day.get(day) or {}).get("pages") or 0),
            documents=int((by_day.get(day) or {}).get("documents") or 0),
        )
        for day in (since + timedelta(days=i) for i in range(days))
    ]


def usage_by_parser(*, organization: Organization, days: int = 30) -> list[ParserUsage]:
    since = timezone.localdate() - timedelta(days=days - 1)
    rows = (
        _usage_documents(organization, since)
        .values("parser_version__parser__name", "parser_version__parser__public_id")
        .annotate(pages=Sum("page_count"), documents=Count("id"))
        .order_by("-pages")
    )
    return [
        ParserUsage(
            name=row["parser_version__parser__name"] or "Not classified",
            public_id=row["parser_version__parser__public_id"],
            pages=int(row["pages"] or 0),
            documents=int(row["documents"]),
        )
        for row in rows
    ]


def overview_counts(*, organization: Organization) -> dict[str, int]:
    since = timezone.now() - timedelta(days=30)
    docs = Document.objects.for_org(organization).aggregate(
        documents_30d=Count("id", filter=Q(created_at__gte=since)),
        pages_30d=Sum("page_count", filter=Q(created_at__gte=since)),
        reviewed=Count("id", filter=Q(reviewed=True)),
        total=Count("id"),
    )
    return {
        "parser_count": active_parsers(organization=organization).count(),
        "configured_parsers": active_parsers(organization=organization)
        .filter(current_version__isnull=False)
        .count(),
        "documents_30d": docs["documents_30d"] or 0,
        "pages_30d": docs["pages_30d"] or 0,
        "documents_total": docs["total"] or 0,
        "reviewed_total": docs["reviewed"] or 0,
        "review_count": flags.review_queue(organization=organization).count(),
    }
