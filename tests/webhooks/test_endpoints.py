"""/v1/webhooks CRUD, the delivery log API and tenant isolation."""

from __future__ import annotations

import pytest

from extractions.models import WebhookDelivery, WebhookEndpoint
from extractions.webhooks.dispatch import emit_document_event, emit_extraction_event
from tests.webhooks.helpers import create_endpoint, make_document, make_extraction

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/perfectparser"


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch):
    """hooks.example.com must not need a DNS lookup here: pretend it is a public address."""
    from extractions.webhooks import ssrf

    real = ssrf.resolve_host

    def fake(host, port):
        return ["93.184.215.14"] if host.endswith("example.com") else real(host, port)

    monkeypatch.setattr(ssrf, "resolve_host", fake)


def test_secret_is_shown_once(client_a, org_a):
    body = create_endpoint(client_a, URL, description="ERP", events=["extraction.completed"])
    assert body["id"].startswith("whk_")
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["secret_hint"] == f"whsec_…{body['secret'][-4:]}"
    assert body["events"] == ["extraction.completed"]
    assert body["url"] == URL and body["description"] == "ERP" and body["active"] is True
    endpoint = WebhookEndpoint.objects.get(public_id=body["id"])
    assert endpoint.organization == org_a.organization and endpoint.secret == body["secret"]
    listed = client_a.get("/v1/webhooks").json()
    assert [w["id"] for w in listed["data"]] == [body["id"]] and listed["next_cursor"] is None
    assert "secret" not in listed["data"][0]
    assert "secret" not in client_a.get(f"/v1/webhooks/{body['id']}").json()


def test_update_rotate_delete(client_a):
    body = create_endpoint(client_a, URL)
    updated = client_a.patch(
        f"/v1/webhooks/{body['id']}",
        {"events": ["document.failed"], "headers": {"X-Token": "t"}, "description": "new"},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["events"] == ["document.failed"]
    assert updated.json()["headers"] == {"X-Token": "t"}
    assert updated.json()["url"] == URL  # untouched by a partial update

    rotated = client_a.post(f"/v1/webhooks/{body['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != body["secret"]
    assert WebhookEndpoint.objects.get(public_id=body["id"]).secret == rotated.json()["secret"]

    assert client_a.delete(f"/v1/webhooks/{body['id']}").status_code == 204
    assert not WebhookEndpoint.objects.filter(public_id=body["id"]).exists()
    assert client_a.get(f"/v1/webhooks/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Content-Length": "0"},
        {"content-type": "text/plain"},
        {"Transfer-Encoding": "chunked"},
        {"PerfectParser-Signature": "t=1,v1=00"},
        {"perfectparser-event": "x"},
        {"X-Forwarded-For": "1.2.3.4"},
        {"Bad Name": "x"},
        {"X-Ok": "line\r\nInjected: yes"},
        {"X-Ok": "v" * 1001},
    ],
)
def test_unsafe_custom_headers_are_refused(client_a, headers):
    response = client_a.post("/v1/webhooks", {"url": URL, "headers": headers}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert not WebhookEndpoint.objects.exists()


def test_unknown_event_is_refused(client_a):
    response = client_a.post(
        "/v1/webhooks", {"url": URL, "events": ["document.exploded"]}, format="json"
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "https://user:pw@hooks.example.com/", "not a url", ""]
)
def test_bad_urls_are_refused(client_a, url):
    response = client_a.post("/v1/webhooks", {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("INVALID_WEBHOOK_URL", "INVALID_PAYLOAD")


def test_members_cannot_manage_webhooks(member_client, anon_client):
    assert member_client.get("/v1/webhooks").status_code == 403
    assert member_client.post("/v1/webhooks", {"url": URL}, format="json").status_code == 403
    assert anon_client.get("/v1/webhooks").status_code == 401
    assert not WebhookEndpoint.objects.exists()


def test_owner_by_jwt_can_manage(owner_client):
    assert owner_client.post("/v1/webhooks", {"url": URL}, format="json").status_code == 201


def test_delivery_log_is_paginated_newest_first(
    client_a, org_a, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(client_a, URL)
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=False):  # logged, not sent
        for _ in range(3):
            emit_document_event(
                document_id=make_document(extraction).pk, event="document.completed"
            )
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    seen: list[str] = []
    page = client_a.get(f"/v1/webhooks/{endpoint['id']}/deliveries", {"limit": 3}).json()
    seen += [d["id"] for d in page["data"]]
    assert page["next_cursor"]
    page = client_a.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries", {"limit": 3, "cursor": page["next_cursor"]}
    ).json()
    seen += [d["id"] for d in page["data"]]
    assert page["next_cursor"] is None
    expected = list(
        WebhookDelivery.objects.order_by("-created_at", "-id").values_list("public_id", flat=True)
    )
    assert seen == expected and len(seen) == 4
    only = client_a.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries", {"event": "extraction.completed"}
    ).json()["data"]
    assert [d["event"] for d in only] == ["extraction.completed"]
    assert only[0]["status"] == "pending" and only[0]["attempts"] == []


def test_outsider_gets_404_on_everything_and_nothing_changes(
    client_a, client_b, org_a, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(client_a, URL)
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=False):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    delivery = WebhookDelivery.objects.get()
    before = WebhookEndpoint.objects.values().get()
    wid, did = endpoint["id"], delivery.public_id
    calls = [
        client_b.get(f"/v1/webhooks/{wid}"),
        client_b.patch(f"/v1/webhooks/{wid}", {"url": "https://x.example.com/"}, format="json"),
        client_b.delete(f"/v1/webhooks/{wid}"),
        client_b.post(f"/v1/webhooks/{wid}/rotate-secret"),
        client_b.get(f"/v1/webhooks/{wid}/deliveries"),
        client_b.post(f"/v1/webhooks/{wid}/deliveries/{did}/resend"),
    ]
    for response in calls:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "WEBHOOK_NOT_FOUND"
    resend_any = client_b.post(f"/v1/webhooks/deliveries/{did}/resend")
    assert resend_any.status_code == 404
    assert resend_any.json()["error"]["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"
    assert client_b.get("/v1/webhooks").json()["data"] == []
    assert client_b.get("/v1/webhooks/deliveries").json()["data"] == []
    assert WebhookEndpoint.objects.values().get() == before
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempt_count == 0
    # Each organization has its own URL signing secret.
    secret_a = client_a.get("/v1/webhooks/signing-secret").json()["secret"]
    secret_b = client_b.get("/v1/webhooks/signing-secret").json()["secret"]
    assert secret_a != secret_b


def test_delivery_of_another_endpoint_is_not_found_under_this_one(
    client_a, org_a, django_capture_on_commit_callbacks
):
    first = create_endpoint(client_a, URL)
    second = create_endpoint(client_a, URL + "/two", events=["document.failed"])
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=False):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    delivery = WebhookDelivery.objects.get()  # only the first endpoint wants this event
    response = client_a.post(f"/v1/webhooks/{second['id']}/deliveries/{delivery.public_id}/resend")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"
    assert first["id"] != second["id"]
