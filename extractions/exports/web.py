"""Dashboard downloads of exports: an extraction's documents, or those of the list's filters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from accounts.web_tenancy import org_view
from extractions.exports import selectors
from extractions.exports.responses import export_response
from extractions.models import ExtractionStatus


@org_view
def export_extraction(request: HttpRequest, extraction_id: str) -> HttpResponse:
    fmt = selectors.export_format(request.GET.get("format"))
    documents = selectors.extraction_documents(
        organization=request.tenant.organization, extraction_id=extraction_id
    )
    return export_response(documents, fmt=fmt, name=extraction_id)


@org_view
def export_list(request: HttpRequest) -> HttpResponse:
    """The extractions page's filters (``status``, ``parser``, ``q``, ``from``, ``to``), read
    as that page reads them."""
    fmt = selectors.export_format(request.GET.get("format"))
    status = request.GET.get("status", "")
    documents = selectors.listed_documents(
        organization=request.tenant.organization,
        status=status if status in ExtractionStatus.values else None,
        parser_id=request.GET.get("parser") or None,
        created_after=request.GET.get("from") or None,
        created_before=request.GET.get("to") or None,
        q=request.GET.get("q", "").strip().replace("\x00", "") or None,
    )
    return export_response(documents, fmt=fmt, name="extractions")
