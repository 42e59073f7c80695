"""Sign-up, log in/out, password reset, organization switcher, members and API keys."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import APIKey, Invitation, Membership, Role, User
from accounts.services import add_member, create_organization
from tests.conftest import PASSWORD, api_client_for_key
from tests.dashboard.conftest import web_client_for

pytestmark = pytest.mark.django_db


# --- Sign up / log in ------------------------------------------------------------------------


# Sign-up itself (verification, credits, not telling who has an account):
# tests/accounts/test_signup_verification.py


def test_login_logout_and_pages_need_login(client: Client, org_a) -> None:
    anonymous = client.get(reverse("web:members"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    bad = client.post(reverse("web:login"), {"email": org_a.owner.email, "password": "wrong"})
    assert bad.status_code == 200 and b"Wrong email or password" in bad.content
    good = client.post(reverse("web:login"), {"email": org_a.owner.email, "password": PASSWORD})
    assert good.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    client.post(reverse("web:logout"))
    assert client.get(reverse("web:home")).status_code == 302


def test_password_reset_by_email(client: Client, org_a) -> None:
    response = client.post(reverse("web:password_reset"), {"email": org_a.member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and b"Choose a new password" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "another-long-pw-9", "new_password2": "another-long-pw-9"}
    )
    assert done.status_code == 302
    org_a.member.refresh_from_db()
    assert org_a.member.check_password("another-long-pw-9")


# --- Organization switcher ---------------------------------------------------------------------


def test_switching_organization_changes_every_page(org_a, org_b) -> None:
    second = create_organization(name="Second Org", owner=org_a.member)
    client = web_client_for(org_a.member, org_a.organization)
    assert b"Org A" in client.get(reverse("web:home")).content
    response = client.post(reverse("web:switch-org"), {"organization": second.public_id})
    assert response.status_code == 302
    page = client.get(reverse("web:members"))
    assert b"Second Org" in page.content
    # Someone else's organization is not a choice.
    assert (
        client.post(
            reverse("web:switch-org"), {"organization": org_b.organization.public_id}
        ).status_code
        == 404
    )
    assert b"Second Org" in client.get(reverse("web:members")).content


def test_session_organization_is_revalidated_each_request(org_a) -> None:
    second = create_organization(name="Second Org", owner=org_a.owner)
    add_member(organization=second, user=org_a.member, role=Role.MEMBER)
    client = web_client_for(org_a.member, second)
    assert b"Second Org" in client.get(reverse("web:home")).content
    Membership.objects.filter(user=org_a.member, organization=second).delete()
    page = client.get(reverse("web:home"))
    assert b"Second Org" not in page.content and b"Org A" in page.content


def test_user_without_organization_is_asked_to_create_one(db) -> None:
    user = User.objects.create_user(email="alone@example.com", password=PASSWORD)
    client = web_client_for(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("web:no-organization")
    client.post(reverse("web:no-organization"), {"name": "Mine"})
    assert Membership.objects.get(user=user).role == Role.OWNER


# --- Members and invitations ----------------------------------------------------------------


def test_invite_accept_as_new_user(owner_web, org_a) -> None:
    response = owner_web.post(reverse("web:members"), {"email": "New@Example.com", "role": "admin"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=org_a.organization)
    assert invitation.email == "new@example.com" and invitation.role == Role.ADMIN
    assert len(mail.outbox) == 1 and "Org A" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    guest = Client()
    page = guest.get(link)
    assert page.status_code == 200 and b"Join Org A" in page.content
    joined = guest.post(link, {"password": "fresh-password-77"})
    assert joined.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert Membership.objects.get(user=user, organization=org_a.organization).role == Role.ADMIN
    # Used once.
    assert Client().get(link).status_code == 404


def test_invite_existing_user_logs_in_then_accepts(owner_web, org_a, org_b) -> None:
    owner_web.post(reverse("web:members"), {"email": org_b.member.email, "role": "member"})
    link = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    other = web_client_for(org_b.member)
    assert other.post(link).status_code == 302
    assert Membership.objects.filter(user=org_b.member, organization=org_a.organization).exists()
    # A different signed-in person cannot use someone else's invitation.
    owner_web.post(reverse("web:members"), {"email": "someone@example.com", "role": "member"})
    link2 = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[1].body).group(1)
    response = web_client_for(org_b.owner).post(link2)
    assert response.status_code == 400
    assert not Membership.objects.filter(user=org_b.owner, organization=org_a.organization).exists()


def test_members_cannot_manage_and_admins_cannot_grant_owner(member_web, admin_web, org_a) -> None:
    assert member_web.get(reverse("web:members")).status_code == 200
    assert (
        member_web.post(
            reverse("web:members"), {"email": "x@example.com", "role": "member"}
        ).status_code
        == 403
    )
    membership = Membership.objects.get(user=org_a.member, organization=org_a.organization)
    assert (
        member_web.post(
            reverse("web:member-role", args=[membership.pk]), {"role": "admin"}
        ).status_code
        == 403
    )
    admin_web.post(reverse("web:member-role", args=[membership.pk]), {"role": "owner"})
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    admin_web.post(reverse("web:member-role", args=[membership.pk]), {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    owner = Membership.objects.get(user=org_a.owner, organization=org_a.organization)
    admin_web.post(reverse("web:member-remove", args=[owner.pk]))
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert Invitation.objects.count() == 0


def test_last_owner_cannot_leave_and_outsiders_get_404(owner_web, outsider_web, org_a) -> None:
    owner = Membership.objects.get(user=org_a.owner, organization=org_a.organization)
    owner_web.post(reverse("web:member-role", args=[owner.pk]), {"role": "member"})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    member = Membership.objects.get(user=org_a.member, organization=org_a.organization)
    assert outsider_web.post(reverse("web:member-remove", args=[member.pk])).status_code == 404
    assert (
        outsider_web.post(
            reverse("web:member-role", args=[member.pk]), {"role": "admin"}
        ).status_code
        == 404
    )
    owner_web.post(reverse("web:member-remove", args=[member.pk]))
    assert not Membership.objects.filter(pk=member.pk).exists()


# --- API keys ----------------------------------------------------------------------------------


def test_api_key_secret_shown_once_works_and_revokes(owner_web, org_a) -> None:
    response = owner_web.post(reverse("web:api-keys"), {"name": "CI", "scope": "admin"})
    assert response.status_code == 200
    secret = (
        re.search(rb'data-testid="new-key-secret">(pp_live_[^<]+)<', response.content)
        .group(1)
        .decode()
    )
    key = APIKey.objects.get(organization=org_a.organization, name="CI")
    assert key.prefix == secret[: len(key.prefix)]
    listing = owner_web.get(reverse("web:api-keys"))
    assert secret.encode() not in listing.content and key.prefix.encode() in listing.content
    api = api_client_for_key(secret)
    assert api.get("/v1/api-keys").status_code == 200
    row = owner_web.get(reverse("web:api-keys")).content.split(b"CI</strong>")[1]
    last_used = re.search(rb'data-testid="key-last-used">([^<]*)<', row).group(1)
    assert b"never" not in last_used and b"ago" in last_used
    owner_web.post(reverse("web:api-key-revoke", args=[key.public_id]))
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get("/v1/api-keys").status_code == 401


def test_api_keys_are_for_managers_and_tenant_scoped(member_web, outsider_web, org_a) -> None:
    assert member_web.get(reverse("web:api-keys")).status_code == 403
    assert (
        outsider_web.post(reverse("web:api-key-revoke", args=[org_a.api_key.public_id])).status_code
        == 404
    )
    org_a.api_key.refresh_from_db()
    assert org_a.api_key.revoked_at is None


def test_organization_settings_threshold(owner_web, member_web, org_a) -> None:
    assert member_web.get(reverse("web:organization-settings")).status_code == 403
    owner_web.post(
        reverse("web:organization-settings"),
        {"name": "Org A2", "review_confidence_threshold": "0.6"},
    )
    org_a.organization.refresh_from_db()
    assert org_a.organization.name == "Org A2"
    assert org_a.organization.review_confidence_threshold == pytest.approx(0.6)
    bad = owner_web.post(
        reverse("web:organization-settings"),
        {"name": "Org A2", "review_confidence_threshold": "1.5"},
    )
    assert bad.status_code == 200
    org_a.organization.refresh_from_db()
    assert org_a.organization.review_confidence_threshold == pytest.approx(0.6)


def test_pages_send_security_headers(owner_web) -> None:
    response = owner_web.get(reverse("web:home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert b"<script>" not in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_forms_are_csrf_protected(org_a) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_a.owner)
    assert client.post(reverse("web:api-keys"), {"name": "x"}).status_code == 403
    assert not APIKey.objects.filter(name="x").exists()
