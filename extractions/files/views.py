"""``/v1/files``: stage a file for a batch (multipart upload, or a presigned S3 PUT URL)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import EXTRACT, READ, scopes
from accounts.tenancy import tenant_of
from config.errors import APIError
from config.openapi import raises
from config.pagination import CreatedCursorPagination, paginate
from extractions.files import selectors, services
from extractions.files.serializers import (
    PresignedUploadRequestSerializer,
    PresignedUploadSerializer,
    StagedFileSerializer,
)
from extractions.files.uploads import UPLOAD_FIELD, LimitedUploadHandler


class FileCollectionView(APIView):
    required_scopes = scopes(get=READ, post=EXTRACT)
    parser_classes = [MultiPartParser, JSONParser]
    pagination_class = CreatedCursorPagination  # documents the list shape

    @extend_schema(
        operation_id="files_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses=StagedFileSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        page, paginator = paginate(
            request, selectors.staged_files_of(organization=organization), view=self
        )
        return paginator.get_paginated_response(StagedFileSerializer(page, many=True).data)

    @extend_schema(
        operation_id="files_create",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary"}},
                "required": [UPLOAD_FIELD],
            },
            "application/json": PresignedUploadRequestSerializer,
        },
        responses={
            201: OpenApiResponse(
                PresignedUploadSerializer,
                description=(
                    "The staged file. The upload_* fields come only with a JSON request "
                    "(S3 storage): PUT the bytes to upload_url with upload_headers."
                ),
            ),
        },
    )
    @raises(
        "UNSUPPORTED_FILE_TYPE", "PAGE_COUNT_FAILED", "PAGE_LIMIT_EXCEEDED", "ENCRYPTED_DOCUMENT"
    )
    def post(self, request: Request) -> Response:
        organization = tenant_of(request).organization
        if (request.content_type or "").startswith("multipart/"):
            return self._upload(request, organization)
        payload = PresignedUploadRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        presigned = services.create_presigned_upload(
            organization=organization,
            filename=payload.validated_data["filename"],
            size=payload.validated_data["size"],
            content_type=payload.validated_data["content_type"],
        )
        body = StagedFileSerializer(presigned.stored_file).data | {
            "upload_url": presigned.url,
            "upload_method": "PUT",
            "upload_headers": presigned.headers,
            "upload_url_expires_at": presigned.url_expires_at.isoformat().replace("+00:00", "Z"),
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _upload(self, request: Request, organization: object) -> Response:
        handler = LimitedUploadHandler(request._request, max_bytes=settings.PP_MAX_FILE_BYTES)
        # Must be set before anything reads the body; replaces the in-memory handler.
        request._request.upload_handlers = [handler]
        upload = request.FILES.get(UPLOAD_FIELD)
        if upload is None:
            raise APIError("INVALID_PAYLOAD", f"Send the file in the `{UPLOAD_FIELD}` field.")
        try:
            stored_file = services.stage_uploaded_file(
                organization=organization, upload=upload, sha256=handler.sha256.hexdigest()
            )
        finally:
            upload.close()
        return Response(StagedFileSerializer(stored_file).data, status=status.HTTP_201_CREATED)


class FileDetailView(APIView):
    required_scopes = scopes(get=READ, delete=EXTRACT)

    @extend_schema(operation_id="files_retrieve", responses=StagedFileSerializer)
    def get(self, request: Request, file_id: str) -> Response:
        organization = tenant_of(request).organization
        stored_file = selectors.get_staged_file(organization=organization, file_id=file_id)
        return Response(StagedFileSerializer(stored_file).data)

    @extend_schema(operation_id="files_destroy", responses={204: None})
    @raises("FILE_IN_USE")
    def delete(self, request: Request, file_id: str) -> Response:
        organization = tenant_of(request).organization
        stored_file = selectors.get_staged_file(organization=organization, file_id=file_id)
        services.delete_staged_file(stored_file=stored_file)
        return Response(status=status.HTTP_204_NO_CONTENT)
