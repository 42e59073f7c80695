"""GET /v1/credits and GET /v1/credits/ledger."""

from __future__ import annotations

import pytest

from billing.services import charge_credits, refund_credits

pytestmark = pytest.mark.django_db


def test_balance_for_api_key_and_jwt_member(client_a, member_client, org_a, stripe_off):
    for client in (client_a, member_client):
        response = client.get("/v1/credits")
        assert response.status_code == 200
        body = response.json()
        assert body["balance"] == 1000
        assert body["currency_unit"] == "credit"
        assert body["organization_id"] == org_a.organization.public_id
        assert body["topups_available"] is False
        assert body["updated_at"]


def test_topups_available_when_stripe_configured(client_a, stripe_on):
    assert client_a.get("/v1/credits").json()["topups_available"] is True


def test_balance_needs_authentication(anon_client):
    response = anon_client.get("/v1/credits")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_ledger_is_newest_first_with_cursor_pages(client_a, client_b, org_a, org_b):
    org = org_a.organization
    charge_credits(organization=org, credits=10, cause_key="charge:a1", reason="first")
    charge_credits(organization=org, credits=20, cause_key="charge:a2", reason="second")
    refund_credits(organization=org, credits=20, cause_key="refund:a2", reason="third")
    charge_credits(organization=org_b.organization, credits=1, reason="other org")

    first = client_a.get("/v1/credits/ledger", {"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert [e["reason"] for e in body["data"]] == ["third", "second"]
    entry = body["data"][0]
    assert entry["id"].startswith("led_")
    assert entry["kind"] == "refund"
    assert (entry["delta"], entry["balance_after"]) == (20, 990)
    assert {"document_id", "extraction_id", "payment_id", "created_at"} <= entry.keys()
    assert body["next_cursor"]

    second = client_a.get("/v1/credits/ledger", {"limit": 2, "cursor": body["next_cursor"]})
    rest = second.json()
    assert [e["reason"] for e in rest["data"]] == ["first", "Opening balance"]
    assert rest["next_cursor"] is None
    # Org B sees only its own entries.
    assert [e["reason"] for e in client_b.get("/v1/credits/ledger").json()["data"]] == [
        "other org",
        "Opening balance",
    ]


def test_ledger_rejects_a_forged_cursor(client_a):
    response = client_a.get("/v1/credits/ledger", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_CURSOR"


def test_ledger_entries_name_their_document_and_extraction(client_a, org_a):
    from extractions.models import Document, Extraction

    org = org_a.organization
    extraction = Extraction.objects.create(organization=org)
    document = Document.objects.create(organization=org, extraction=extraction, filename="a.pdf")
    charge_credits(
        organization=org,
        credits=3,
        cause_key=f"charge:{document.public_id}",
        document=document,
        extraction=extraction,
    )
    entry = client_a.get("/v1/credits/ledger").json()["data"][0]
    assert entry["document_id"] == document.public_id
    assert entry["extraction_id"] == extraction.public_id
    assert entry["payment_id"] is None
    assert (entry["kind"], entry["delta"], entry["balance_after"]) == ("charge", -3, 997)
