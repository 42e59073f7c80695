from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role
from accounts.services import add_member
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_obtain_and_use_token(org_a):
    client = APIClient()
    response = client.post(
        "/v1/auth/token", {"email": org_a.owner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["organization"] == org_a.organization.public_id
    assert AccessToken(body["access"])["org"] == org_a.organization.public_id
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert client.get("/v1/api-keys").status_code == 200


def test_refresh_keeps_organization(org_a):
    client = APIClient()
    pair = client.post(
        "/v1/auth/token", {"email": org_a.owner.email, "password": PASSWORD}, format="json"
    ).json()
    refreshed = client.post("/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert AccessToken(refreshed.json()["access"])["org"] == org_a.organization.public_id


def test_user_in_two_orgs_must_choose(org_a, org_b):
    add_member(organization=org_b.organization, user=org_a.member, role=Role.MEMBER)
    client = APIClient()
    ambiguous = client.post(
        "/v1/auth/token", {"email": org_a.member.email, "password": PASSWORD}, format="json"
    )
    assert ambiguous.status_code == 400
    assert ambiguous.json()["error"]["code"] == "INVALID_PAYLOAD"
    chosen = client.post(
        "/v1/auth/token",
        {
            "email": org_a.member.email,
            "password": PASSWORD,
            "organization": org_b.organization.public_id,
        },
        format="json",
    )
    assert chosen.status_code == 200
    assert AccessToken(chosen.json()["access"])["org"] == org_b.organization.public_id


def test_wrong_password_is_401(org_a):
    response = APIClient().post(
        "/v1/auth/token", {"email": org_a.owner.email, "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_expired_token_has_simplejwt_shape(org_a):
    token = AccessToken.for_user(org_a.owner)
    token["org"] = org_a.organization.public_id
    token.set_exp(lifetime=-timedelta(minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/v1/api-keys")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_not_valid"
    assert "detail" in body and isinstance(body["messages"], list)


def test_garbage_token_has_simplejwt_shape():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    response = client.get("/v1/api-keys")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_token_of_removed_member_is_rejected(org_a):
    from accounts.models import Membership

    client = APIClient()
    pair = client.post(
        "/v1/auth/token", {"email": org_a.member.email, "password": PASSWORD}, format="json"
    ).json()
    Membership.objects.filter(user=org_a.member).delete()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    response = client.get("/v1/api-keys")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def _pair(client: APIClient, user, organization=None) -> dict:
    body = {"email": user.email, "password": PASSWORD}
    if organization is not None:
        body["organization"] = organization.public_id
    response = client.post("/v1/auth/token", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _refresh(client: APIClient, pair: dict):
    return client.post("/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")


def test_removed_members_refresh_token_cannot_mint_access_tokens(org_a, org_b):
    """Issue #19 item 9: the access token was refused, but its refresh token still minted new
    ones. Removing the member blacklists their refresh tokens of that organization only."""
    from accounts.models import Membership
    from accounts.services import remove_member

    member = org_a.member
    add_member(organization=org_b.organization, user=member, role=Role.MEMBER)
    client = APIClient()
    in_a = _pair(client, member, org_a.organization)
    in_b = _pair(client, member, org_b.organization)
    assert _refresh(client, in_a).status_code == 200

    remove_member(membership=Membership.objects.get(user=member, organization=org_a.organization))

    refused = _refresh(client, in_a)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_not_valid"  # blacklisted: simplejwt's shape
    assert _refresh(client, in_b).status_code == 200  # still a member of org B


def test_refresh_checks_the_membership_even_when_nobody_revoked_the_token(org_a):
    """A membership deleted another way (the admin, a raw delete): the refresh still fails."""
    from accounts.models import Membership

    client = APIClient()
    pair = _pair(client, org_a.member)
    Membership.objects.filter(user=org_a.member).delete()
    refused = _refresh(client, pair)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "UNAUTHORIZED"
    assert "no longer accessible" in refused.json()["error"]["message"]


def test_deactivated_users_refresh_token_is_refused(org_a):
    client = APIClient()
    pair = _pair(client, org_a.member)
    org_a.member.is_active = False
    org_a.member.save(update_fields=["is_active"])
    refused = _refresh(client, pair)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "UNAUTHORIZED"


def test_password_change_revokes_every_refresh_token(org_a):
    client = APIClient()
    first, second = _pair(client, org_a.owner), _pair(client, org_a.owner)
    org_a.owner.set_password("a-brand-new-password")
    org_a.owner.save()
    for pair in (first, second):
        refused = _refresh(client, pair)
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_not_valid"
    # Signing in with the new password gives a working pair again.
    response = client.post(
        "/v1/auth/token",
        {"email": org_a.owner.email, "password": "a-brand-new-password"},
        format="json",
    )
    assert _refresh(client, response.json()).status_code == 200


def test_password_reset_through_the_dashboard_revokes_refresh_tokens(org_a, client):
    """The reset link's form (Django's own view) saves the user: that path revokes too."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    api = APIClient()
    pair = _pair(api, org_a.member)
    uid = urlsafe_base64_encode(force_bytes(org_a.member.pk))
    token = default_token_generator.make_token(org_a.member)
    page = client.get(f"/password-reset/{uid}/{token}/", follow=True)
    assert page.status_code == 200
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Another-Long-Pass-42", "new_password2": "Another-Long-Pass-42"},
    )
    assert response.status_code == 302, response.content[:500]
    assert _refresh(api, pair).status_code == 401


def test_expired_refresh_tokens_are_flushed(org_a):
    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tokens import flush_expired_tokens

    _pair(APIClient(), org_a.owner)
    live = _pair(APIClient(), org_a.member)
    OutstandingToken.objects.filter(user=org_a.owner).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert flush_expired_tokens() == 1
    assert _refresh(APIClient(), live).status_code == 200
