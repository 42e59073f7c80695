"""API views of extractions and their documents (thin: parse, call a service, shape)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import EXTRACT, READ, scopes
from accounts.tenancy import tenant_of
from config.errors import APIError
from config.openapi import raises
from config.pagination import paginate
from extractions import selectors, storage
from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document, Extraction
from extractions.ratelimit import (
    APIRequestThrottle,
    CountsAcceptedSubmissions,
    SubmissionThrottle,
)
from extractions.serializers import (
    BatchSubmissionSerializer,
    DocumentResultSerializer,
    MultipartSubmissionSerializer,
    ReviewSerializer,
    SubmissionAcceptedSerializer,
    SyncExtractSerializer,
    extraction_detail,
    extraction_summary,
)
from extractions.services import (
    cancel_extraction,
    document_result,
    review_document,
    submit_extraction,
)
from extractions.services.lifecycle import status_counts
from extractions.services.results import ensure_results_available
from extractions.services.submission import SubmissionResult

JSON_BODY = {"application/json": OpenApiTypes.OBJECT}

# What a submission can be refused with, beyond what the view's make-up implies.
SUBMISSION_ERRORS = (
    "PARSER_NOT_FOUND",
    "CLASSIFIER_NOT_FOUND",
    "FILE_NOT_FOUND",
    "PARSER_NOT_CONFIGURED",
    "UNSUPPORTED_FILE_TYPE",
    "PAGE_COUNT_FAILED",
    "PAGE_LIMIT_EXCEEDED",
    "INVALID_WEBHOOK_URL",
    "INSUFFICIENT_CREDITS",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Up to 24 hours, the same key returns the original response (with "
    "Idempotent-Replayed: true) instead of submitting again; with another payload, 409.",
)


def _submission_args(request: Request) -> dict[str, Any]:
    """The submission fields of a multipart form or a JSON body."""
    if request.content_type.startswith("multipart/"):
        storage.limit_uploads(request, max_files=settings.PP_MAX_FILES_PER_SUBMISSION)
    if request.content_type.startswith("application/json"):
        data = request.data
        if not isinstance(data, dict):
            raise APIError("INVALID_PAYLOAD", "The body must be a JSON object.")
        file_ids = data.get("file_ids")
        if file_ids is None:
            raise APIError(
                "INVALID_PAYLOAD",
                "file_ids: required in a JSON body (or send files as multipart/form-data).",
                details={"fields": {"file_ids": ["This field is required."]}},
            )
        uploads = None
    else:
        data = request.data
        file_ids = None
        uploads = request.FILES.getlist("files") or request.FILES.getlist("file")

    def text(name: str) -> str | None:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise APIError(
                "INVALID_PAYLOAD",
                f"{name}: must be a string.",
                details={"fields": {name: ["Must be a string."]}},
            )
        return value

    return {
        "parser_id": text("parser_id"),
        "classifier_id": text("classifier_id"),
        "uploads": uploads,
        "file_ids": file_ids,
        "pages": text("pages"),
        "target": text("extraction_target"),
        "metadata": data.get("metadata"),
        "webhook_url": text("webhook_url"),
        "idempotency_key": request.headers.get("Idempotency-Key"),
    }


def _accepted(result: SubmissionResult) -> Response:
    response = Response(result.body, status=202)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class ExtractionCollectionView(CountsAcceptedSubmissions, APIView):
    required_scopes = scopes(get=READ, post=EXTRACT)
    throttle_classes = [APIRequestThrottle, SubmissionThrottle]

    @extend_schema(
        operation_id="extractions_list",
        parameters=[
            OpenApiParameter("status", str, enum=[s for s, _ in Extraction.status.field.choices]),
            OpenApiParameter("parser_id", str),
            OpenApiParameter("classifier_id", str),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        tenant = tenant_of(request)
        qs = selectors.list_extractions(
            organization=tenant.organization,
            status=request.query_params.get("status"),
            parser_id=request.query_params.get("parser_id"),
            classifier_id=request.query_params.get("classifier_id"),
            created_after=request.query_params.get("created_after"),
            created_before=request.query_params.get("created_before"),
        )
        page, paginator = paginate(request, qs, view=self)
        return paginator.get_paginated_response([extraction_summary(e) for e in page])

    @extend_schema(
        operation_id="extractions_create",
        request={
            "multipart/form-data": MultipartSubmissionSerializer,
            "application/json": BatchSubmissionSerializer,
        },
        parameters=[IDEMPOTENCY_KEY],
        responses={202: SubmissionAcceptedSerializer},
        description="Submit 1-50 files (multipart) or up to 10,000 staged file ids (JSON) to "
        "a parser or a classifier. Pages are counted and charged (1 credit per page) before "
        "the answer; the documents then run in the background.",
    )
    @raises(*SUBMISSION_ERRORS)
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        result = submit_extraction(
            organization=tenant.organization, actor=tenant, **_submission_args(request)
        )
        return _accepted(result)


class ExtractionDetailView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        operation_id="extractions_retrieve",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, extraction_id: str) -> Response:
        tenant = tenant_of(request)
        extraction = selectors.get_extraction(
            organization=tenant.organization, extraction_id=extraction_id
        )
        documents, next_cursor = selectors.documents_changed_since(
            extraction=extraction,
            cursor=request.query_params.get("cursor"),
            limit=selectors.parse_limit(request.query_params.get("limit")),
        )
        counts = status_counts(extraction)
        return Response(extraction_detail(extraction, counts, documents, next_cursor))


class ExtractionCancelView(APIView):
    required_scopes = scopes(post=EXTRACT)

    @extend_schema(
        operation_id="extractions_cancel", request=None, responses={200: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request, extraction_id: str) -> Response:
        tenant = tenant_of(request)
        extraction = selectors.get_extraction(
            organization=tenant.organization, extraction_id=extraction_id
        )
        extraction = cancel_extraction(extraction=extraction)
        documents, next_cursor = selectors.documents_changed_since(
            extraction=extraction, cursor=None, limit=selectors.DEFAULT_DOCUMENT_PAGE
        )
        counts = status_counts(extraction)
        return Response(extraction_detail(extraction, counts, documents, next_cursor))


def _document(request: Request, extraction_id: str, document_id: str) -> tuple[Any, Document]:
    tenant = tenant_of(request)
    extraction = selectors.get_extraction(
        organization=tenant.organization, extraction_id=extraction_id
    )
    document = selectors.get_document(
        organization=tenant.organization, extraction=extraction, document_id=document_id
    )
    return tenant, document


class DocumentDetailView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        operation_id="extractions_documents_retrieve",
        responses={200: DocumentResultSerializer},
    )
    @raises("RESULT_EXPIRED")
    def get(self, request: Request, extraction_id: str, document_id: str) -> Response:
        _, document = _document(request, extraction_id, document_id)
        return Response(document_result(document=document))


class DocumentReviewView(APIView):
    required_scopes = scopes(patch=EXTRACT)

    @extend_schema(
        operation_id="extractions_documents_review",
        request=ReviewSerializer,
        responses={200: DocumentResultSerializer},
        description="Save a person's review: types, formats, patterns and enums must fit "
        "(400); the parser's other rules (required, minimum / maximum, cross-field checks) "
        "do not stop the save: their results on the saved output come back in `validation`.",
    )
    @raises("DOCUMENT_NOT_READY", "RESULT_EXPIRED")
    def patch(self, request: Request, extraction_id: str, document_id: str) -> Response:
        tenant, document = _document(request, extraction_id, document_id)
        if not isinstance(request.data, dict) or "output" not in request.data:
            raise APIError(
                "INVALID_PAYLOAD",
                'output: required; send {"output": {...}} with the reviewed values.',
                details={"fields": {"output": ["This field is required."]}},
            )
        document = review_document(
            document=document,
            output=request.data["output"],
            user=tenant.user,
            api_key=tenant.api_key,
        )
        document = selectors.get_document(
            organization=tenant.organization, document_id=document.public_id
        )
        return Response(document_result(document=document))


class _BinaryView(APIView):
    """Answers bytes whatever the Accept header says (errors stay JSON)."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)


