"""The OpenAPI document as the contract: every error an operation can answer, and the headers.

drf-spectacular documents what a view returns when all goes well. The errors are worked out
here, in one place, from what the view is made of, so that a new endpoint is documented
correctly without anyone listing its errors by hand:

- every operation: 400 ``INVALID_PAYLOAD`` (a NUL in the query string is refused before any
  view runs), 406 ``NOT_ACCEPTABLE`` (an ``Accept`` header no renderer matches), 500
  ``INTERNAL_ERROR``, 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After`` (the database is
  unreachable);
- authentication classes (and no ``AllowAny``): 401 ``UNAUTHORIZED``, or simplejwt's own shape
  for a bad bearer token (DESIGN.md);
- ``CanManageOrganization``: 403 ``FORBIDDEN``;
- authenticated operations: 403 ``INSUFFICIENT_SCOPE`` (an API key whose scope does not cover
  it); the scope is in ``x-api-key-scope`` and the description (``accounts.permissions``);
- throttles: 429 ``RATE_LIMITED`` with ``Retry-After``;
- a request body: 400 ``INVALID_PAYLOAD``, 413 ``PAYLOAD_TOO_LARGE``, 415
  ``UNSUPPORTED_MEDIA_TYPE``; multipart uploads also 413 ``DOCUMENT_TOO_LARGE``;
- path parameters: 404 ``NOT_FOUND`` (no such route) and the parameter's own ``*_NOT_FOUND``;
- ``cursor`` / ``limit`` query parameters: 400 ``INVALID_CURSOR`` / ``INVALID_PAYLOAD``;
- an ``Idempotency-Key`` header: 409 ``IDEMPOTENCY_KEY_REUSED``, and ``Idempotent-Replayed``
  on the success responses;
- the rest, what the services raise, named on the view method with ``@raises(...)``.

Every code has one HTTP status, in ``ERROR_CODES``; each error response's schema is the
envelope ``{"error": {"code", "message", "details"}}`` with ``code`` restricted to the codes
that operation can answer with that status. The test suite checks every API response it
records against this document (tests/openapi_contract.py), so a missing code fails a test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance, is_serializer
from rest_framework.fields import FileField
from rest_framework.permissions import AllowAny

from accounts.permissions import required_scope

F = TypeVar("F", bound=Callable[..., Any])

# Every error code of the API: its HTTP status and what it means (the docs' descriptions).
ERROR_CODES: dict[str, tuple[int, str]] = {
    "INVALID_PAYLOAD": (400, "The request is malformed; details.fields names the fields."),
    "INVALID_CURSOR": (400, "The cursor is not a next_cursor this API gave out."),
    "INVALID_SCHEMA": (400, "The JSON Schema is invalid; details.errors gives each path."),
    "PARSER_NOT_CONFIGURED": (400, "The parser has no schema yet."),
    "UNSUPPORTED_FILE_TYPE": (400, "A file is not a PDF or a supported image (by content)."),
    "PAGE_COUNT_FAILED": (400, "A file could not be read to count its pages."),
    "PAGE_LIMIT_EXCEEDED": (400, "A file has more pages than allowed."),
    "ENCRYPTED_DOCUMENT": (400, "A PDF is password-protected."),
    "EXTRACTION_FAILED": (400, "The sample could not be read."),
    "INVALID_WEBHOOK_URL": (400, "The webhook URL is not a public http(s) URL."),
    "INVALID_SIGNATURE": (400, "Not signed by Stripe with this server's secret."),
    "UNAUTHORIZED": (401, "Missing, invalid or revoked credentials."),
    "INSUFFICIENT_CREDITS": (402, "The balance cannot pay for the pages; nothing was charged."),
    "FORBIDDEN": (403, "Only owners and admins of the organization can do this."),
    "INSUFFICIENT_SCOPE": (
        403,
        "The API key's scope does not cover this operation (details.required_scope).",
    ),
    "NOT_FOUND": (404, "No such endpoint."),
    "API_KEY_NOT_FOUND": (404, "No such API key in this organization."),
    "PARSER_NOT_FOUND": (404, "No such parser in this organization."),
    "PARSER_VERSION_NOT_FOUND": (404, "The parser has no such version."),
    "CLASSIFIER_NOT_FOUND": (404, "No such classifier in this organization."),
    "EXTRACTION_NOT_FOUND": (404, "No such extraction in this organization."),
    "DOCUMENT_NOT_FOUND": (404, "No such document in this extraction."),
    "PAGE_NOT_FOUND": (404, "The document has no such page."),
    "FILE_NOT_FOUND": (404, "No such staged file (or it expired)."),
    "WEBHOOK_NOT_FOUND": (404, "No such webhook endpoint in this organization."),
    "WEBHOOK_DELIVERY_NOT_FOUND": (404, "No such webhook delivery."),
    "PACK_NOT_FOUND": (404, "No such credit pack on sale."),
    "METHOD_NOT_ALLOWED": (405, "The endpoint does not take this method."),
    "NOT_ACCEPTABLE": (406, "The Accept header asks for a type this endpoint cannot answer."),
    "PARSER_ARCHIVED": (409, "The parser is archived: read-only."),
    "CLASSIFIER_ARCHIVED": (409, "The classifier is archived: read-only."),
    "IDEMPOTENCY_KEY_REUSED": (409, "The Idempotency-Key was used with another payload."),
    "DOCUMENT_NOT_READY": (409, "The document has no result to review yet."),
    "FILE_IN_USE": (409, "The staged file is used by an extraction."),
    "WEBHOOK_LIMIT_REACHED": (409, "The organization has the most webhook endpoints allowed."),
    "ALREADY_REFUNDED": (409, "The document was refunded already."),
    "DOCUMENT_NOT_RERUNNABLE": (409, "Only failed or cancelled documents run again."),
    "RESULT_EXPIRED": (410, "The result or file is past the organization's retention."),
    "DOCUMENT_TOO_LARGE": (413, "A file is larger than allowed."),
    "PAYLOAD_TOO_LARGE": (413, "The request body is larger than allowed."),
    "UNSUPPORTED_MEDIA_TYPE": (415, "The Content-Type is not one this endpoint reads."),
    "PAGE_RENDER_FAILED": (422, "The page cannot be rendered."),
    "RATE_LIMITED": (429, "Over the rate limit; retry after Retry-After seconds."),
    "ACCOUNT_LOCKED": (429, "Too many failed sign-ins; retry after Retry-After seconds."),
    "INTERNAL_ERROR": (500, "A fault on our side; it has been logged."),
    "EVENT_NOT_PROCESSED": (500, "Stored but not processed yet: Stripe delivers it again."),
    "PAYMENT_PROVIDER_ERROR": (502, "Stripe could not be reached; try again in a minute."),
    "BILLING_NOT_CONFIGURED": (503, "Online payments are not available on this server."),
    "SERVICE_UNAVAILABLE": (
        503,
        "The database cannot be reached; retry after Retry-After seconds.",
    ),
}

# simplejwt's own error shape for a bad bearer token (DESIGN.md keeps it).
JWT_ERROR = "JWT_ERROR"

# Path parameter → the code of "no such object" (any organization's object but the caller's).
NOT_FOUND_BY_PARAMETER = {
    "key_id": "API_KEY_NOT_FOUND",
    "parser_id": "PARSER_NOT_FOUND",
    "number": "PARSER_VERSION_NOT_FOUND",
    "classifier_id": "CLASSIFIER_NOT_FOUND",
    "extraction_id": "EXTRACTION_NOT_FOUND",
    "document_id": "DOCUMENT_NOT_FOUND",
    "page": "PAGE_NOT_FOUND",
    "file_id": "FILE_NOT_FOUND",
    "webhook_id": "WEBHOOK_NOT_FOUND",
    "delivery_id": "WEBHOOK_DELIVERY_NOT_FOUND",
}

IDEMPOTENCY_KEY = "Idempotency-Key"
RESPONSE_HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "Idempotent-Replayed": {
        "description": "Present on a replay of an earlier request with the same Idempotency-Key: "
        "the body is the original response; nothing was created or charged again.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use.",
        "schema": {"type": "string"},
    },
}

ERROR_COMPONENT = "Error"
JWT_ERROR_COMPONENT = "JWTError"


def raises(*codes: str) -> Callable[[F], F]:
    """Name the errors a view method's services raise, beyond what its make-up implies."""
    unknown = [c for c in codes if c not in ERROR_CODES and c != JWT_ERROR]
    if unknown:
        raise ValueError(f"Unknown error codes {unknown}: add them to config.openapi.ERROR_CODES.")

    def decorate(method: F) -> F:
        method.error_codes = (*getattr(method, "error_codes", ()), *codes)  # type: ignore[attr-defined]
        return method

    return decorate


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": 'Every API error: {"error": {"code", "message", "details"}}.',
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Stable and machine-readable; the operation's "
                        "responses list the codes it can answer.",
                    },
                    "message": {"type": "string", "description": "What went wrong, for people."},
                    "details": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": "e.g. fields: {name: [messages]} for INVALID_PAYLOAD.",
                    },
                },
            }
        },
    }


