from __future__ import annotations

import pytest

from accounts.models import APIKey, hash_api_key
from tests.conftest import api_client_for_key

pytestmark = pytest.mark.django_db


def test_api_key_is_hashed_at_rest_and_shown_once(owner_client, org_a):
    response = owner_client.post("/v1/api-keys", {"name": "CI"}, format="json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    assert secret.startswith("pp_live_")
    key = APIKey.objects.get(public_id=response.json()["id"])
    assert key.hashed_secret == hash_api_key(secret)
    assert secret[:14] == key.prefix
    # No column of any row holds the secret itself.
    for row in APIKey.objects.values():
        assert secret not in {str(v) for v in row.values()}
    listing = owner_client.get("/v1/api-keys").json()["data"]
    assert all("secret" not in item for item in listing)


def test_api_key_authenticates_and_records_last_use(org_a):
    client = api_client_for_key(org_a.api_key_secret)
    assert client.get("/v1/api-keys").status_code == 200
    org_a.api_key.refresh_from_db()
    assert org_a.api_key.last_used_at is not None


def test_revoked_key_gets_401(owner_client, org_a):
    client = api_client_for_key(org_a.api_key_secret)
    assert client.get("/v1/api-keys").status_code == 200
    revoke = owner_client.post(f"/v1/api-keys/{org_a.api_key.public_id}/revoke")
    assert revoke.status_code == 200 and revoke.json()["revoked_at"]
    response = client.get("/v1/api-keys")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("header", [None, "pp_live_wrong", ""])
def test_missing_or_bad_key_is_401_envelope(anon_client, header):
    if header is not None:
        anon_client.credentials(HTTP_X_API_KEY=header)
    response = anon_client.get("/v1/api-keys")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "UNAUTHORIZED"
    assert body["error"]["message"]


def test_member_cannot_manage_keys(member_client):
    response = member_client.post("/v1/api-keys", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_outsider_cannot_revoke_key_of_other_org(client_b, org_a):
    response = client_b.post(f"/v1/api-keys/{org_a.api_key.public_id}/revoke")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "API_KEY_NOT_FOUND"
    org_a.api_key.refresh_from_db()
    assert org_a.api_key.revoked_at is None
