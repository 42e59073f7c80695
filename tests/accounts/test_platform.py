"""/healthz, the OpenAPI document, createorg and the error envelope."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from accounts.models import APIKey, Membership, Organization, hash_api_key
from billing.models import CreditLedgerEntry
from billing.services import get_balance

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok", "cache": "ok"}
    assert body["down"] == []


def test_healthz_is_503_when_broker_is_down(settings, monkeypatch):
    from config import health

    monkeypatch.setattr(health, "_check_broker", lambda: "error: ConnectionRefusedError")
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_openapi_schema_is_valid_openapi3():
    from openapi_spec_validator import validate

    response = Client().get("/v1/schema")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    validate(document)
    assert "/v1/auth/token" in document["paths"]


def test_docs_page_is_served():
    response = Client().get("/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_createorg_json():
    out = StringIO()
    call_command(
        "createorg",
        "Acme",
        "--owner",
        "boss@acme.test",
        "--password",
        "pw-12345678",
        "--credits",
        "250",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    organization = Organization.objects.get(public_id=result["organization_id"])
    assert result["user"] == "boss@acme.test"
    assert Membership.objects.get(organization=organization).role == "owner"
    assert APIKey.objects.get(organization=organization).hashed_secret == hash_api_key(
        result["api_key"]
    )
    assert get_balance(organization=organization) == 250
    grant = CreditLedgerEntry.objects.get(organization=organization)
    assert (grant.kind, grant.delta, grant.balance_after) == ("grant", 250, 250)


def test_unknown_api_route_is_json_404():
    response = Client().get("/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_login_page_renders():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content
