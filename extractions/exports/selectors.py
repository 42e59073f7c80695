"""Reads of an export: the documents (tenant-scoped through the one loader) and their records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import Organization
from config.errors import APIError
from extractions import selectors
from extractions.exports.layout import EMPTY_LAYOUT, ExportRecord, RowLayout, columns_of, row_layout
from extractions.exports.writers import FORMATS
from extractions.models import Document, DocumentStatus, Extraction
from parsers.models import ParserVersion

# Rows fetched from the database at a time (PostgreSQL: a server-side cursor).
CHUNK_SIZE = 500
# What a row of the export needs; the page texts, boxes and citations stay in the database.
_DOCUMENT_FIELDS = (
    "id",
    "public_id",
    "filename",
    "status",
    "reviewed",
    "created_at",
    "error_code",
    "parser_version_id",
    "initial_output",
    "reviewed_output",
    "results_purged_at",
    "extraction__public_id",
)


def export_format(raw: str | None) -> str:
    """The ``format`` asked for (CSV when none); 400 INVALID_PAYLOAD for another."""
    fmt = (raw or "csv").lower()
    if fmt not in FORMATS:
        raise APIError(
            "INVALID_PAYLOAD",
            f"format: one of {', '.join(FORMATS)}.",
            details={"fields": {"format": [f"One of {', '.join(FORMATS)}."]}},
        )
    return fmt


def extraction_documents(*, organization: Organization, extraction_id: str) -> QuerySet[Document]:
    """One extraction's documents in submission order (404 EXTRACTION_NOT_FOUND if not yours)."""
    extraction = selectors.get_extraction(organization=organization, extraction_id=extraction_id)
    return Document.objects.for_org(organization).filter(extraction=extraction)


def listed_documents(
    *,
    organization: Organization,
    status: str | None = None,
    parser_id: str | None = None,
    classifier_id: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    q: str | None = None,
    document_status: str | None = None,
    reviewed: str | None = None,
) -> QuerySet[Document]:
    """The documents of the extractions the list shows with these filters (the API's
    ``GET /v1/extractions`` ones; ``q``, the dashboard's search, also narrows to the documents
    named by id or file name, or all of the extraction it names), optionally only those of a
    ``document_status`` or only the reviewed / unreviewed ones (``reviewed`` true / false)."""
    extractions: QuerySet[Extraction] = selectors.list_extractions(
        organization=organization,
        status=status,
        parser_id=parser_id,
        classifier_id=classifier_id,
        created_after=created_after,
        created_before=created_before,
    )
    qs = Document.objects.for_org(organization).filter(
        extraction__in=extractions.order_by().values("pk")
    )
    if document_status:
        if document_status not in DocumentStatus.values:
            raise APIError(
                "INVALID_PAYLOAD",
                f"document_status: one of {', '.join(DocumentStatus.values)}.",
                details={"fields": {"document_status": ["Unknown status."]}},
            )
        qs = qs.filter(status=document_status)
    if reviewed:
        if reviewed not in ("true", "false"):
            raise APIError(
                "INVALID_PAYLOAD",
                "reviewed: true or false.",
                details={"fields": {"reviewed": ["true or false."]}},
            )
        qs = qs.filter(reviewed=reviewed == "true")
    if q:
        qs = qs.filter(
            Q(extraction__public_id=q) | Q(public_id=q) | Q(filename__icontains=q)
        ).distinct()
    return qs


@dataclass(frozen=True, slots=True)
class Export:
    columns: list[str]
    records: Iterator[ExportRecord]


def _layouts(documents: QuerySet[Document]) -> dict[int, tuple[RowLayout, ParserVersion]]:
    versions = (
        ParserVersion.objects.filter(pk__in=documents.order_by().values("parser_version_id"))
        .select_related("parser")
        .order_by("pk")
    )
    return {v.pk: (row_layout(v.schema), v) for v in versions}


def build_export(documents: QuerySet[Document]) -> Export:
    """The header (one query: the schemas of the documents' parser versions) and the records,
    read lazily in chunks (one more query, whatever the number of documents)."""
    layouts = _layouts(documents)
    rows = (
        documents.select_related("extraction")
        .only(*_DOCUMENT_FIELDS)
        .order_by("-extraction_id", "position", "id")
    )

    def records() -> Iterator[ExportRecord]:
        for document in rows.iterator(chunk_size=CHUNK_SIZE):
            layout, version = layouts.get(document.parser_version_id, (EMPTY_LAYOUT, None))
            expired = document.results_purged_at is not None
            yield ExportRecord(
                document={
                    "document_id": document.public_id,
                    "extraction_id": document.extraction.public_id,
                    "filename": document.filename,
                    "parser_id": version.parser.public_id if version else None,
                    "parser_version": version.number if version else None,
                    "status": document.status,
                    "reviewed": document.reviewed,
                    "created_at": document.created_at.isoformat(),
                    "error_code": document.error_code or None,
                },
                output=None if expired else document.output,
                layout=layout,
            )

    return Export(columns=columns_of(layout for layout, _ in layouts.values()), records=records())
