"""The SSRF guard, in production mode (PP_WEBHOOK_ALLOW_PRIVATE_TARGETS=False).

Hostnames other than localhost need DNS we cannot configure here, so those tests replace the
resolver function (``ssrf.resolve_host``) with a table (the ``dns`` fixture of
tests/conftest.py): the guard's own logic is what runs.
"""

from __future__ import annotations

import pytest

from extractions.models import WebhookDelivery, WebhookEndpoint
from extractions.webhooks import services, ssrf
from extractions.webhooks.dispatch import emit_extraction_event
from tests.webhooks.helpers import make_extraction

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/",
        "http://10.0.0.5/",
        "http://10.255.255.255/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[ff02::1]/",
        "http://localhost/",
        "http://localhost:8000/",
        "http://2130706433/",  # 127.0.0.1 as one integer (resolved by the system)
        # Issue #19 item 5: IPv6 forms of other addresses, which Python calls "global".
        "http://[::127.0.0.1]/",  # IPv4-compatible (::/96): loopback on a dual-stack host
        "http://[::10.0.0.1]/",
        "http://[::8.8.8.8]/",  # ::/96 is deprecated: refused whatever it embeds
        "http://[::ffff:8.8.8.8]/",  # IPv4-mapped: refused whatever it embeds
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated (SIIT) 127.0.0.1
        "http://[64:ff9b::808:808]/",  # NAT64 well-known prefix
        "http://[64:ff9b:1::a00:1]/",  # NAT64 local-use prefix
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
        "http://[fec0::1]/",  # site-local
    ],
)
def test_private_and_reserved_targets_are_refused(production, url):
    with pytest.raises(ssrf.UnsafeWebhookTarget):
        ssrf.check_url(url)


def test_public_address_is_accepted(production):
    target = ssrf.check_url("https://8.8.8.8:8443/x?y=1")
    assert target.addresses == ("8.8.8.8",)
    assert (target.scheme, target.port, target.path) == ("https", 8443, "/x?y=1")
    # Global IPv6, and 6to4 of a global IPv4 address, are ordinary public addresses.
    for url in ("http://[2606:4700:4700::1111]/", "http://[2002:808:808::1]/"):
        assert ssrf.check_url(url).addresses


