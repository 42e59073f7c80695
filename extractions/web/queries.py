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


# --------------------------------------------------------------------------- automation

AUTOMATION_PERIODS = (7, 30, 90)


@dataclass(frozen=True, slots=True)
class ParserAutomation:
    """One parser's straight-through figures over a period (documents finished in it)."""

    parser: Parser
    completed: int  # finished runs (triage recorded)
    straight_through: int  # nothing flagged and no duplicate: no person needed
    auto_accepted: int
    sampled: int
    samples_reviewed: int  # by a person (user, API key, support)
    sample_values: int  # non-null values of those samples
    sample_corrections: int  # of which their reviews changed

    @property
    def straight_through_rate(self) -> float | None:
        return self.straight_through / self.completed if self.completed else None

    @property
    def error_rate(self) -> float | None:
        """Measured error rate of automatically accepted values: on the reviewed samples, the
        share of values the reviewers corrected."""
        return self.sample_corrections / self.sample_values if self.sample_values else None


def automation_stats(*, organization: Organization, days: int) -> list[ParserAutomation]:
    """Per parser (active ones, and any that finished documents in the period): two queries."""
    from extractions.models import PERSON_REVIEW_SOURCES, Triage

    since = timezone.now() - timedelta(days=days)
    reviewed_sample = Q(
        triage=Triage.SAMPLE, reviewed=True, review_source__in=PERSON_REVIEW_SOURCES
    )
    rows = {
        row["parser_version__parser"]: row
        for row in Document.objects.for_org(organization)
        .filter(status=DocumentStatus.COMPLETED, finished_at__gte=since)
        .exclude(triage="")
        .values("parser_version__parser")
        .annotate(
            completed=Count("id"),
            straight_through=Count(
                "id",
                filter=Q(triage__in=[Triage.SAMPLE, Triage.AUTO_ACCEPTED, Triage.NOT_FLAGGED]),
            ),
            auto_accepted=Count("id", filter=Q(triage=Triage.AUTO_ACCEPTED)),
            sampled=Count("id", filter=Q(triage=Triage.SAMPLE)),
            samples_reviewed=Count("id", filter=reviewed_sample),
            sample_values=Sum("value_count", filter=reviewed_sample),
            sample_corrections=Sum("corrected_values", filter=reviewed_sample),
        )
        .order_by()
    }
    parsers = Parser.objects.for_org(organization).filter(
        Q(archived_at__isnull=True) | Q(pk__in=[pk for pk in rows if pk is not None])
    )
    return [
        ParserAutomation(
            parser=parser,
            completed=row.get("completed") or 0,
            straight_through=row.get("straight_through") or 0,
            auto_accepted=row.get("auto_accepted") or 0,
            sampled=row.get("sampled") or 0,
            samples_reviewed=row.get("samples_reviewed") or 0,
            sample_values=row.get("sample_values") or 0,
            sample_corrections=row.get("sample_corrections") or 0,
        )
        for parser in parsers.order_by("name", "id")
        for row in [rows.get(parser.pk, {})]
    ]
