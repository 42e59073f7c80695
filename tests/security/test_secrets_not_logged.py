"""API keys, JWTs, passwords and webhook secrets never reach the logs.

Every log record of every logger (DEBUG and up), and everything written to stdout/stderr, is
captured during a full flow: sign-in (a wrong password, then the right one), API key creation,
a webhook endpoint with a custom Authorization header, a submission run inline to completion,
webhook deliveries that fail (500) and are retried, refused requests with a revoked key and a
bad JWT, Stripe checkout against the local Stripe stand-in and its webhook (a forged signature,
then a valid one). Then none of the secrets may appear anywhere in what was captured.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import revoke_api_key
from billing.models import Payment
from docgen import SIMPLE_INVOICE_SCHEMA, simple_invoice_pdf
from extractions.webhooks.tasks import deliver_due_webhooks
from parsers.services import create_parser
from tests.billing.conftest import SECRET_KEY, WEBHOOK_SECRET, post_event
from tests.billing.stripe_fakes import checkout_session, make_event
from tests.conftest import PASSWORD, api_client_for_key
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("factory"):
            return  # factory_boy, building the test's users, is not the application
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {record.levelname} {text} {record.__dict__!r}")


@pytest.fixture
def all_logs() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Loggers configured with their own level still propagate what they emit; lower them too.
    lowered = []
    for name in ("django", "django.request", "django.server", "axes", "celery", "extractions"):
        logger = logging.getLogger(name)
        lowered.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for logger, level in lowered:
            logger.setLevel(level)


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.PP_WEBHOOK_RETRY_BASE_SECONDS = 0
    server = Receiver().start()
    yield server
    server.stop()


def test_no_secret_reaches_the_logs(
    all_logs, capfd, org_a, receiver, eager_celery, stripe_on, pack, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    secrets = {"api key": org_a.api_key_secret, "password": PASSWORD}
    anon = APIClient()

    # Sign in: a wrong password, then the right one (a JWT pair comes back).
    anon.post(
        "/v1/auth/token", {"email": org_a.owner.email, "password": "hunter2-wrong"}, format="json"
    )
    secrets["wrong password"] = "hunter2-wrong"
    tokens = anon.post(
        "/v1/auth/token", {"email": org_a.owner.email, "password": PASSWORD}, format="json"
    ).json()
    secrets["access token"] = tokens["access"]
    secrets["refresh token"] = tokens["refresh"]
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    # A second API key, later revoked and used anyway.
    created = owner.post("/v1/api-keys", {"name": "ci"}, format="json").json()
    secrets["new api key"] = created["secret"]
    key = api_client_for_key(created["secret"])
    assert key.get("/v1/credits").status_code == 200

    # A webhook endpoint (secret shown once) sending a custom Authorization header.
    endpoint = owner.post(
        "/v1/webhooks",
        {"url": receiver.url(), "headers": {"Authorization": "Bearer customer-own-token-123"}},
        format="json",
    ).json()
    secrets["webhook secret"] = endpoint["secret"]
    secrets["custom header"] = "customer-own-token-123"
    secrets["url signing secret"] = owner.get("/v1/webhooks/signing-secret").json()["secret"]

    # A submission run inline; its first webhook attempts fail, the sweep retries them.
    receiver.respond_with(500, 500, 500)
    parser = create_parser(
        organization=org_a.organization, name="Inv", schema=SIMPLE_INVOICE_SCHEMA
    )
    response = key.post(
        "/v1/extractions",
        {
            "parser_id": parser.public_id,
            "files": [SimpleUploadedFile("i.pdf", simple_invoice_pdf(), "application/pdf")],
            "webhook_url": receiver.url("/per-extraction"),
        },
        format="multipart",
    )
    assert response.status_code == 202
    deliver_due_webhooks()
    assert len(receiver.requests) >= 3

    # Refused requests with secrets in them.
    revoke_api_key(api_key=org_a.api_key.__class__.objects.get(public_id=created["id"]))
    assert key.get("/v1/credits").status_code == 401
    tampered = APIClient()
    tampered.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access'][:-4]}AAAA")
    assert tampered.get("/v1/credits").status_code == 401

    # Stripe: checkout against the stand-in, a forged webhook, then a valid one.
    checkout = owner.post("/v1/billing/checkout", {"pack_id": pack.public_id}, format="json")
    assert checkout.status_code == 201, checkout.content
    payment = Payment.objects.get()
    event = make_event(
        "checkout.session.completed",
        checkout_session(
            session_id=payment.stripe_checkout_session_id,
            organization_id=org_a.organization.public_id,
            pack_id=pack.public_id,
            payment_id=payment.public_id,
        ),
    )
    assert post_event(None, event, secret="whsec_forged_" + "f" * 24).status_code == 400
    assert post_event(None, event).status_code == 200
    secrets["stripe webhook secret"] = WEBHOOK_SECRET
    secrets["stripe secret key"] = SECRET_KEY

    captured = capfd.readouterr()
    haystack = "\n".join([*all_logs.lines, captured.out, captured.err])
    assert len(all_logs.lines) > 20, "the flow logged next to nothing: is capture working?"
    leaked = [name for name, value in secrets.items() if value and value in haystack]
    where = [
        line[:600] for line in haystack.splitlines() if any(secrets[n] in line for n in leaked)
    ]
    assert not leaked, f"secrets found in the logs: {leaked}: {where[:3]}"
