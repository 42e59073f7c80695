"""Support staff in the admin: organizations, credits, API keys, the ledger."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from accounts.models import APIKey, Organization
from accounts.services import create_api_key, create_organization
from billing.models import CreditLedgerEntry, CreditPack
from billing.services import get_balance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _orgs(n: int) -> list[Organization]:
    owner = UserFactory()
    return [create_organization(name=f"Bulk {i}", owner=owner, opening_credits=5) for i in range(n)]


def test_grant_credits_action_writes_one_entry_with_reason(support_client, support_user, org_a):
    url = "/admin/accounts/organization/"
    organization = org_a.organization
    before = get_balance(organization=organization)
    # First POST shows the form asking for the amount and a reason.
    form_page = support_client.post(
        url, {"action": "grant_credits_action", ACTION_CHECKBOX_NAME: [organization.pk]}
    )
    assert form_page.status_code == 200
    assert b"reason" in form_page.content
    response = support_client.post(
        url,
        {
            "action": "grant_credits_action",
            ACTION_CHECKBOX_NAME: [organization.pk],
            "apply": "1",
            "credits": "40",
            "reason": "Goodwill after outage #12",
        },
    )
    assert response.status_code == 302
    entry = CreditLedgerEntry.objects.filter(organization=organization).latest("id")
    assert (entry.kind, entry.delta, entry.reason, entry.staff_user) == (
        "grant",
        40,
        "Goodwill after outage #12",
        support_user,
    )
    assert get_balance(organization=organization) == before + 40
    assert CreditLedgerEntry.objects.filter(organization=organization, kind="grant").count() == 2


def test_grant_without_reason_writes_nothing(support_client, org_a):
    count = CreditLedgerEntry.objects.count()
    response = support_client.post(
        "/admin/accounts/organization/",
        {
            "action": "grant_credits_action",
            ACTION_CHECKBOX_NAME: [org_a.organization.pk],
            "apply": "1",
            "credits": "40",
            "reason": "",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert CreditLedgerEntry.objects.count() == count


def test_adjust_credits_cannot_go_below_zero(support_client, org_a):
    organization = org_a.organization
    balance = get_balance(organization=organization)
    support_client.post(
        "/admin/accounts/organization/",
        {
            "action": "adjust_credits_action",
            ACTION_CHECKBOX_NAME: [organization.pk],
            "apply": "1",
            "delta": str(-(balance + 1)),
            "reason": "Clawback",
        },
    )
    assert get_balance(organization=organization) == balance
    support_client.post(
        "/admin/accounts/organization/",
        {
            "action": "adjust_credits_action",
            ACTION_CHECKBOX_NAME: [organization.pk],
            "apply": "1",
            "delta": "-10",
            "reason": "Clawback",
        },
    )
    assert get_balance(organization=organization) == balance - 10
    assert CreditLedgerEntry.objects.filter(kind="adjustment").get().delta == -10


def test_search_organization_by_public_ids(support_client, org_a, org_b):
    from parsers.models import Parser

    parser = Parser.objects.create(organization=org_a.organization, name="Invoices")
    for term in (parser.public_id, org_a.member.email, org_a.api_key.public_id):
        response = support_client.get("/admin/accounts/organization/", {"q": term})
        assert response.status_code == 200
        assert org_a.organization.public_id.encode() in response.content
        assert org_b.organization.public_id.encode() not in response.content


def test_revoke_api_key_action_and_secret_never_shown(support_client, org_a):
    secret = org_a.api_key_secret
    page = support_client.get(f"/admin/accounts/apikey/{org_a.api_key.pk}/change/")
    assert page.status_code == 200
    assert secret.encode() not in page.content
    assert org_a.api_key.hashed_secret.encode() not in page.content
    support_client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", ACTION_CHECKBOX_NAME: [org_a.api_key.pk]},
    )
    assert APIKey.objects.get(pk=org_a.api_key.pk).revoked_at is not None


def test_ledger_is_read_only_for_everyone(superuser_client, org_a):
    entry = CreditLedgerEntry.objects.filter(organization=org_a.organization).first()
    assert superuser_client.get("/admin/billing/creditledgerentry/").status_code == 200
    assert (
        superuser_client.get(f"/admin/billing/creditledgerentry/{entry.pk}/delete/").status_code
        == 403
    )
    response = superuser_client.post(
        f"/admin/billing/creditledgerentry/{entry.pk}/change/", {"delta": "99999"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.delta != 99999


def test_credit_packs_editable_by_superusers_only(support_client, superuser_client):
    pack = CreditPack.objects.create(name="Small", credits=100, price_cents=1000)
    assert (
        support_client.post(
            f"/admin/billing/creditpack/{pack.pk}/change/",
            {
                "name": "Cheap",
                "credits": 100000,
                "price_cents": 1,
                "currency": "usd",
                "position": 0,
            },
        ).status_code
        == 403
    )
    assert superuser_client.get(f"/admin/billing/creditpack/{pack.pk}/change/").status_code == 200


def test_non_staff_user_is_denied(org_a):
    client = Client()
    client.force_login(org_a.owner)
    response = client.get("/admin/accounts/organization/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_support_group_cannot_run_actions(org_a):
    staff = UserFactory(email="intern@perfectparser.test", is_staff=True)
    client = Client()
    client.force_login(staff)
    client.post(
        "/admin/accounts/organization/",
        {
            "action": "grant_credits_action",
            ACTION_CHECKBOX_NAME: [org_a.organization.pk],
            "apply": "1",
            "credits": "40",
            "reason": "x",
        },
    )
    assert not CreditLedgerEntry.objects.filter(reason="x").exists()


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/admin/accounts/organization/", 12),
        ("/admin/accounts/apikey/", 12),
        ("/admin/billing/creditledgerentry/", 12),
        ("/admin/billing/creditaccount/", 12),
    ],
)
def test_changelists_with_50_rows_have_pinned_query_counts(
    support_client, django_assert_max_num_queries, url, max_queries
):
    organizations = _orgs(50)
    for organization in organizations:
        create_api_key(organization=organization, name="k")
    support_client.get(url)  # warm per-session caches (content types, permissions)
    with django_assert_max_num_queries(max_queries):
        response = support_client.get(url)
    assert response.status_code == 200
