"""API views of exports (thin: parse the query, load through the tenant's selectors, stream)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.permissions import READ, scopes
from accounts.tenancy import tenant_of
from extractions.exports import selectors
from extractions.exports.responses import export_response
from extractions.exports.writers import FORMATS
from extractions.models import DocumentStatus, ExtractionStatus

FORMAT = OpenApiParameter(
    "format",
    str,
    enum=list(FORMATS),
    description="csv (default) and xlsx: one row per line item, the document's fields "
    "repeated; jsonl: one document per line, its data nested.",
)
# Each format's media type, declared as the 200 answer (bytes, not JSON).
EXPORT_RESPONSES: dict[Any, Any] = {
    (200, FORMATS["csv"][0].split(";")[0]): OpenApiTypes.STR,
    (200, FORMATS["xlsx"][0]): OpenApiTypes.BINARY,
    (200, FORMATS["jsonl"][0].split(";")[0]): OpenApiTypes.STR,
}
LAYOUT = (
    "Columns: document_id, extraction_id, filename, parser_id, parser_version, status, "
    "reviewed, created_at, error_code, then the schema's fields by dotted path, then the "
    "line items' columns (`line_items.amount`): one row per line item. Streamed as it is "
    "read (any number of documents); the reviewed output where there is one."
)


class _ExportView(APIView):
    """Answers the file whatever the Accept header and ``?format`` (DRF's own renderer
    switch) say; errors stay JSON."""

    required_scopes = scopes(get=READ)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)


class ExtractionExportView(_ExportView):
    @extend_schema(
        operation_id="extractions_export",
        parameters=[FORMAT],
        responses=EXPORT_RESPONSES,
        description="One extraction's documents as a file. " + LAYOUT,
    )
    def get(self, request: Request, extraction_id: str) -> StreamingHttpResponse:
        tenant = tenant_of(request)
        fmt = selectors.export_format(request.query_params.get("format"))
        documents = selectors.extraction_documents(
            organization=tenant.organization, extraction_id=extraction_id
        )
        return export_response(documents, fmt=fmt, name=extraction_id)


class ExtractionListExportView(_ExportView):
    @extend_schema(
        operation_id="extractions_export_list",
        parameters=[
            FORMAT,
            OpenApiParameter("status", str, enum=list(ExtractionStatus.values)),
            OpenApiParameter("parser_id", str),
            OpenApiParameter("classifier_id", str),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
            OpenApiParameter(
                "document_status",
                str,
                enum=list(DocumentStatus.values),
                description="Only the documents in this status (e.g. completed).",
            ),
            OpenApiParameter(
                "reviewed",
                str,
                enum=["true", "false"],
                description="Only reviewed (true) or unreviewed (false) documents.",
            ),
        ],
        responses=EXPORT_RESPONSES,
        description="The documents of the extractions `GET /v1/extractions` lists with the "
        "same filters, newest extraction first. " + LAYOUT,
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        tenant = tenant_of(request)
        params = request.query_params
        fmt = selectors.export_format(params.get("format"))
        documents = selectors.listed_documents(
            organization=tenant.organization,
            status=params.get("status"),
            parser_id=params.get("parser_id"),
            classifier_id=params.get("classifier_id"),
            created_after=params.get("created_after"),
            created_before=params.get("created_before"),
            document_status=params.get("document_status"),
            reviewed=params.get("reviewed"),
        )
        return export_response(documents, fmt=fmt, name="extractions")