def _jwt_error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "simplejwt's shape for a bearer token it cannot accept.",
        "required": ["detail", "code"],
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "example": "token_not_valid"},
            "messages": {"type": "array", "items": {"type": "object"}},
        },
    }


class ErrorResponsesAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses and headers of the module doc."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        self._register_components()
        if self._authenticated():
            # The scope an API key needs (accounts.permissions); none: keys are refused.
            scope = required_scope(self.view, self.method)
            operation["x-api-key-scope"] = scope.value if scope else None
            needs = f"`{scope.value}` scope" if scope else "no API key (people only)"
            note = f"API keys: {needs}."
            operation["description"] = "\n\n".join(
                part for part in (operation.get("description"), note) if part
            )
        responses = operation.setdefault("responses", {})
        idempotent = any(
            p.get("in") == "header" and p.get("name") == IDEMPOTENCY_KEY
            for p in operation.get("parameters", [])
        )
        if idempotent:
            for status, response in responses.items():
                if str(status).startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = RESPONSE_HEADERS[
                        "Idempotent-Replayed"
                    ]
        by_status: dict[int, list[str]] = {}
        for code in self.error_codes(operation, idempotent=idempotent):
            if code == JWT_ERROR:
                by_status.setdefault(401, [])
                continue
            by_status.setdefault(ERROR_CODES[code][0], []).append(code)
        jwt = JWT_ERROR in self.error_codes(operation, idempotent=idempotent)
        for status in sorted(by_status):
            responses[str(status)] = self._error_response(status, by_status[status], jwt=jwt)
        return operation

    # --- what the view is made of -------------------------------------------------------------

    def error_codes(self, operation: dict[str, Any], *, idempotent: bool) -> list[str]:
        view = self.view
        codes = ["INVALID_PAYLOAD", "NOT_ACCEPTABLE", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]
        if self._authenticated():
            codes += ["UNAUTHORIZED", "INSUFFICIENT_SCOPE"]
            if any(_is_jwt(a) for a in view.get_authenticators()):
                codes.append(JWT_ERROR)
        if any(_name(p) == "CanManageOrganization" for p in view.get_permissions()):
            codes.append("FORBIDDEN")
        if view.get_throttles():
            codes.append("RATE_LIMITED")
        if operation.get("requestBody"):
            codes += ["PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"]
            if self._takes_files():
                codes.append("DOCUMENT_TOO_LARGE")
        parameters = operation.get("parameters", [])
        path_parameters = [p["name"] for p in parameters if p.get("in") == "path"]
        if path_parameters:
            codes.append("NOT_FOUND")
            codes += [NOT_FOUND_BY_PARAMETER[n] for n in path_parameters]
        query = {p["name"] for p in parameters if p.get("in") == "query"}
        if "cursor" in query:
            codes.append("INVALID_CURSOR")
        if idempotent:
            codes.append("IDEMPOTENCY_KEY_REUSED")
        handler = getattr(view, self.method.lower(), None)
        codes += list(getattr(handler, "error_codes", ()))
        return list(dict.fromkeys(codes))

    def _takes_files(self) -> bool:
        request = self.get_request_serializer()
        for body in request.values() if isinstance(request, dict) else [request]:
            if isinstance(body, dict):  # a schema given as is
                if '"binary"' in json.dumps(body):
                    return True
            elif is_serializer(body):
                for field in force_instance(body).fields.values():
                    child = getattr(field, "child", None)
                    if isinstance(field, FileField) or isinstance(child, FileField):
                        return True
        return False

    def _authenticated(self) -> bool:
        view = self.view
        if not view.get_authenticators():
            return False
        return not all(isinstance(p, AllowAny) for p in view.get_permissions())

    # --- the document ---------------------------------------------------------------------------

    def _register_components(self) -> None:
        for name, schema in (
            (ERROR_COMPONENT, _error_schema()),
            (JWT_ERROR_COMPONENT, _jwt_error_schema()),
        ):
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
                )
            )

    def _error_response(self, status: int, codes: list[str], *, jwt: bool) -> dict[str, Any]:
        envelope = {
            "allOf": [{"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}],
            "properties": {
                "error": {"properties": {"code": {"type": "string", "enum": sorted(codes)}}}
            },
        }
        lines = [f"`{code}`: {ERROR_CODES[code][1]}" for code in sorted(codes)]
        shapes = [envelope] if codes else []
        if status == 401 and jwt:
            shapes.append({"$ref": f"#/components/schemas/{JWT_ERROR_COMPONENT}"})
            lines.append("simplejwt's shape (`detail`, `code`, `messages`) for a token it refuses.")
        schema = shapes[0] if len(shapes) == 1 else {"oneOf": shapes}
        response: dict[str, Any] = {
            "description": "\n\n".join(lines),
            "content": {"application/json": {"schema": schema}},
        }
        headers = {}
        if status == 429 or "SERVICE_UNAVAILABLE" in codes:
            # a 503 of an unconfigured billing says nothing about when to retry
            required = status == 429 or codes == ["SERVICE_UNAVAILABLE"]
            headers["Retry-After"] = {**RESPONSE_HEADERS["Retry-After"], "required": required}
        if status == 401:
            headers["WWW-Authenticate"] = RESPONSE_HEADERS["WWW-Authenticate"]
        if headers:
            response["headers"] = headers
        return response


def _name(obj: Any) -> str:
    return type(obj).__name__


def _is_jwt(authenticator: Any) -> bool:
    from rest_framework_simplejwt.authentication import JWTAuthentication

    return isinstance(authenticator, JWTAuthentication)


def preload_schema_extensions() -> None:
    """Resolve every drf-spectacular extension's target class now, once, in one thread.

    drf-spectacular resolves them lazily on the first schema generation, and that is not
    thread-safe: two first requests for /v1/schema in a threaded server (Swagger UI fetching
    it while someone else does) raced on an optional extension whose package is not installed
    and one of them answered 500.
    """
    import drf_spectacular.openapi  # noqa: F401  (registers drf-spectacular's contrib extensions)
    from drf_spectacular.extensions import (
        OpenApiAuthenticationExtension,
        OpenApiFilterExtension,
        OpenApiSerializerExtension,
        OpenApiSerializerFieldExtension,
        OpenApiViewExtension,
    )

    for base in (
        OpenApiAuthenticationExtension,
        OpenApiFilterExtension,
        OpenApiSerializerExtension,
        OpenApiSerializerFieldExtension,
        OpenApiViewExtension,
    ):
        for extension in list(base._registry):
            if isinstance(extension.target_class, str):
                extension._load_class()
