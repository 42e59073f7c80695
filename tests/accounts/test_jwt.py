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
