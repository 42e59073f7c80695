"""Billing (balance, packs and Stripe Checkout through billing's service, payments, ledger) and
usage pages. Stripe's API is not reachable here: checkout goes to tests/billing's local
stand-in of the Checkout Session endpoint."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import CreditPack, Payment
from billing.services import charge_credits
from docgen import LINE_ITEM_INVOICE_SCHEMA
from extractions.models import Document, Extraction
from parsers.services import create_parser
from tests.billing.conftest import fake_stripe, stripe_off, stripe_on  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(db) -> CreditPack:
    return CreditPack.objects.create(name="Starter", credits=500, price_cents=1000, currency="usd")


def test_billing_page_shows_balance_and_ledger(member_web, org_a) -> None:
    charge_credits(organization=org_a.organization, credits=7, reason="7 credits for 1 document(s)")
    page = member_web.get(reverse("web:billing"))
    html = page.content.decode()
    assert re.search(r'data-testid="billing-balance">993<', html)
    assert "Opening balance" in html and "7 credits for 1 document(s)" in html
    assert re.search(r'data-testid="ledger-delta">-7<', html)
    assert re.search(r'data-testid="ledger-delta">\+1,000<', html)


def test_without_stripe_keys_billing_says_it_is_not_available(owner_web, pack, stripe_off) -> None:  # noqa: F811
    """Customers are told what it means for them; the operator's variable names (which the
    page used to show everyone) are for staff only."""
    html = owner_web.get(reverse("web:billing")).content.decode()
    assert "Online payments are not available yet" in html and "Starter" in html
    assert "STRIPE_" not in html
    assert re.search(r"<button[^>]*disabled>Buy with Stripe", html)
    response = owner_web.post(reverse("web:checkout"), {"pack_id": pack.public_id}, follow=True)
    assert b"not available" in response.content and b"STRIPE_" not in response.content
    assert not Payment.objects.exists()


def test_staff_see_which_settings_billing_needs(org_a, pack, stripe_off) -> None:  # noqa: F811
    from tests.dashboard.conftest import web_client_for

    org_a.owner.is_staff = True
    org_a.owner.save(update_fields=["is_staff"])
    page = web_client_for(org_a.owner, org_a.organization).get(reverse("web:billing"))
    hint = re.search(r'data-testid="operator-hint">(.*?)</span>', page.content.decode()).group(1)
    assert "STRIPE_SECRET_KEY" in hint and "STRIPE_WEBHOOK_SECRET" in hint


def test_owner_buys_a_pack_through_stripe_checkout(owner_web, org_a, pack, stripe_on) -> None:  # noqa: F811
    response = owner_web.post(reverse("web:checkout"), {"pack_id": pack.public_id})
    assert response.status_code == 302
    payment = Payment.objects.get(organization=org_a.organization)
    assert payment.status == "pending" and payment.credits == 500
    assert payment.stripe_checkout_session_id
    assert response["Location"].startswith("https://checkout.stripe.com/")
    assert response["Location"].endswith(payment.stripe_checkout_session_id)
    sent = stripe_on.checkout_requests()[-1]
    assert sent.form["client_reference_id"] == org_a.organization.public_id
    back = owner_web.get(
        reverse("web:billing"), {"checkout": "success", "payment": payment.public_id}
    )
    html = back.content.decode()
    assert "being confirmed" in html and payment.public_id in html


def test_members_see_no_buy_button_and_cannot_check_out(member_web, pack, stripe_on) -> None:  # noqa: F811
    html = member_web.get(reverse("web:billing")).content.decode()
    assert "Buy with Stripe" not in html and "payments-table" not in html
    assert member_web.post(reverse("web:checkout"), {"pack_id": pack.public_id}).status_code == 403
    assert not Payment.objects.exists()


def test_unknown_pack_is_an_error_message(owner_web, stripe_on) -> None:  # noqa: F811
    response = owner_web.post(reverse("web:checkout"), {"pack_id": "pack_nope"}, follow=True)
    assert b"not found" in response.content
    assert not Payment.objects.exists()


def test_usage_chart_per_day_and_per_parser(member_web, org_a) -> None:
    parser = create_parser(
        organization=org_a.organization, name="Invoices", schema=LINE_ITEM_INVOICE_SCHEMA
    )
    extraction = Extraction.objects.create(
        organization=org_a.organization, parser=parser, parser_version=parser.current_version
    )

    def doc(pages: int, days_ago: int, status: str = "completed") -> None:
        d = Document.objects.create(
            organization=org_a.organization,
            extraction=extraction,
            parser_version=parser.current_version,
            filename="x.pdf",
            page_count=pages,
            status=status,
        )
        Document.objects.filter(pk=d.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )

    doc(3, 0)
    doc(4, 2)
    doc(5, 2, status="failed")
    doc(9, 2, status="cancelled")  # refunded before it ran: not usage
    doc(50, 45)  # older than 30 days
    html = member_web.get(reverse("web:usage")).content.decode()
    assert re.search(r'data-testid="usage-pages">12<', html)
    bars = [int(v) for v in re.findall(r'<rect class="bar"[^>]*data-pages="(\d+)"', html)]
    assert len(bars) == 30 and bars[-1] == 3 and bars[-3] == 9 and sum(bars) == 12
    assert "Invoices" in html


def test_usage_empty_state(member_web) -> None:
    html = member_web.get(reverse("web:usage")).content.decode()
    assert "No page extracted in the last 30 days" in html
