"""The tenancy test base: org A with an owner, an admin and a member; org B with an outsider.

Every API test builds on these fixtures so that "the outsider gets 404 and nothing changes"
can be asserted for every endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import APIKey, Organization, Role, User
from accounts.services import add_member, create_api_key, create_organization
from tests.factories import UserFactory
from tests.openapi_contract import _openapi_contract  # noqa: F401  (every /v1/ response)

PASSWORD = "correct-horse-battery"


@dataclass
class Tenant:
    organization: Organization
    owner: User
    admin: User
    member: User
    api_key: APIKey
    api_key_secret: str


def _make_tenant(name: str, prefix: str, credits: int) -> Tenant:
    owner = UserFactory(email=f"{prefix}-owner@example.com")
    admin = UserFactory(email=f"{prefix}-admin@example.com")
    member = UserFactory(email=f"{prefix}-member@example.com")
    organization = create_organization(name=name, owner=owner, opening_credits=credits)
    add_member(organization=organization, user=admin, role=Role.ADMIN)
    add_member(organization=organization, user=member, role=Role.MEMBER)
    new_key = create_api_key(organization=organization, name=f"{prefix} key", created_by=owner)
    return Tenant(organization, owner, admin, member, new_key.api_key, new_key.secret)


@pytest.fixture
def org_a(db) -> Tenant:
    return _make_tenant("Org A", "a", credits=1000)


@pytest.fixture
def org_b(db) -> Tenant:
    return _make_tenant("Org B", "b", credits=1000)


@pytest.fixture
def outsider(org_b: Tenant) -> User:
    return org_b.owner


def api_client_for_key(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    return client


def api_client_for_user(user: User, organization: Organization) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Membership

    membership = Membership.objects.get(user=user, organization=organization)
    refresh = RefreshToken.for_user(user)
    refresh["org"] = organization.public_id
    refresh["role"] = membership.role
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    return client


@pytest.fixture
def client_a(org_a: Tenant) -> APIClient:
    """Org A's API key."""
    return api_client_for_key(org_a.api_key_secret)


@pytest.fixture
def client_b(org_b: Tenant) -> APIClient:
    """The outsider: org B's API key."""
    return api_client_for_key(org_b.api_key_secret)


@pytest.fixture
def owner_client(org_a: Tenant) -> APIClient:
    return api_client_for_user(org_a.owner, org_a.organization)


@pytest.fixture
def member_client(org_a: Tenant) -> APIClient:
    return api_client_for_user(org_a.member, org_a.organization)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    """A fake resolver for webhook hosts: {hostname: [addresses]}; other names really resolve
    (this machine has no DNS: they fail). Webhook URLs are resolved when they are saved or
    submitted and before every send (extractions.webhooks.ssrf.resolve_host)."""
    from extractions.webhooks import ssrf

    table: dict[str, list[str]] = {}
    real = ssrf.resolve_host
    monkeypatch.setattr(
        ssrf, "resolve_host", lambda host, port: table[host] if host in table else real(host, port)
    )
    return table


@pytest.fixture
def ocr_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per page OCR really read (pages served by the OCR cache do not get here)."""
    from extractions.engine.read import ocr  # the OCR module only for the tests that ask

    calls: list[int] = []
    real = ocr._read

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "_read", counting)
    return calls
