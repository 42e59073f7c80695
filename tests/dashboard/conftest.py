"""Dashboard tests: Django's test client with a session, on top of the tenancy base."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.web_tenancy import SESSION_ORG_KEY
from tests.media import _media_in_tmp  # noqa: F401


def web_client_for(user: User, organization=None) -> Client:
    client = Client()
    client.force_login(user)
    if organization is not None:
        session = client.session
        session[SESSION_ORG_KEY] = organization.public_id
        session.save()
    return client


@pytest.fixture
def owner_web(org_a) -> Client:
    return web_client_for(org_a.owner, org_a.organization)


@pytest.fixture
def admin_web(org_a) -> Client:
    return web_client_for(org_a.admin, org_a.organization)


@pytest.fixture
def member_web(org_a) -> Client:
    return web_client_for(org_a.member, org_a.organization)


@pytest.fixture
def outsider_web(org_b) -> Client:
    return web_client_for(org_b.owner, org_b.organization)
