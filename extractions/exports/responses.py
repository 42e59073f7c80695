"""The streamed HTTP answer of an export, shared by the API and the dashboard."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from extractions.exports.selectors import build_export
from extractions.exports.writers import FORMATS, stream
from extractions.models import Document


def export_response(documents: QuerySet[Document], *, fmt: str, name: str) -> StreamingHttpResponse:
    """``name``-<date>.<ext> as an attachment, written while it is sent."""
    export = build_export(documents)
    content_type, extension = FORMATS[fmt]
    response = StreamingHttpResponse(
        stream(fmt, export.records, export.columns), content_type=content_type
    )
    filename = f"{name}-{timezone.now():%Y%m%d-%H%M}.{extension}"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
