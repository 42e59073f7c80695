"""API views of parsers, versions, schemas and classifiers. Thin: they parse the request, call
selectors/services with the caller's organization, and serialize the result."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ADMIN, EXTRACT, READ, scopes
from accounts.tenancy import TenantContext, tenant_of
from config.errors import APIError
from config.openapi import raises
from config.pagination import CreatedCursorPagination, paginate
from parsers import selectors, services
from parsers.schema import validate_schema
from parsers.serializers import (
    ClassifierSerializer,
    ClassifierWriteSerializer,
    ParserSerializer,
    ParserVersionSerializer,
    ParserWriteSerializer,
    SchemaSuggestRequestSerializer,
    SchemaSuggestResponseSerializer,
    SchemaValidateRequestSerializer,
    SchemaValidateResponseSerializer,
)
from parsers.suggest import suggest_schema_from_file


class VersionPagination(CreatedCursorPagination):
    ordering = ("-number",)


SEARCH = OpenApiParameter(
    "search", OpenApiTypes.STR, description="Only names containing this text (any case)."
)


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors as {"labels[1].name": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                path = f"{prefix}[{key}]"  # ListField errors come keyed by index
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, path))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        out[prefix or "non_field_errors"] = [str(e) for e in errors]
    elif isinstance(errors, list):
        for i, value in enumerate(errors):
            if value:
                out.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "non_field_errors"] = [str(errors)]
    return out


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        fields = _flatten(serializer.errors)
        field, messages = next(iter(fields.items()))
        message = messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
        raise APIError("INVALID_PAYLOAD", message, details={"fields": fields})
    return serializer.validated_data


def _actor(tenant: TenantContext) -> dict[str, Any]:
    """Audit-history attribution: the user, or for an API key a change reason naming it."""
    reason = f"via {tenant.actor_label}" if tenant.user is None else None
    return {"user": tenant.user, "reason": reason}


# --- Parsers --------------------------------------------------------------------------------


class ParserListView(APIView):
    required_scopes = scopes(get=READ, post=ADMIN)
    parser_classes = [JSONParser]
    pagination_class = CreatedCursorPagination  # also documents the list shape

    @extend_schema(
        operation_id="parsers_list",
        parameters=[SEARCH],
        responses={200: ParserSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        tenant = tenant_of(request)
        qs = selectors.list_parsers(
            organization=tenant.organization, search=request.query_params.get("search", "")
        )
        page, paginator = paginate(request, qs, view=self)
        return paginator.get_paginated_response(ParserSerializer(page, many=True).data)

    @extend_schema(
        operation_id="parsers_create",
        request=ParserWriteSerializer,
        responses={201: ParserSerializer},
    )
    @raises("INVALID_SCHEMA")
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        data = _valid(ParserWriteSerializer(data=request.data))
        parser = services.create_parser(organization=tenant.organization, **data, **_actor(tenant))
        return Response(ParserSerializer(parser).data, status=status.HTTP_201_CREATED)


class ParserDetailView(APIView):
    required_scopes = scopes(get=READ, patch=ADMIN, delete=ADMIN)
    parser_classes = [JSONParser]

    def _parser(self, request: Request, parser_id: str) -> Any:
        return selectors.get_parser(
            organization=tenant_of(request).organization, parser_id=parser_id
        )

    @extend_schema(
        operation_id="parsers_retrieve",
        responses={200: ParserSerializer},
    )
    def get(self, request: Request, parser_id: str) -> Response:
        return Response(ParserSerializer(self._parser(request, parser_id)).data)

    @extend_schema(
        operation_id="parsers_update",
        request=ParserWriteSerializer,
        responses={200: ParserSerializer},
        description="Change any field; a different `schema` publishes the next version.",
    )
    @raises("INVALID_SCHEMA", "PARSER_ARCHIVED")
    def patch(self, request: Request, parser_id: str) -> Response:
        tenant = tenant_of(request)
        parser = self._parser(request, parser_id)
        data = _valid(ParserWriteSerializer(data=request.data, partial=True))
        parser = services.update_parser(parser=parser, **data, **_actor(tenant))
        return Response(ParserSerializer(parser).data)

    @extend_schema(
        operation_id="parsers_destroy",
        responses={204: None},
        description="Deletes the parser, or archives it when extractions or classifier labels "
        "still use it (then it leaves lists but stays readable by id).",
    )
    def delete(self, request: Request, parser_id: str) -> Response:
        tenant = tenant_of(request)
        services.delete_parser(parser=self._parser(request, parser_id), **_actor(tenant))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParserVersionListView(APIView):
    required_scopes = scopes(get=READ)
    pagination_class = VersionPagination

    @extend_schema(
        operation_id="parsers_versions_list",
        responses={200: ParserVersionSerializer(many=True)},
    )
    def get(self, request: Request, parser_id: str) -> Response:
        parser = selectors.get_parser(
            organization=tenant_of(request).organization, parser_id=parser_id
        )
        page, paginator = paginate(
            request,
            selectors.list_parser_versions(parser=parser),
            view=self,
            pagination_class=VersionPagination,
        )
        for version in page:
            version.parser = parser  # already loaded: no query per row
        return paginator.get_paginated_response(ParserVersionSerializer(page, many=True).data)


class ParserVersionDetailView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        operation_id="parsers_versions_retrieve",
        responses={200: ParserVersionSerializer},
    )
    def get(self, request: Request, parser_id: str, number: int) -> Response:
        parser = selectors.get_parser(
            organization=tenant_of(request).organization, parser_id=parser_id
        )
        version = selectors.get_parser_version(parser=parser, number=number)
        version.parser = parser
        return Response(ParserVersionSerializer(version).data)


# --- Schemas --------------------------------------------------------------------------------


class SchemaValidateView(APIView):
    required_scopes = scopes(post=EXTRACT)
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="schemas_validate",
        request=SchemaValidateRequestSerializer,
        responses={200: SchemaValidateResponseSerializer},
        description="Check a proposed schema without saving it. Always 200 with the problems "
        "found (each with the dotted path of the offending place).",
    )
    def post(self, request: Request) -> Response:
        tenant_of(request)
        data = _valid(SchemaValidateRequestSerializer(data=request.data))
        errors = validate_schema(data["schema"])
        return Response({"valid": not errors, "errors": [e.as_dict() for e in errors]})


class SchemaSuggestView(APIView):
    required_scopes = scopes(post=EXTRACT)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="schemas_suggest",
        request={"multipart/form-data": SchemaSuggestRequestSerializer},
        responses={200: SchemaSuggestResponseSerializer},
        description="Propose a schema from a sample document's label/value pairs and tables. "
        "Reads at most 5 pages and charges them like an extraction (1 credit per page).",
    )
    @raises(
        "UNSUPPORTED_FILE_TYPE",
        "PAGE_COUNT_FAILED",
        "PAGE_LIMIT_EXCEEDED",
        "ENCRYPTED_DOCUMENT",
        "EXTRACTION_FAILED",
        "INSUFFICIENT_CREDITS",
    )
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        data = _valid(SchemaSuggestRequestSerializer(data=request.data))
        upload = data["file"]
        suggestion = suggest_schema_from_file(
            organization=tenant.organization,
            file=upload,
            filename=upload.name or "",
            pages=data.get("pages") or None,
        )
        return Response(
            {
                "schema": suggestion.schema,
                "page_count": suggestion.page_count,
                "document_page_count": suggestion.document_page_count,
                "credits_used": suggestion.credits_used,
                "valid": not suggestion.errors,
                "errors": [e.as_dict() for e in suggestion.errors],
            }
        )


# --- Classifiers ----------------------------------------------------------------------------


def _label_specs(labels: list[dict[str, Any]]) -> list[services.LabelSpec]:
    # A PATCH validates partially, which lets a label through without its name; the service
    # refuses a nameless label (400 at labels[i].name) either way.
    return [
        services.LabelSpec(
            name=label.get("name", ""),
            description=label.get("description", ""),
            keywords=tuple(label.get("keywords", ())),
            parser_id=label.get("parser_id") or None,
        )
        for label in labels
    ]


class ClassifierListView(APIView):
    required_scopes = scopes(get=READ, post=ADMIN)
    parser_classes = [JSONParser]
    pagination_class = CreatedCursorPagination

    @extend_schema(
        operation_id="classifiers_list",
        parameters=[SEARCH],
        responses={200: ClassifierSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        tenant = tenant_of(request)
        qs = selectors.list_classifiers(
            organization=tenant.organization, search=request.query_params.get("search", "")
        )
        page, paginator = paginate(request, qs, view=self)
        return paginator.get_paginated_response(ClassifierSerializer(page, many=True).data)

    @extend_schema(
        operation_id="classifiers_create",
        request=ClassifierWriteSerializer,
        responses={201: ClassifierSerializer},
    )
    def post(self, request: Request) -> Response:
        tenant = tenant_of(request)
        data = _valid(ClassifierWriteSerializer(data=request.data))
        classifier = services.create_classifier(
            organization=tenant.organization,
            name=data["name"],
            description=data.get("description", ""),
            threshold=data.get("threshold", 0.2),
            labels=_label_specs(data["labels"]),
            **_actor(tenant),
        )
        classifier = selectors.get_classifier(
            organization=tenant.organization, classifier_id=classifier.public_id
        )
        return Response(ClassifierSerializer(classifier).data, status=status.HTTP_201_CREATED)


class ClassifierDetailView(APIView):
    required_scopes = scopes(get=READ, patch=ADMIN, delete=ADMIN)
    parser_classes = [JSONParser]

    def _classifier(self, request: Request, classifier_id: str) -> Any:
        return selectors.get_classifier(
            organization=tenant_of(request).organization, classifier_id=classifier_id
        )

    @extend_schema(
        operation_id="classifiers_retrieve",
        responses={200: ClassifierSerializer},
    )
    def get(self, request: Request, classifier_id: str) -> Response:
        return Response(ClassifierSerializer(self._classifier(request, classifier_id)).data)

    @extend_schema(
        operation_id="classifiers_update",
        request=ClassifierWriteSerializer,
        responses={200: ClassifierSerializer},
        description="Change any field; `labels` replaces the whole list of labels.",
    )
    @raises("CLASSIFIER_ARCHIVED")
    def patch(self, request: Request, classifier_id: str) -> Response:
        tenant = tenant_of(request)
        classifier = self._classifier(request, classifier_id)
        data = _valid(ClassifierWriteSerializer(data=request.data, partial=True))
        changes: dict[str, Any] = {
            key: data[key] for key in ("name", "description", "threshold") if key in data
        }
        if "labels" in data:
            changes["labels"] = _label_specs(data["labels"])
        services.update_classifier(classifier=classifier, **changes, **_actor(tenant))
        return Response(ClassifierSerializer(self._classifier(request, classifier_id)).data)

    @extend_schema(
        operation_id="classifiers_destroy",
        responses={204: None},
        description="Deletes the classifier, or archives it when extractions used it.",
    )
    def delete(self, request: Request, classifier_id: str) -> Response:
        tenant = tenant_of(request)
        services.delete_classifier(
            classifier=self._classifier(request, classifier_id), **_actor(tenant)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