@pytest.mark.parametrize("address", ["::127.0.0.1", "::ffff:0:a00:1", "fec0::8", "2001::1"])
def test_every_entry_point_and_the_delivery_refuse_non_global_ipv6(
    production,
    client_a,
    parser_a,
    org_a,
    dns,
    receiver,
    address,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    """One vetting function: creating an endpoint, changing its URL, an extraction's own
    webhook_url, and the send itself (the name resolved to a public address when saved)."""
    from tests.extractions.helpers import pdf_upload

    dns["bad.example.org"] = [address]
    dns["rebind.example.org"] = ["93.184.215.14"]
    url = f"http://[{address}]/hook"
    for sent in (url, "http://bad.example.org/hook"):
        created = client_a.post("/v1/webhooks", {"url": sent}, format="json")
        assert created.status_code == 400, created.content
        assert created.json()["error"]["code"] == "INVALID_WEBHOOK_URL"
        submitted = client_a.post(
            "/v1/extractions",
            {"parser_id": parser_a.public_id, "files": [pdf_upload()], "webhook_url": sent},
            format="multipart",
        )
        assert submitted.status_code == 400, submitted.content
        assert submitted.json()["error"]["code"] == "INVALID_WEBHOOK_URL"
        assert "webhook_url" in submitted.json()["error"]["details"]["fields"]

    endpoint = client_a.post(
        "/v1/webhooks", {"url": f"http://rebind.example.org:{receiver.port}/hook"}, format="json"
    ).json()
    changed = client_a.patch(f"/v1/webhooks/{endpoint['id']}", {"url": url}, format="json")
    assert changed.status_code == 400
    assert changed.json()["error"]["code"] == "INVALID_WEBHOOK_URL"

    dns["rebind.example.org"] = [address]  # the name now points at an internal form
    with django_capture_on_commit_callbacks(execute=True):
        emit_extraction_event(
            extraction_id=make_extraction(org_a.organization).pk, event="extraction.completed"
        )
    assert receiver.requests == []
    assert "private or reserved" in WebhookDelivery.objects.get().last_error


def test_unresolvable_hosts_are_refused_at_every_entry_point(client_a, parser_a, dns):
    """Even in development mode (private targets allowed), a name must resolve."""
    from tests.extractions.helpers import pdf_upload

    url = "https://hooks.nowhere.invalid/hook"
    created = client_a.post("/v1/webhooks", {"url": url}, format="json")
    assert created.status_code == 400
    assert "could not be resolved" in created.json()["error"]["message"]
    submitted = client_a.post(
        "/v1/extractions",
        {"parser_id": parser_a.public_id, "files": [pdf_upload()], "webhook_url": url},
        format="multipart",
    )
    assert submitted.status_code == 400
    assert submitted.json()["error"]["code"] == "INVALID_WEBHOOK_URL"
    assert "could not be resolved" in submitted.json()["error"]["message"]


def test_hostname_resolving_to_private_addresses_is_refused(production, dns):
    dns["internal.example.org"] = ["10.1.2.3"]
    dns["mixed.example.org"] = ["93.184.215.14", "127.0.0.1"]
    dns["metadata.example.org"] = ["169.254.169.254"]
    dns["v6.example.org"] = ["::1"]
    dns["fine.example.org"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    for host in ("internal", "mixed", "metadata", "v6"):
        with pytest.raises(ssrf.UnsafeWebhookTarget):
            ssrf.check_url(f"https://{host}.example.org/hook")
    assert ssrf.check_url("https://fine.example.org/hook").host == "fine.example.org"


def test_api_refuses_private_endpoint_urls(production, client_a):
    for url in ("http://127.0.0.1:9000/hook", "http://10.0.0.8/hook", "http://[::1]/"):
        response = client_a.post("/v1/webhooks", {"url": url}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "INVALID_WEBHOOK_URL"
    assert not WebhookEndpoint.objects.exists()


def test_allowed_in_development_mode(settings):
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert ssrf.check_url("http://127.0.0.1:9000/").addresses == ("127.0.0.1",)


def test_checked_again_at_send_time(
    client_a, org_a, receiver, settings, eager_celery, django_capture_on_commit_callbacks
):
    """Saved while allowed, sent in production mode: refused, the receiver sees nothing."""
    services.create_endpoint(organization=org_a.organization, url=receiver.url())
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=True):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.last_error.startswith("Refused:")


def test_dns_rebinding_between_save_and_send_is_refused(
    org_a, receiver, settings, dns, eager_celery, django_capture_on_commit_callbacks
):
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    dns["rebind.example.org"] = ["93.184.215.14"]
    url = f"http://rebind.example.org:{receiver.port}/hook"
    services.create_endpoint(organization=org_a.organization, url=url)
    dns["rebind.example.org"] = ["127.0.0.1"]  # now points at our own machine
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=True):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    assert receiver.requests == []
    assert "private or reserved" in WebhookDelivery.objects.get().last_error


def test_connection_goes_to_the_checked_address_with_the_original_host(
    org_a, receiver, dns, eager_celery, django_capture_on_commit_callbacks
):
    """The request is sent to the address that was vetted, never re-resolved by the client."""
    dns["hooks.customer.example"] = ["127.0.0.1"]
    url = f"http://hooks.customer.example:{receiver.port}/hook"
    services.create_endpoint(organization=org_a.organization, url=url)
    extraction = make_extraction(org_a.organization)
    with django_capture_on_commit_callbacks(execute=True):
        emit_extraction_event(extraction_id=extraction.pk, event="extraction.completed")
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.customer.example:{receiver.port}"