def _stored_key(document: Document) -> str:
    ensure_results_available(document)
    stored = document.stored_file
    if stored is None or stored.purged_at is not None:
        raise APIError(
            "RESULT_EXPIRED",
            f"The file of document {document.public_id} is no longer stored.",
            status_code=410,
        )
    return stored.storage_key


class DocumentFileView(_BinaryView):
    required_scopes = scopes(get=READ)

    @extend_schema(operation_id="extractions_documents_file", responses={200: OpenApiTypes.BINARY})
    @raises("RESULT_EXPIRED")
    def get(self, request: Request, extraction_id: str, document_id: str) -> HttpResponse:
        _, document = _document(request, extraction_id, document_id)
        key = _stored_key(document)
        if not storage.exists(key):
            raise APIError(
                "RESULT_EXPIRED", "The document's file is no longer stored.", status_code=410
            )
        response = StreamingHttpResponse(
            storage.iter_stored(key), content_type=storage.safe_content_type(document.media_type)
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=document.filename
        )
        if document.size:
            response["Content-Length"] = str(document.size)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class DocumentPageImageView(_BinaryView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        operation_id="extractions_documents_page_image",
        parameters=[OpenApiParameter("max_side", int)],
        responses={200: OpenApiTypes.BINARY},
    )
    @raises("PAGE_RENDER_FAILED", "RESULT_EXPIRED")
    def get(
        self, request: Request, extraction_id: str, document_id: str, page: int
    ) -> HttpResponse:
        from extractions.engine import EngineError
        from extractions.services.results import render_document_page

        _, document = _document(request, extraction_id, document_id)
        key = _stored_key(document)
        if not 1 <= page <= max(document.page_count, 0):
            raise APIError(
                "PAGE_NOT_FOUND",
                f"Page {page} does not exist; the document has {document.page_count} pages.",
                status_code=404,
            )
        try:
            max_side = int(request.query_params.get("max_side") or 1600)
        except ValueError:
            max_side = 0
        if not 100 <= max_side <= 3000:
            raise APIError("INVALID_PAYLOAD", "max_side: an integer between 100 and 3000.")
        try:
            png = render_document_page(
                document=document, storage_key=key, page=page, max_side=max_side
            )
        except EngineError as exc:
            raise APIError(
                "PAGE_RENDER_FAILED",
                f"Page {page} cannot be rendered: {exc.message}",
                status_code=422,
            ) from None
        except FileNotFoundError:
            raise APIError(
                "RESULT_EXPIRED", "The document's file is no longer stored.", status_code=410
            ) from None
        response = HttpResponse(png, content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=300"
        return response


class SyncExtractView(CountsAcceptedSubmissions, APIView):
    required_scopes = scopes(post=EXTRACT)
    throttle_classes = [APIRequestThrottle, SubmissionThrottle]

    @extend_schema(
        operation_id="extract_sync",
        request={"multipart/form-data": SyncExtractSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={200: DocumentResultSerializer, 202: SubmissionAcceptedSerializer},
        description="Submit one file and wait for its result (200) up to `timeout` seconds; "
        "still running then, 202 with the ids to poll.",
    )
    @raises(*SUBMISSION_ERRORS)
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        if request.content_type.startswith("application/json"):
            raise APIError(
                "INVALID_PAYLOAD", "Send one file as multipart/form-data (field 'file')."
            )
        args = _submission_args(request)  # first: it limits the upload before parsing
        timeout = _sync_timeout(request.data.get("timeout") or request.query_params.get("timeout"))
        if len(args["uploads"] or []) != 1:
            raise APIError(
                "INVALID_PAYLOAD",
                "file: send exactly one file.",
                details={"fields": {"file": ["Exactly one file."]}},
            )
        result = submit_extraction(
            organization=tenant.organization,
            actor=tenant,
            source=Extraction.Source.SYNC,
            **args,
        )
        document_id = result.body["extraction"]["documents"][0]["document_id"]
        if _wait_until_finished(document_id, timeout):
            document = selectors.get_document(
                organization=tenant.organization, document_id=document_id
            )
            response = Response(document_result(document=document), status=200)
            if result.replayed:
                response["Idempotent-Replayed"] = "true"
            return response
        return _accepted(result)


def _sync_timeout(raw: Any) -> float:
    limit = settings.PP_SYNC_EXTRACT_TIMEOUT
    if raw in (None, ""):
        return float(limit)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= limit:
        raise APIError(
            "INVALID_PAYLOAD",
            f"timeout: seconds between 0 and {limit}.",
            details={"fields": {"timeout": [f"Between 0 and {limit}."]}},
        )
    return value


def _wait_until_finished(document_id: str, timeout: float) -> bool:
    """Poll the document's status until it is terminal or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        status = (
            Document.objects.filter(public_id=document_id).values_list("status", flat=True).first()
        )
        if status in TERMINAL_DOCUMENT_STATUSES:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, 1.0)
