"""Password guessing is throttled (django-axes): after PP_LOGIN_FAILURE_LIMIT failures for one
address from one client, the dashboard login and ``POST /v1/auth/token`` refuse even the right
password until PP_LOGIN_COOLOFF_MINUTES have passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = django_settings.AXES_FAILURE_LIMIT  # PP_LOGIN_FAILURE_LIMIT


def _login(client: Client, email: str, password: str):
    return client.post("/login/", {"email": email, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_settings_come_from_the_environment_variables():
    assert django_settings.AXES_ENABLED
    assert LIMIT >= 1
    assert django_settings.AXES_USERNAME_FORM_FIELD == "email"


def test_dashboard_login_locks_after_the_failure_limit(org_a):
    client = Client()
    email = org_a.owner.email
    for attempt in range(1, LIMIT):
        response = _login(client, email, f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
        assert b"Wrong email or password" in response.content
    locked = _login(client, email, "wrong-last")
    assert locked.status_code == 429
    # Locked: the right password does not get in either.
    response = _login(client, email, PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)

    # Per address and client: another user from the same client is not locked out.
    other = _login(client, org_a.member.email, PASSWORD)
    assert other.status_code == 302 and _logged_in(client)


def test_the_lock_lifts_after_the_cool_off(org_a):
    client = Client()
    for attempt in range(LIMIT):
        _login(client, org_a.admin.email, f"wrong-{attempt}")
    assert _login(client, org_a.admin.email, PASSWORD).status_code == 429
    later = timezone.now() + django_settings.AXES_COOLOFF_TIME + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        response = _login(client, org_a.admin.email, PASSWORD)
        assert response.status_code == 302
        assert _logged_in(client)


def test_api_token_endpoint_locks_too(org_a):
    client = APIClient()
    email = org_a.member.email
    for attempt in range(1, LIMIT):
        response = client.post(
            "/v1/auth/token", {"email": email, "password": f"wrong-{attempt}"}, format="json"
        )
        assert response.status_code == 401, attempt
    for password in ("wrong-last", PASSWORD):
        response = client.post(
            "/v1/auth/token", {"email": email, "password": password}, format="json"
        )
        assert response.status_code == 429, response.content
        assert response.json()["error"]["code"] == "ACCOUNT_LOCKED"
        assert int(response["Retry-After"]) == int(
            django_settings.AXES_COOLOFF_TIME.total_seconds()
        )
        assert "access" not in response.json()
