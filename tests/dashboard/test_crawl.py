"""Every dashboard URL, found in the URL conf, for an organization in daily use.

Org A has parsers (configured and not), a classifier, extractions in every state a customer
meets (completed, reviewed, failed, cancelled, one routed by a classifier), members with a
pending invitation, API keys (one revoked), a Stripe payment and a ledger. The crawl walks the
``web:`` routes of the URL conf (a new page is crawled without touching this file) and fills
each path parameter with every org A object of that kind. Expectations come from the views
themselves: ``org_view`` marks who may open a page (any member, or owners and admins), and a
GET answered 405 marks a form action (its ``Allow`` header says which method it takes).

- the owner: every page answers 200 (the review page of a failed or cancelled document answers
  its 409 "not ready" page); actions answer 405 to a GET;
- a member: 403 on owner/admin pages and actions, 200 elsewhere;
- the owner of org B: 404 for every URL naming an org A object, GET or action; lists show org
  B's own data, none of org A's ids;
- nobody signed in: every dashboard URL sends to the login page; public pages (sign-in,
  sign-up, password reset, invitation) answer 200 (or send to the login page).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import onboarding
from accounts.models import Membership
from accounts.services import create_api_key, revoke_api_key
from billing.models import CreditPack, Payment
from billing.services import topup_credits
from docgen import LINE_ITEM_INVOICE_SCHEMA as INVOICE_SCHEMA
from docgen import line_item_invoice_pdf as invoice_pdf
from extractions.models import Document, DocumentStatus, Extraction
from extractions.services import cancel_extraction, review_document
from extractions.services.lifecycle import fail_document
from parsers.services import LabelSpec, create_classifier, create_parser
from tests.conftest import api_client_for_key
from tests.dashboard.conftest import web_client_for
from tests.worker import worker_queue  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # e.g. "parsers/<str:parser_id>/"
    view: object

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.template)

    @property
    def access(self) -> str | None:
        """Who may open it: "member" or "manage" (org_view pages), None for public pages."""
        return getattr(self.view, "tenant_access", None)


def dashboard_routes() -> Iterator[Route]:
    def walk(patterns, prefix: str, namespace: str | None) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern) and namespace == "web":
                yield Route(pattern.name, prefix + str(pattern.pattern), pattern.callback)

    yield from walk(get_resolver().url_patterns, "", None)


def urls_of(route: Route, values: dict[str, list[str]], pairs: list[tuple[str, str]]) -> list:
    """Every URL of ``route`` filled with org A objects: (url, document or None)."""
    params = route.params
    if not params:
        return [("/" + route.template, None)]
    combos: list[dict[str, str]] = []
    if "document_id" in params:
        for extraction_id, document_id in pairs:
            combos.append({"extraction_id": extraction_id, "document_id": document_id})
    others = [p for p in params if p not in ("extraction_id", "document_id")]
    if not combos:
        combos = [{}]
        if "extraction_id" in params:
            combos = [{"extraction_id": e} for e in values["extraction_id"]]
    for name in others:
        assert name in values, f"{route.template}: no org A object for <{name}>; add one"
        combos = [{**c, name: v} for c, v in itertools.product(combos, values[name])]
    out = []
    for combo in combos:
        url = "/" + _PARAM.sub(lambda m, c=combo: c[m.group(1)], route.template)
        out.append((url, combo.get("document_id")))
    return out


@pytest.fixture
def populated(org_a, org_b, worker_queue, settings):  # noqa: F811
    """Org A as it looks after some weeks of use. Documents run in this process (eager)
    where they must complete; the others stay queued on a queue nobody consumes until a
    service fails or cancels them."""
    from config.celery import app

    organization = org_a.organization
    invoices = create_parser(organization=organization, name="Invoices", schema=INVOICE_SCHEMA)
    draft = create_parser(organization=organization, name="Draft, no schema yet")
    router = create_classifier(
        organization=organization,
        name="Router",
        labels=[LabelSpec(name="invoice", description="Invoices", parser_id=invoices.public_id)],
    )
    api = api_client_for_key(org_a.api_key_secret)

    def submit(target: dict[str, str], *, run: bool) -> Extraction:
        app.conf.task_always_eager = run
        try:
            response = api.post(
                "/v1/extractions",
                {**target, "files": [_pdf("invoice.pdf")]},
                format="multipart",
            )
        finally:
            app.conf.task_always_eager = False
        assert response.status_code == 202, response.content
        return Extraction.objects.get(public_id=response.json()["extraction"]["extraction_id"])

    by_parser = {"parser_id": invoices.public_id}
    completed = submit(by_parser, run=True)
    reviewed = submit(by_parser, run=True)
    failed = submit(by_parser, run=False)
    cancelled = submit(by_parser, run=False)
    routed = submit({"classifier_id": router.public_id}, run=True)
    for extraction in (completed, reviewed, routed):
        assert extraction.documents.get().status == DocumentStatus.COMPLETED
    review_document(
        document=reviewed.documents.get(), output={"invoice_number": "INV-X"}, user=org_a.owner
    )
    fail_document(
        document=failed.documents.get(), code="extraction_failed", message="Unreadable page."
    )
    cancel_extraction(extraction=cancelled)

    invitation = onboarding.invite_member(
        organization=organization,
        email="newcomer@example.com",
        role="member",
        invited_by=org_a.owner,
        actor_role="owner",
    )
    revoked = create_api_key(organization=organization, name="Old key", created_by=org_a.owner)
    revoke_api_key(api_key=revoked.api_key)
    pack = CreditPack.objects.create(name="Starter", credits=500, price_cents=1000)
    payment = Payment.objects.create(
        organization=organization,
        pack=pack,
        credits=500,
        amount_cents=1000,
        status=Payment.Status.PAID,
        stripe_checkout_session_id="cs_test_crawl",
    )
    topup_credits(
        organization=organization,
        credits=500,
        cause_key="stripe:cs_test_crawl",
        reason="Starter pack",
        payment=payment,
    )

    documents = list(Document.objects.for_org(organization).select_related("extraction"))
    return {
        "values": {
            "parser_id": [invoices.public_id, draft.public_id],
            "classifier_id": [router.public_id],
            "extraction_id": [
                e.public_id for e in (completed, reviewed, failed, cancelled, routed)
            ],
            "membership_id": [
                str(m.pk)
                for m in Membership.objects.filter(organization=organization).exclude(
                    user=org_a.owner
                )
            ],
            "invitation_id": [str(invitation.invitation.pk)],
            "key_id": [org_a.api_key.public_id, revoked.api_key.public_id],
            "page": ["1"],
            "token": [invitation.token],
            "uidb64": ["MQ"],
        },
        "pairs": [(d.extraction.public_id, d.public_id) for d in documents],
        "without_result": {
            d.public_id
            for d in documents
            if d.status in (DocumentStatus.FAILED, DocumentStatus.CANCELLED)
        },
        # What org B must never see on its own pages.
        "secrets": [
            invoices.public_id,
            router.public_id,
            payment.public_id,
            org_a.api_key.prefix,
            *(d.public_id for d in documents),
            *(d.extraction.public_id for d in documents),
        ],
    }


def _pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, invoice_pdf(), content_type="application/pdf")


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_every_dashboard_url_for_owner_member_outsider_and_anonymous(populated, org_a, org_b):
    owner = web_client_for(org_a.owner, org_a.organization)
    member = web_client_for(org_a.member, org_a.organization)
    outsider = web_client_for(org_b.owner, org_b.organization)
    anonymous = Client()
    failures: list[str] = []
    crawled = 0

    def expect(who: str, method: str, url: str, response, wanted: tuple[int, ...]) -> None:
        if response.status_code not in wanted:
            failures.append(f"{who} {method} {url}: {response.status_code}, wanted {wanted}")

    for route in dashboard_routes():
        for url, document_id in urls_of(route, populated["values"], populated["pairs"]):
            crawled += 1
            names_object = bool(route.params)
            if route.access is None:  # public pages: sign-in, sign-up, reset, invitation
                response = anonymous.get(url)
                if response.status_code == 405:
                    continue  # e.g. log out (POST)
                if response.status_code == 302:  # for signed-in people without an organization
                    assert response["Location"].startswith("/login/"), (url, response["Location"])
                    continue
                expect("anonymous", "GET", url, response, (200,))
                continue

            response = owner.get(url)
            if response.status_code == 405:  # a form action: exercise it with POST
                assert "POST" in response["Allow"], url
                if names_object:
                    expect("outsider", "POST", url, outsider.post(url), (404,))
                if route.access == "manage":
                    expect("member", "POST", url, member.post(url), (403,))
                expect("anonymous", "POST", url, anonymous.post(url), (302,))
                continue

            # A failed or cancelled document has no result to review: its review page says
            # so (409); its file, page images and downloads stay available.
            without_result = document_id in populated["without_result"]
            wanted = (409,) if without_result and route.name == "document-review" else (200,)
            expect("owner", "GET", url, response, wanted)
            if response.status_code >= 500:
                continue
            _body(response)

            expect(
                "member",
                "GET",
                url,
                member.get(url),
                (403,) if route.access == "manage" else wanted,
            )
            theirs = outsider.get(url)
            if names_object:
                expect("outsider", "GET", url, theirs, (404,))
            else:
                expect("outsider", "GET", url, theirs, (200,))
                body = _body(theirs).decode(errors="replace")
                leaked = [s for s in populated["secrets"] if s in body]
                if leaked:
                    failures.append(f"outsider GET {url}: shows org A's {leaked}")
            login = anonymous.get(url)
            expect("anonymous", "GET", url, login, (302,))
            if login.status_code == 302 and not login["Location"].startswith("/login/"):
                failures.append(f"anonymous GET {url}: sent to {login['Location']}")

    assert crawled > 40
    assert not failures, "\n".join(failures)


def test_the_overview_lists_recent_extractions_of_parsers_and_classifiers(populated, org_a):
    page = web_client_for(org_a.owner, org_a.organization).get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="row-link mono"') == 5
    assert "Invoices" in html and "Router" in html
