"""What the authorization matrix needs: every route of /v1 read from the URL conf, one object of
org A for each path parameter, and a client per principal."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Membership
from accounts.services import create_api_key, revoke_api_key
from docgen import SIMPLE_INVOICE_SCHEMA, simple_invoice_pdf
from extractions.models import Document, DocumentStatus, WebhookDelivery
from parsers.services import LabelSpec, create_classifier, create_parser
from tests.conftest import Tenant, api_client_for_key, api_client_for_user

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PRINCIPALS = (
    "anonymous",
    "bad_key",
    "revoked_key",
    "expired_jwt",
    "member",
    "admin",
    "owner",
    "other_org",
)


def api_routes() -> Iterator[tuple[str, str, type]]:
    """(METHOD, route template, view class) of every /v1 endpoint in the URL conf."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns, ""):
        if not route.startswith("v1/"):
            continue
        view = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None
        )
        assert view is not None, f"{route}: not a class-based view; add it to the matrix by hand"
        for method in HTTP_METHODS:
            if hasattr(view, method):
                yield method.upper(), "/" + route, view


def expired_jwt_client(tenant: Tenant) -> APIClient:
    membership = Membership.objects.get(user=tenant.owner, organization=tenant.organization)
    token = AccessToken.for_user(tenant.owner)
    token["org"] = tenant.organization.public_id
    token["role"] = membership.role
    token.set_exp(from_time=timezone.now() - timedelta(hours=2), lifetime=timedelta(minutes=5))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def principal_clients(org_a: Tenant, org_b: Tenant) -> dict[str, APIClient]:
    revoked = create_api_key(organization=org_a.organization, name="revoked", created_by=None)
    revoke_api_key(api_key=revoked.api_key)
    bad = APIClient()
    bad.credentials(HTTP_X_API_KEY="pp_live_" + "x" * 43)
    return {
        "anonymous": APIClient(),
        "bad_key": bad,
        "revoked_key": api_client_for_key(revoked.secret),
        "expired_jwt": expired_jwt_client(org_a),
        "member": api_client_for_user(org_a.member, org_a.organization),
        "admin": api_client_for_user(org_a.admin, org_a.organization),
        "owner": api_client_for_user(org_a.owner, org_a.organization),
        "other_org": api_client_for_key(org_b.api_key_secret),
    }


@dataclass
class OrgObjects:
    """One of each object of org A, by path parameter name."""

    params: dict[str, str]


def org_a_objects(org_a: Tenant, client: APIClient) -> OrgObjects:
    org = org_a.organization
    parser = create_parser(organization=org, name="Invoices", schema=SIMPLE_INVOICE_SCHEMA)
    classifier = create_classifier(
        organization=org,
        name="Router",
        labels=[LabelSpec(name="invoice", description="Invoices", parser_id=parser.public_id)],
    )
    spare_key = create_api_key(organization=org, name="spare", created_by=org_a.owner)
    submitted = client.post(
        "/v1/extractions",
        {
            "parser_id": parser.public_id,
            "files": [SimpleUploadedFile("i.pdf", simple_invoice_pdf())],
        },
        format="multipart",
    )
    assert submitted.status_code == 202, submitted.content
    body = submitted.json()["extraction"]
    document = Document.objects.get(public_id=body["documents"][0]["document_id"])
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.COMPLETED, initial_output={"invoice_number": "INV-1001"}
    )
    staged = client.post(
        "/v1/files", {"file": SimpleUploadedFile("s.pdf", simple_invoice_pdf())}, format="multipart"
    )
    assert staged.status_code == 201, staged.content
    from extractions.webhooks.services import create_endpoint

    endpoint = create_endpoint(organization=org, url="http://127.0.0.1:9/pp").endpoint
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        extraction=document.extraction,
        url=endpoint.url,
        event="extraction.completed",
        event_id="evt_matrix",
        payload={"id": "evt_matrix"},
        status=WebhookDelivery.Status.SUCCEEDED,
    )
    return OrgObjects(
        {
            "key_id": spare_key.api_key.public_id,
            "parser_id": parser.public_id,
            "number": "1",
            "classifier_id": classifier.public_id,
            "extraction_id": body["extraction_id"],
            "document_id": document.public_id,
            "page": "1",
            "file_id": staged.json()["file_id"],
            "webhook_id": endpoint.public_id,
            "delivery_id": delivery.public_id,
        }
    )


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, params: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in params, f"{route}: no org A object for <{name}>; add one to org_a_objects"
        return params[name]

    return _PARAM.sub(value, route)


def scoped(route: str) -> bool:
    """Does the route name an object of one organization?"""
    return bool(_PARAM.search(route))


Request = Callable[[APIClient, str], Any]
