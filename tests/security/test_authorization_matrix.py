"""Every /v1 endpoint × every kind of caller, with the expected status.

The endpoints come from the URL conf (every route under /v1/ and every method its view
implements), so a new endpoint without a row in MATRIX fails ``test_every_endpoint_has_a_row``.
Callers: no credentials, a malformed API key, a revoked API key, an expired JWT, a member, an
admin and the owner of org A (JWTs), and org B's API key against org A's objects.

Rules the rows encode:
- anything but a public endpoint answers 401 to the four bad callers;
- MANAGE endpoints (API keys, webhooks, payments, checkout) answer 403 to a member;
- org B gets 404 ``*_NOT_FOUND`` for every URL naming an org A object (exactly like a missing
  one), and on collections sees only its own data (none of org A's ids in the body);
- everyone allowed gets the row's status. Requests carry no body, so a create answers 400:
  what matters here is that the caller got past authentication and authorization.
Each request runs in a transaction rolled back afterwards, so cells do not see each other's
writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.db import transaction

from tests.security.matrix_fixtures import (
    PRINCIPALS,
    api_routes,
    fill,
    org_a_objects,
    principal_clients,
    scoped,
)

BAD_CALLERS = ("anonymous", "bad_key", "revoked_key", "expired_jwt")
MEMBER, MANAGE, PUBLIC = "member", "manage", "public"


@dataclass(frozen=True)
class Row:
    access: str  # MEMBER: any member; MANAGE: owner/admin (API keys count as admin); PUBLIC
    ok: int  # status for every caller allowed in (with no request body)
    anonymous: int | None = None  # PUBLIC rows: status without credentials
    bad_credentials: int | None = None  # PUBLIC rows: status with bad/revoked/expired ones


def public(ok: int, *, anonymous: int, bad_credentials: int) -> Row:
    return Row(PUBLIC, ok, anonymous, bad_credentials)


MATRIX: dict[tuple[str, str], Row] = {
    # Sign-in: no authentication at all (credentials sent along are ignored).
    ("POST", "/v1/auth/token"): public(400, anonymous=400, bad_credentials=400),
    ("POST", "/v1/auth/token/refresh"): public(400, anonymous=400, bad_credentials=400),
    # The OpenAPI document and its viewer: public, credentials ignored.
    ("GET", "/v1/schema"): public(200, anonymous=200, bad_credentials=200),
    ("GET", "/v1/docs"): public(200, anonymous=200, bad_credentials=200),
    # Stripe's webhook authenticates by signature (not configured in this test: 503).
    ("POST", "/v1/billing/stripe/webhook"): public(503, anonymous=503, bad_credentials=503),
    ("GET", "/v1/api-keys"): Row(MANAGE, 200),
    ("POST", "/v1/api-keys"): Row(MANAGE, 400),
    ("POST", "/v1/api-keys/<str:key_id>/revoke"): Row(MANAGE, 200),
    ("GET", "/v1/parsers"): Row(MEMBER, 200),
    ("POST", "/v1/parsers"): Row(MEMBER, 400),
    ("GET", "/v1/parsers/<str:parser_id>"): Row(MEMBER, 200),
    ("PATCH", "/v1/parsers/<str:parser_id>"): Row(MEMBER, 200),
    ("DELETE", "/v1/parsers/<str:parser_id>"): Row(MEMBER, 204),
    ("GET", "/v1/parsers/<str:parser_id>/versions"): Row(MEMBER, 200),
    ("GET", "/v1/parsers/<str:parser_id>/versions/<int:number>"): Row(MEMBER, 200),
    ("POST", "/v1/schemas/validate"): Row(MEMBER, 400),
    ("POST", "/v1/schemas/suggest"): Row(MEMBER, 400),
    ("GET", "/v1/classifiers"): Row(MEMBER, 200),
    ("POST", "/v1/classifiers"): Row(MEMBER, 400),
    ("GET", "/v1/classifiers/<str:classifier_id>"): Row(MEMBER, 200),
    ("PATCH", "/v1/classifiers/<str:classifier_id>"): Row(MEMBER, 200),
    ("DELETE", "/v1/classifiers/<str:classifier_id>"): Row(MEMBER, 204),
    ("GET", "/v1/extractions"): Row(MEMBER, 200),
    ("POST", "/v1/extractions"): Row(MEMBER, 400),
    ("GET", "/v1/extractions/<str:extraction_id>"): Row(MEMBER, 200),
    ("POST", "/v1/extractions/<str:extraction_id>/cancel"): Row(MEMBER, 200),
    ("GET", "/v1/extractions/<str:extraction_id>/documents/<str:document_id>"): Row(MEMBER, 200),
    (
        "PATCH",
        "/v1/extractions/<str:extraction_id>/documents/<str:document_id>/review",
    ): Row(MEMBER, 400),
    (
        "GET",
        "/v1/extractions/<str:extraction_id>/documents/<str:document_id>/file",
    ): Row(MEMBER, 200),
    (
        "GET",
        "/v1/extractions/<str:extraction_id>/documents/<str:document_id>/pages/<int:page>.png",
    ): Row(MEMBER, 200),
    ("POST", "/v1/extract"): Row(MEMBER, 400),
    ("GET", "/v1/extractions/export"): Row(MEMBER, 200),
    ("GET", "/v1/extractions/<str:extraction_id>/export"): Row(MEMBER, 200),
    ("GET", "/v1/parser-templates"): Row(MEMBER, 200),
    ("GET", "/v1/files"): Row(MEMBER, 200),
    ("POST", "/v1/files"): Row(MEMBER, 400),
    ("GET", "/v1/files/<str:file_id>"): Row(MEMBER, 200),
    ("DELETE", "/v1/files/<str:file_id>"): Row(MEMBER, 204),
    ("GET", "/v1/webhooks"): Row(MANAGE, 200),
    ("POST", "/v1/webhooks"): Row(MANAGE, 400),
    ("GET", "/v1/webhooks/deliveries"): Row(MANAGE, 200),
    ("POST", "/v1/webhooks/deliveries/<str:delivery_id>/resend"): Row(MANAGE, 202),
    ("GET", "/v1/webhooks/signing-secret"): Row(MANAGE, 200),
    ("GET", "/v1/webhooks/<str:webhook_id>"): Row(MANAGE, 200),
    ("PATCH", "/v1/webhooks/<str:webhook_id>"): Row(MANAGE, 200),
    ("DELETE", "/v1/webhooks/<str:webhook_id>"): Row(MANAGE, 204),
    ("POST", "/v1/webhooks/<str:webhook_id>/rotate-secret"): Row(MANAGE, 200),
    ("GET", "/v1/webhooks/<str:webhook_id>/deliveries"): Row(MANAGE, 200),
    (
        "POST",
        "/v1/webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/resend",
    ): Row(MANAGE, 202),
    ("GET", "/v1/credits"): Row(MEMBER, 200),
    ("GET", "/v1/credits/ledger"): Row(MEMBER, 200),
    ("GET", "/v1/billing/packs"): Row(MEMBER, 200),
    ("GET", "/v1/billing/payments"): Row(MANAGE, 200),
    # Would call Stripe: not configured in this test, so 503 once past authorization.
    ("POST", "/v1/billing/checkout"): Row(MANAGE, 503),
}


def expected_status(row: Row, principal: str, route: str) -> int:
    if row.access == PUBLIC:
        if principal == "anonymous":
            return row.anonymous
        if principal in BAD_CALLERS:
            return row.bad_credentials
        return row.ok
    if principal in BAD_CALLERS:
        return 401
    if principal == "member" and row.access == MANAGE:
        return 403
    if principal == "other_org" and scoped(route):
        return 404
    return row.ok


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _error_code(response) -> str:
    try:
        body = json.loads(_body(response))
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code", "")
    if isinstance(body, dict) and "detail" in body and "code" in body:  # simplejwt's shape
        return "jwt:" + body["code"]
    return ""


def test_every_endpoint_has_a_row():
    routes = {(method, route) for method, route, _ in api_routes()}
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"endpoints without a row in MATRIX: {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


@pytest.mark.django_db
def test_authorization_matrix(org_a, org_b, client_a, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    objects = org_a_objects(org_a, client_a)
    clients = principal_clients(org_a, org_b)
    org_a_ids = set(objects.params.values()) - {"1"}

    wrong: list[str] = []
    cells = 0
    for method, route, _view in api_routes():
        row = MATRIX[(method, route)]
        url = fill(route, objects.params)
        for principal in PRINCIPALS:
            with transaction.atomic():
                response = clients[principal].generic(
                    method, url, b"", content_type="application/json"
                )
                transaction.set_rollback(True)
            cells += 1
            expected = expected_status(row, principal, route)
            code = _error_code(response)
            cell = f"{method} {route} as {principal}: {response.status_code} {code}"
            if response.status_code != expected:
                wrong.append(f"{cell} (expected {expected})")
            elif expected == 401 and principal == "expired_jwt":
                if code not in ("jwt:token_not_valid", "UNAUTHORIZED"):
                    wrong.append(f"{cell}: not an auth error")
            elif expected == 401 and code != "UNAUTHORIZED":
                wrong.append(f"{cell}: not UNAUTHORIZED in the envelope")
            elif expected == 403 and code != "FORBIDDEN":
                wrong.append(f"{cell}: not FORBIDDEN in the envelope")
            elif expected == 404 and not code.endswith("_NOT_FOUND"):
                wrong.append(f"{cell}: not *_NOT_FOUND in the envelope")
            elif principal == "other_org" and response.status_code < 300 and row.access != PUBLIC:
                leaked = [i for i in org_a_ids if i.encode() in _body(response)]
                if leaked:
                    wrong.append(f"{cell}: org B sees org A's {leaked}")
    assert cells == len(MATRIX) * len(PRINCIPALS)
    assert not wrong, "\n".join(wrong)
