"""API key scopes (read-only, extract, admin) and expiry: every /v1 operation declares the scope
it needs (a new endpoint is closed to keys until it does), a read-only key cannot write
anywhere, an expired key is refused with 401; keys are created with a scope through the API
and the dashboard, and listed with it. Every response here is also checked against the
OpenAPI document (tests/openapi_contract.py), where 403 INSUFFICIENT_SCOPE is declared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from accounts.models import APIKey, KeyScope
from accounts.permissions import required_scope
from accounts.services import create_api_key
from config.openapi import ERROR_CODES
from extractions.models import Extraction
from parsers.models import Parser
from tests.conftest import api_client_for_key
from tests.dashboard.conftest import web_client_for

pytestmark = pytest.mark.django_db

SAFE = {"GET", "HEAD", "OPTIONS"}


def v1_routes() -> Iterator[tuple[str, type]]:
    """(path with placeholder ids, view class) of every /v1 route."""

    def walk(patterns: list, prefix: str) -> Iterator[tuple[str, type]]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "view_class"):
                yield route, p.callback.view_class

    for route, view in walk(get_resolver().url_patterns, "/"):
        if route.startswith("/v1/"):
            route = re.sub(r"<int:\w+>", "1", route)
            yield re.sub(r"<(?:str:)?\w+>", "nope", route), view


def operations() -> Iterator[tuple[str, str, object]]:
    """(method, path, view instance) of every operation that takes credentials."""
    for path, view_class in v1_routes():
        view = view_class()
        if not view.authentication_classes or all(
            isinstance(p, AllowAny) for p in view.get_permissions()
        ):
            continue  # public: sign-in, the Stripe webhook, the schema and its docs
        for method in view_class.http_method_names:
            if method != "options" and hasattr(view_class, method):
                yield method.upper(), path, view


def key_client(organization, scope: str, **extra) -> APIClient:
    new = create_api_key(organization=organization, name=f"{scope} key", scope=scope, **extra)
    return api_client_for_key(new.secret)


def test_every_operation_declares_its_scope_and_no_write_is_read_only() -> None:
    found = list(operations())
    assert len(found) > 40  # the walk sees the whole API
    undeclared = [(m, p) for m, p, view in found if required_scope(view, m) is None]
    assert not undeclared, f"declare required_scopes on these views: {undeclared}"
    read_writes = [
        (m, p) for m, p, view in found if m not in SAFE and required_scope(view, m) == "read"
    ]
    assert not read_writes


def test_a_read_only_key_cannot_write_anywhere(org_a) -> None:
    client = key_client(org_a.organization, KeyScope.READ)
    before = (APIKey.objects.count(), Parser.objects.count(), Extraction.objects.count())
    writes = [(m, p) for m, p, _ in operations() if m not in SAFE]
    assert len(writes) > 15
    for method, path in writes:
        response = client.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE", (method, path)
    assert (APIKey.objects.count(), Parser.objects.count(), Extraction.objects.count()) == before
    # OPTIONS describes and HEAD reads, even where only writes are declared.
    assert client.options("/v1/extractions/nope/cancel").status_code != 403
    assert client.head("/v1/parsers").status_code == 200
    # It reads: the checks above are about the scope, not about the key.
    assert client.get("/v1/parsers").status_code == 200
    assert client.get("/v1/extractions").status_code == 200
    assert client.get("/v1/credits").status_code == 200


def test_an_extract_key_extracts_but_does_not_administer(org_a) -> None:
    client = key_client(org_a.organization, KeyScope.EXTRACT)
    created = client.post("/v1/parsers", {"name": "Nope"}, format="json")
    assert created.status_code == 403
    assert created.json()["error"]["details"] == {
        "key_scope": "extract",
        "required_scope": "admin",
    }
    assert client.get("/v1/api-keys").status_code == 403
    assert client.get("/v1/webhooks").status_code == 403
    # Writes of its scope reach the view (here refused for the payload, not the scope).
    submitted = client.post("/v1/extractions", {}, format="json")
    assert submitted.status_code == 400
    checked = client.post("/v1/schemas/validate", {"schema": {"type": "object"}}, format="json")
    assert checked.status_code == 200


def test_an_admin_key_does_everything_a_manager_does(org_a) -> None:
    client = key_client(org_a.organization, KeyScope.ADMIN)
    assert client.post("/v1/parsers", {"name": "Yes"}, format="json").status_code == 201
    assert client.get("/v1/api-keys").status_code == 200


def test_an_expired_key_gets_401(org_a) -> None:
    soon = timezone.now() + timedelta(hours=1)
    new = create_api_key(organization=org_a.organization, name="temp", expires_at=soon)
    client = api_client_for_key(new.secret)
    assert client.get("/v1/parsers").status_code == 200
    APIKey.objects.filter(pk=new.api_key.pk).update(expires_at=timezone.now() - timedelta(1))
    response = client.get("/v1/parsers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert "expired" in response.json()["error"]["message"]


def test_keys_are_created_with_a_scope_and_expiry_through_the_api(owner_client) -> None:
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    response = owner_client.post(
        "/v1/api-keys",
        {"name": "BI", "scope": "read", "expires_at": expires.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "read" and body["expires_at"].startswith(expires.date().isoformat())
    listed = {k["id"]: k for k in owner_client.get("/v1/api-keys").json()["data"]}
    assert listed[body["id"]]["scope"] == "read"
    # A key made without a scope does what every key did before scopes.
    plain = owner_client.post("/v1/api-keys", {"name": "Old style"}, format="json").json()
    assert plain["scope"] == "admin" and plain["expires_at"] is None
    past = owner_client.post(
        "/v1/api-keys",
        {"name": "Late", "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400
    bad = owner_client.post("/v1/api-keys", {"name": "X", "scope": "root"}, format="json")
    assert bad.status_code == 400


def test_the_contract_declares_the_scope_and_its_403(client) -> None:
    assert ERROR_CODES["INSUFFICIENT_SCOPE"][0] == 403
    document = client.get("/v1/schema", HTTP_ACCEPT="application/json").json()
    operations_seen = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or not operation.get("security"):
                continue
            if all(not s for s in operation["security"]):
                continue  # public
            operations_seen += 1
            assert operation["x-api-key-scope"] in ("read", "extract", "admin"), (method, path)
            forbidden = operation["responses"]["403"]["content"]["application/json"]["schema"]
            codes = forbidden["properties"]["error"]["properties"]["code"]["enum"]
            assert "INSUFFICIENT_SCOPE" in codes, (method, path)
    assert operations_seen > 40


def test_the_dashboard_creates_and_lists_keys_with_scope_and_expiry(org_a) -> None:
    owner_web = web_client_for(org_a.owner, org_a.organization)
    page = owner_web.get(reverse("web:api-keys")).content.decode()
    assert 'name="scope"' in page and 'name="expires_in"' in page
    assert "Read-only" in page and "changes nothing" in page
    response = owner_web.post(
        reverse("web:api-keys"), {"name": "Reporting", "scope": "read", "expires_in": "30"}
    )
    assert response.status_code == 200
    key = APIKey.objects.get(name="Reporting")
    assert key.scope == "read"
    assert timedelta(days=29) < key.expires_at - timezone.now() <= timedelta(days=30)
    listing = response.content.decode()
    row = re.search(r"<strong>Reporting</strong>.*?</tr>", listing, re.S).group(0)
    assert "Read-only" in row and key.expires_at.strftime("%b %-d, %Y") in row
    # The default key of the organization (from before scopes) shows as admin.
    assert re.search(r'data-testid="key-scope"><span class="badge[^"]*">Admin<', listing)
    APIKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = owner_web.get(reverse("web:api-keys")).content.decode()
    row = re.search(r"<strong>Reporting</strong>.*?</tr>", expired, re.S).group(0)
    assert ">expired<" in row
